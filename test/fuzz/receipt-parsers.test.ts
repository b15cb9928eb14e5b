import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  type CustomConfig,
  type CustomReceiptMapping,
  normalizeCode,
  type ParsedReceipts,
  type ProviderName,
  parseReceiptsFor,
  ReceiptParseError,
  type ReceiptRequest,
} from "../../lambdas/providers/index.js";
import { timeMs } from "../../lambdas/providers/receipt-input.js";
import { redactPhones } from "../../lambdas/providers/redact.js";
import {
  asReceiptRequest,
  type BuiltReceipt,
  customReceipt,
  customReceiptBatch,
  gupshupPostReceipt,
  gupshupQueryReceipt,
  kaleyraReceipt,
  sinchBatchReport,
  sinchInbound,
  sinchRecipientReport,
} from "../simulators/index.js";
import { connectorOf } from "../support/connectors.js";

/**
 * Every receipt parser against arbitrary requests and against mutations of real-format receipts: a
 * parser either returns well-formed receipts or throws ReceiptParseError (the worker parks those);
 * anything else would send an authenticated receipt to the dead-letter queue instead.
 */

const RUNS = 300;
const STATUSES = new Set(["DELIVERED", "FAILED", "IN_TRANSIT", "UNKNOWN"]);

/** Field names the parsers look for, plus names that exist on every plain object. */
const KNOWN_KEYS = [
  "externalId",
  "status",
  "eventType",
  "errCode",
  "cause",
  "deliveredTS",
  "eventTs",
  "sid",
  "custom",
  "delivat",
  "mobile",
  "phoneNo",
  "destAddr",
  " DestAddr ",
  "type",
  "batch_id",
  "recipient",
  "statuses",
  "recipients",
  "client_reference",
  "operator_status_at",
  "code",
  "ref",
  "ts",
  "err",
  "response",
  "toString",
  "constructor",
  "__proto__",
  "hasOwnProperty",
  "valueOf",
  "length",
];

const key = fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ maxLength: 12 }));
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom(
    "",
    " ",
    "{custom}",
    "DELIVRD",
    "Delivered",
    "SUCCESS",
    "FAIL",
    "1700000000",
    "-1",
    "1e400",
  ),
);
const jsonish = fc.jsonValue({ maxDepth: 4 });

/** Built the way the webhook builds it: a plain object, first value per key. */
function record(pairs: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

const pairs = fc.array(fc.tuple(key, text), { maxLength: 8 });

const body = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  jsonish.map((v) => JSON.stringify(v) ?? ""),
  fc
    .dictionary(
      key,
      fc.oneof(
        text.map((t) => t as unknown),
        jsonish,
      ),
    )
    .map((d) => JSON.stringify(d)),
  fc
    .array(
      fc.dictionary(
        key,
        fc.oneof(
          text.map((t) => t as unknown),
          jsonish,
        ),
      ),
    )
    .map((a) => JSON.stringify(a)),
  pairs.map((p) => new URLSearchParams(p).toString()),
  // A form field holding JSON (Gupshup's `response=[...]`), next to other fields.
  fc
    .tuple(
      key,
      fc.array(
        fc.dictionary(
          key,
          fc.oneof(
            text.map((t) => t as unknown),
            jsonish,
          ),
        ),
      ),
      pairs,
    )
    .map(([k, events, rest]) => new URLSearchParams([[k, JSON.stringify(events)], ...rest]).toString()),
  fc.constantFrom("{", "[", "[]", "{}", "null", "[null]", '{"response":{}}', '{"type":"mo_text"}', "  "),
);

const arbitraryRequest: fc.Arbitrary<ReceiptRequest> = fc.record({
  method: fc.oneof(fc.constantFrom("GET", "POST", "HEAD", "PUT"), fc.string({ maxLength: 6 })),
  query: pairs.map(record),
  headers: fc
    .array(
      fc.tuple(fc.oneof(fc.constantFrom("content-type", "user-agent"), fc.string({ maxLength: 10 })), text),
    )
    .map(record),
  body,
});

const nameOrPointer = fc.oneof(
  fc.constantFrom(
    "ref",
    "status",
    "err",
    "ts",
    "/a/b",
    "/0",
    "/",
    "",
    "toString",
    "__proto__",
    "constructor",
  ),
  fc.string({ minLength: 1, maxLength: 10 }),
  fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 3 }).map((t) => `/${t.join("/")}`),
);
const statusList = fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 });
const arbitraryMapping: fc.Arbitrary<CustomReceiptMapping> = fc.record(
  {
    messageId: nameOrPointer,
    status: nameOrPointer,
    errorCode: nameOrPointer,
    time: nameOrPointer,
    timeFormat: fc.constantFrom("epochSeconds", "epochMillis", "iso8601", "smpp"),
    timeZone: fc.oneof(fc.constantFrom("UTC", "Asia/Kolkata", "America/New_York", "Not/AZone"), fc.string()),
    delivered: statusList,
    failed: statusList,
    inTransit: statusList,
  },
  { requiredKeys: ["messageId", "status", "delivered", "failed"] },
);
function customConfig(receipt: CustomReceiptMapping, providerIds: boolean): CustomConfig {
  return {
    request: { method: "POST", url: "https://sms.example/send" },
    ...(providerIds ? { response: { messageIdPointer: "/id" } } : {}),
    receipt,
  };
}

/** The property every parse must satisfy: well-formed receipts, or a ReceiptParseError and nothing else. */
function parseChecked(
  provider: ProviderName,
  request: ReceiptRequest,
  config?: CustomConfig,
): ParsedReceipts | null {
  let parsed: ParsedReceipts;
  try {
    parsed = parseReceiptsFor(connectorOf(provider, config), request);
  } catch (err) {
    if (err instanceof ReceiptParseError) {
      expect(err.reason.length).toBeGreaterThan(0);
      return null;
    }
    throw err;
  }
  expect(Number.isInteger(parsed.ignored) && parsed.ignored >= 0).toBe(true);
  // Nothing at all is a deliberate "ignored", never a silent empty success.
  if (parsed.receipts.length === 0) expect(parsed.ignored).toBeGreaterThan(0);
  for (const r of parsed.receipts) {
    expect(STATUSES.has(r.status)).toBe(true);
    for (const ref of [r.ref, r.fallbackRef]) {
      if (ref === undefined) continue;
      const id = ref.kind === "ours" ? ref.messageId : ref.providerMessageId;
      expect(["ours", "provider"]).toContain(ref.kind);
      expect(typeof id).toBe("string");
      expect(id.length).toBeGreaterThan(0);
    }
    expect(r.code === null || typeof r.code === "string").toBe(true);
    // One code, one string: every code a parser returns is already in the provider's spelling.
    if (r.code !== null) expect(normalizeCode(provider, r.code)).toBe(r.code);
    expect(r.description === null || typeof r.description === "string").toBe(true);
    expect(r.operatorTimeMs === null || Number.isFinite(r.operatorTimeMs)).toBe(true);
    // An unmapped status is never counted as final.
    if (r.unmappedStatus !== undefined) {
      expect(provider).toBe("custom");
      expect(r.status).toBe("IN_TRANSIT");
      expect(r.unmappedStatus.length).toBeGreaterThan(0);
    }
  }
  return parsed;
}

/** Byte-level and field-level damage to a real receipt. */
function mutated(built: fc.Arbitrary<BuiltReceipt>): fc.Arbitrary<ReceiptRequest> {
  return fc
    .tuple(
      built,
      fc.nat(),
      fc.nat(),
      text,
      key,
      jsonish,
      fc.constantFrom(
        "truncate",
        "splice",
        "set-query",
        "drop-query",
        "set-json",
        "drop-json",
        "wrap",
        "method",
      ),
    )
    .map(([b, i, j, t, k, v, how]) => {
      const request = asReceiptRequest(b);
      const cut = (s: string, n: number): number => (s.length === 0 ? 0 : n % (s.length + 1));
      switch (how) {
        case "truncate":
          return { ...request, body: request.body.slice(0, cut(request.body, i)) };
        case "splice": {
          const at = cut(request.body, i);
          return { ...request, body: request.body.slice(0, at) + t + request.body.slice(at + (j % 4)) };
        }
        case "set-query":
          return { ...request, query: record([...Object.entries(request.query), [k, t]]) };
        case "drop-query": {
          const entries = Object.entries(request.query);
          return {
            ...request,
            query: record(entries.filter((_, n) => n !== i % Math.max(entries.length, 1))),
          };
        }
        case "set-json":
        case "drop-json": {
          let doc: unknown;
          try {
            doc = JSON.parse(request.body);
          } catch {
            return request;
          }
          const target = Array.isArray(doc) ? doc[i % Math.max(doc.length, 1)] : doc;
          if (target !== null && typeof target === "object" && !Array.isArray(target)) {
            const keys = Object.keys(target);
            const name = how === "set-json" && j % 2 === 0 ? k : (keys[j % Math.max(keys.length, 1)] ?? k);
            if (how === "set-json") Object.defineProperty(target, name, { value: v, enumerable: true });
            else delete (target as Record<string, unknown>)[name];
          }
          return { ...request, body: JSON.stringify(doc) };
        }
        case "wrap":
          return {
            ...request,
            body: JSON.stringify(i % 2 === 0 ? [request.body] : { response: request.body }),
          };
        default:
          return { ...request, method: request.method === "GET" ? "POST" : "GET" };
      }
    });
}

const idText = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== "");
const digitsText = fc.stringMatching(/^\d{6,15}$/);
/** POST events as Gupshup sends them: values as strings or JSON numbers. */
const gupshupEvents = fc.array(
  fc.record({
    externalId: fc.oneof(idText, fc.nat()),
    eventType: fc.constantFrom("DELIVERED", "FAILED", "SENT", "x"),
    eventTs: fc.option(fc.nat(), { nil: undefined }),
    destAddr: fc.option(fc.oneof(digitsText, digitsText.map(Number)), { nil: undefined }),
    errCode: fc.option(fc.oneof(fc.constantFrom("000", "003"), fc.nat()), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 20 },
);
/** The three POST shapes: bare JSON array, `{"response": [...]}`, form field `response`. */
const gupshupShape = fc.constantFrom<{ wrap?: boolean; form?: boolean }>({}, { wrap: true }, { form: true });
const gupshupBuilt = fc.oneof(
  fc
    .record({
      externalId: idText,
      status: fc.constantFrom("SUCCESS", "Success", "FAIL", "FAILURE", "UNKNOWN", "whatever"),
      cause: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
      errCode: fc.option(fc.constantFrom("000", "003", "00a"), { nil: undefined }),
      deliveredTS: fc.option(fc.oneof(fc.nat(), fc.string({ maxLength: 14 })), { nil: undefined }),
      phoneNo: fc.option(digitsText, { nil: undefined }),
    })
    .chain((f) => fc.boolean().map((straySpaces) => gupshupQueryReceipt(f, { straySpaces }))),
  gupshupEvents.chain((events) => gupshupShape.map((shape) => gupshupPostReceipt(events, shape))),
);
const kaleyraBuilt = fc
  .record({
    sid: fc.option(idText, { nil: undefined }),
    status: fc.constantFrom("DELIVRD", "AWAITED-DLR", "DNDNUMB", "EXPIRED", "???"),
    custom: fc.option(idText, { nil: undefined }),
    delivat: fc.option(fc.oneof(fc.nat(), fc.string({ maxLength: 20 })), { nil: undefined }),
    mobile: fc.option(digitsText, { nil: undefined }),
  })
  .map((f) => kaleyraReceipt(f));
const sinchStatus = fc.constantFrom(
  "Queued",
  "Dispatched",
  "Delivered",
  "Failed",
  "Rejected",
  "Unknown",
  "Odd",
);
const sinchBuilt = fc.oneof(
  fc
    .record({
      batchId: idText,
      recipient: digitsText,
      status: sinchStatus,
      code: fc.option(fc.nat(), { nil: undefined }),
      operatorStatusAt: fc.option(
        fc.oneof(
          fc.string({ maxLength: 25 }),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        {
          nil: undefined,
        },
      ),
      clientReference: fc.option(idText, { nil: undefined }),
    })
    .map((r) => sinchRecipientReport(r)),
  fc
    .record({
      batchId: idText,
      kind: fc.constantFrom<"full" | "summary">("full", "summary"),
      statuses: fc.array(
        fc.record({ status: sinchStatus, recipients: fc.array(digitsText, { maxLength: 3 }) }),
        { maxLength: 4 },
      ),
      clientReference: fc.option(idText, { nil: undefined }),
    })
    .map((r) => sinchBatchReport(r)),
  fc.record({ from: digitsText, to: digitsText, body: fc.string() }).map((r) => sinchInbound(r)),
);

/** Sane mapping field names, so the simulator's builder can place the values where the parser looks. */
const saneField = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
  fc
    .array(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { minLength: 1, maxLength: 3 })
    .map((t) => `/${t.join("/")}`),
);
const saneMapping = fc
  .uniqueArray(saneField, {
    minLength: 4,
    maxLength: 4,
    // A pointer and a plain name on the same first token would overwrite each other.
    selector: (f) => (f.startsWith("/") ? f.slice(1).split("/")[0] : f),
  })
  .map(
    ([messageId, status, errorCode, time]): CustomReceiptMapping => ({
      messageId: messageId as string,
      status: status as string,
      errorCode: errorCode as string,
      time: time as string,
      delivered: ["DELIVERED"],
      failed: ["FAILED", "UNDELIVERED"],
      inTransit: ["SENT"],
    }),
  );
const customValues = fc.record({
  messageId: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/),
  status: fc.constantFrom("DELIVERED", "FAILED", "UNDELIVERED", "SENT", "delivered", "weird"),
  errorCode: fc.option(fc.oneof(fc.nat(), fc.string({ maxLength: 5 })), { nil: undefined }),
  time: fc.option(
    fc.oneof(
      fc.nat(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    { nil: undefined },
  ),
});
const customBuilt = fc.oneof(
  fc
    .tuple(saneMapping, customValues, fc.constantFrom<"json" | "query" | "form">("json", "query", "form"))
    .map(([m, v, as]) => ({ mapping: m, built: customReceipt(m, v, as) })),
  fc
    .tuple(saneMapping, fc.array(customValues, { minLength: 1, maxLength: 5 }))
    .map(([m, vs]) => ({ mapping: m, built: customReceiptBatch(m, vs) })),
);

describe("receipt parsers never throw anything but ReceiptParseError", () => {
  it.each(["gupshup", "kaleyra", "sinch"] as const)("%s: arbitrary requests", (provider) => {
    fc.assert(
      fc.property(arbitraryRequest, (request) => {
        parseChecked(provider, request);
      }),
      { numRuns: RUNS },
    );
  });

  it("custom: arbitrary requests against arbitrary mappings (including names every object has)", () => {
    fc.assert(
      fc.property(arbitraryRequest, arbitraryMapping, fc.boolean(), (request, mapping, ids) => {
        parseChecked("custom", request, customConfig(mapping, ids));
      }),
      { numRuns: RUNS },
    );
  });

  it("custom: a receipt whose mapped field is absent, for names every object has", () => {
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"]) {
      const mapping: CustomReceiptMapping = {
        messageId: name,
        status: "st",
        delivered: ["D"],
        failed: ["F"],
      };
      const requests: ReceiptRequest[] = [
        { method: "GET", query: { st: "D" }, headers: {}, body: "" },
        { method: "POST", query: {}, headers: {}, body: "st=D" },
        { method: "POST", query: {}, headers: {}, body: '{"st":"D"}' },
      ];
      for (const request of requests) {
        expect(() => parseReceiptsFor(connectorOf("custom", customConfig(mapping, false)), request)).toThrow(
          ReceiptParseError,
        );
      }
    }
  });

  it.each([
    ["gupshup", gupshupBuilt],
    ["kaleyra", kaleyraBuilt],
    ["sinch", sinchBuilt],
  ] as const)("%s: mutations of real-format receipts", (provider, built) => {
    fc.assert(
      fc.property(mutated(built), (request) => {
        parseChecked(provider, request);
      }),
      { numRuns: RUNS },
    );
  });

  it("custom: mutations of real-format receipts", () => {
    fc.assert(
      fc.property(
        customBuilt.chain(({ mapping, built }) => mutated(fc.constant(built)).map((r) => ({ mapping, r }))),
        fc.boolean(),
        ({ mapping, r }, ids) => {
          parseChecked("custom", r, customConfig(mapping, ids));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("real-format receipts parse to what they say", () => {
  it("gupshup: the externalId and the status of every event", () => {
    fc.assert(
      fc.property(gupshupBuilt, (built) => {
        const parsed = parseChecked("gupshup", asReceiptRequest(built));
        expect(parsed?.receipts.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("gupshup: a POST batch counts the same as a bare array, a response wrapper or a form field", () => {
    fc.assert(
      fc.property(gupshupEvents, (events) => {
        const [bare, wrapped, form] = [{}, { wrap: true }, { form: true }].map((shape) =>
          parseChecked("gupshup", asReceiptRequest(gupshupPostReceipt(events, shape))),
        );
        expect(bare?.receipts.length).toBe(events.length);
        expect(wrapped).toEqual(bare);
        expect(form).toEqual(bare);
      }),
      { numRuns: RUNS },
    );
  });

  it("kaleyra: every receipt with custom or sid is read; without both it is a parse error", () => {
    fc.assert(
      fc.property(kaleyraBuilt, (built) => {
        const request = asReceiptRequest(built);
        const hasRef = [request.query.custom, request.query.sid].some(
          (v) => v && !/^\{\w*\}$/.test(v.trim()),
        );
        const parsed = parseChecked("kaleyra", request);
        expect(parsed?.receipts.length ?? 0).toBe(hasRef ? 1 : 0);
      }),
      { numRuns: RUNS },
    );
  });

  it("custom: the mapped message id and status come back for every receipt of a batch", () => {
    fc.assert(
      fc.property(saneMapping, fc.array(customValues, { minLength: 1, maxLength: 5 }), (mapping, values) => {
        const parsed = parseChecked(
          "custom",
          asReceiptRequest(customReceiptBatch(mapping, values)),
          customConfig(mapping, false),
        );
        expect(parsed?.receipts.map((r) => r.ref)).toEqual(
          values.map((v) => ({ kind: "ours", messageId: v.messageId })),
        );
        const expected = values.map((v) =>
          v.status.toUpperCase() === "DELIVERED"
            ? "DELIVERED"
            : v.status === "SENT" || v.status === "weird"
              ? "IN_TRANSIT"
              : "FAILED",
        );
        expect(parsed?.receipts.map((r) => r.status)).toEqual(expected);
        // Only a status in none of the lists is reported as unmapped, as received.
        expect(parsed?.receipts.map((r) => r.unmappedStatus)).toEqual(
          values.map((v) => (v.status === "weird" ? "weird" : undefined)),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe("provider codes normalise to one string", () => {
  const providers = fc.constantFrom<ProviderName>("gupshup", "kaleyra", "sinch", "custom");

  it("every provider: normalising twice changes nothing, and blank is no code", () => {
    fc.assert(
      fc.property(providers, fc.oneof(text, fc.integer(), fc.double()), (provider, code) => {
        const once = normalizeCode(provider, code);
        expect(once === null ? null : normalizeCode(provider, once)).toBe(once);
        if (once !== null) expect(once).toBe(once.trim());
        expect(normalizeCode(provider, ` ${String(code)} `)).toBe(normalizeCode(provider, String(code)));
      }),
      { numRuns: RUNS },
    );
  });

  it("gupshup: a JSON number, its digits and its zero-padded, upper- or lower-case spellings are one code", () => {
    const hexish = fc.stringMatching(/^[0-9a-f]{1,2}$/);
    fc.assert(
      fc.property(hexish, (code) => {
        const padded = code.padStart(3, "0");
        const spellings: unknown[] = [code, padded, code.toUpperCase(), ` ${padded.toUpperCase()} `];
        if (/^\d+$/.test(code)) spellings.push(Number(code));
        for (const s of spellings) expect(normalizeCode("gupshup", s)).toBe(padded);
      }),
      { numRuns: RUNS },
    );
  });

  it("gupshup: errCode as a JSON number in a POST and zero-padded in a GET count as the same code", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99 }),
        fc.constantFrom({}, { wrap: true }, { form: true }),
        (n, shape) => {
          const padded = String(n).padStart(3, "0");
          const post = parseChecked(
            "gupshup",
            asReceiptRequest(
              gupshupPostReceipt([{ externalId: "1-1", eventType: "FAILED", errCode: n }], shape),
            ),
          );
          const get = parseChecked(
            "gupshup",
            asReceiptRequest(gupshupQueryReceipt({ externalId: "1-1", status: "FAILURE", errCode: padded })),
          );
          expect(post?.receipts[0]?.code).toBe(padded);
          expect(get?.receipts[0]?.code).toBe(padded);
          expect(post?.receipts[0]?.description).toBe(get?.receipts[0]?.description);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("sinch: an integer code and its digits with leading zeros are one code", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 3 }), (n, zeros) => {
        expect(normalizeCode("sinch", `${"0".repeat(zeros)}${n}`)).toBe(String(n));
        expect(normalizeCode("sinch", n)).toBe(String(n));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("receipt times", () => {
  const instant = fc.date({
    min: new Date("2000-01-01T00:00:00Z"),
    // Not the last day: in zones east of UTC it is already 2100, which YY cannot write.
    max: new Date("2099-12-30T23:59:59Z"),
    noInvalidDate: true,
  });
  const zone = fc.constantFrom(
    "UTC",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
  );

  it("smpp: a done date written in a zone reads back as that wall time in that zone", () => {
    fc.assert(
      fc.property(instant, zone, fc.boolean(), (date, timeZone, seconds) => {
        const format = seconds ? "yyMMddHHmmss" : "yyMMddHHmm";
        const text = DateTime.fromJSDate(date, { zone: timeZone }).toFormat(format);
        const ms = timeMs(text, { format: "smpp", timeZone });
        expect(ms).not.toBeNull();
        // Compared as wall time: a time repeated by a DST fall-back may read as either instant.
        expect(DateTime.fromMillis(ms as number, { zone: timeZone }).toFormat(format)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("without a format: only 10/13-digit epochs and ISO-8601 with an offset are read, as that format reads them", () => {
    const value = fc.oneof(
      text,
      fc.stringMatching(/^\d{9,14}$/),
      instant.map((d) => DateTime.fromJSDate(d).toFormat("yyMMddHHmmss")),
      instant.map((d) => d.toISOString()),
      instant.map((d) => d.toISOString().slice(0, 19)),
      fc.tuple(instant, zone).map(([d, z]) => DateTime.fromJSDate(d, { zone: z }).toISO() ?? ""),
      fc.oneof(fc.nat(), fc.integer({ min: 1e9, max: 1e13 }), fc.double()),
    );
    fc.assert(
      fc.property(value, (v) => {
        const ms = timeMs(v);
        const t = String(v).trim();
        if (ms === null) return;
        if (/^\d{13}$/.test(t)) expect(ms).toBe(timeMs(t, { format: "epochMillis" }));
        else if (/^\d{10}$/.test(t)) expect(ms).toBe(timeMs(t, { format: "epochSeconds" }));
        else {
          expect(t).toMatch(/^\d{4}-\d{2}-\d{2}[T ].*(Z|[+-]\d{2}(:?\d{2})?)$/i);
          expect(ms).toBe(timeMs(t, { format: "iso8601", timeZone: "Pacific/Kiritimati" }));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** The same fields as a form POST instead of a GET query (the Gupshup and Kaleyra parsers read both). */
function asFormPost(b: BuiltReceipt): BuiltReceipt {
  if (b.query === "") return b;
  return {
    method: "POST",
    query: "",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: b.query,
  };
}

/**
 * Every key a parser could read, at any depth: query and form names, JSON keys, and the keys inside the
 * JSON text of the provider's envelope field (Gupshup `response`, as receiptEvents decodes it). Other
 * strings are values.
 */
function keysAnywhere(request: ReceiptRequest, envelope: string | undefined): string[] {
  const keys: string[] = [];
  const visit = (v: unknown, decode: boolean): void => {
    if (typeof v === "string") {
      const t = v.trim();
      if (!decode || (!t.startsWith("{") && !t.startsWith("["))) return;
      let doc: unknown;
      try {
        doc = JSON.parse(t);
      } catch {
        return; // not decodable: no parser reads it either
      }
      visit(doc, false);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, false);
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        keys.push(k);
        visit(x, k.trim().toLowerCase() === envelope);
      }
    }
  };
  visit(request.query, false);
  const t = request.body.trim();
  if (t.startsWith("{") || t.startsWith("[")) visit(request.body, true);
  else
    for (const [k, v] of new URLSearchParams(request.body)) {
      keys.push(k);
      visit(v, k.trim().toLowerCase() === envelope);
    }
  return keys;
}

function outcome(provider: ProviderName, request: ReceiptRequest): ParsedReceipts | "unparseable" {
  try {
    return parseReceiptsFor(connectorOf(provider), request);
  } catch (err) {
    if (err instanceof ReceiptParseError) return "unparseable";
    throw err;
  }
}

const PHONE_KEYS = { gupshup: ["phoneno", "destaddr"], kaleyra: ["mobile"] } as const;
const ENVELOPE = { gupshup: "response", kaleyra: undefined } as const;

describe("phone numbers never stay in a queued receipt", () => {
  it.each([
    [
      "gupshup",
      fc.oneof(arbitraryRequest, mutated(gupshupBuilt), gupshupBuilt.map(asFormPost).map(asReceiptRequest)),
    ],
    [
      "kaleyra",
      fc.oneof(arbitraryRequest, mutated(kaleyraBuilt), kaleyraBuilt.map(asFormPost).map(asReceiptRequest)),
    ],
  ] as const)(
    "%s: no phone key in any shape the parser reads, and the same parse result",
    (provider, requests) => {
      fc.assert(
        fc.property(requests, (request) => {
          const redacted = redactPhones(provider, request);
          const left = keysAnywhere(redacted, ENVELOPE[provider]).filter((k) =>
            (PHONE_KEYS[provider] as readonly string[]).includes(k.trim().toLowerCase()),
          );
          expect(left).toEqual([]);
          const before = outcome(provider, request);
          const after = outcome(provider, redacted);
          // A request that held nothing but a phone number becomes empty: ignored instead of parked.
          if (before === "unparseable" && after !== "unparseable") {
            expect(after).toEqual({ receipts: [], ignored: 1, ignoredReason: "empty" });
          } else expect(after).toEqual(before);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it("gupshup: real-format receipts in every shape carry no phone digits once redacted", () => {
    const phoneNo = fc.stringMatching(/^[1-9]\d{9,14}$/);
    fc.assert(
      fc.property(
        phoneNo,
        fc.oneof(fc.constant<"query" | "form">("query"), fc.constant<"query" | "form">("form"), gupshupShape),
        (phone, shape) => {
          const built =
            typeof shape === "string"
              ? (shape === "form" ? asFormPost : (b: BuiltReceipt) => b)(
                  gupshupQueryReceipt({ externalId: "x-1", status: "SUCCESS", phoneNo: phone }),
                )
              : gupshupPostReceipt(
                  [{ externalId: "x-1", eventType: "DELIVERED", destAddr: Number(phone), srcAddr: "TESTIN" }],
                  shape,
                );
          const redacted = redactPhones("gupshup", asReceiptRequest(built));
          expect(JSON.stringify(redacted)).not.toContain(phone);
          expect(decodeURIComponent(redacted.body)).not.toContain(phone);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
