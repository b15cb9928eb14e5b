import { describe, expect, it } from "vitest";
import { ReceiptParseError } from "../../../lambdas/providers/errors.js";
import { gupshupStatus, parseReceipts } from "../../../lambdas/providers/gupshup.js";
import type { ReceiptRequest } from "../../../lambdas/providers/types.js";
import { asReceiptRequest, gupshupPostReceipt, gupshupQueryReceipt } from "../../simulators/index.js";

const post = (body: string): ReceiptRequest => ({ method: "POST", query: {}, headers: {}, body });

describe("gupshup status mapping", () => {
  it.each([
    ["SUCCESS", "DELIVERED"],
    ["Success", "DELIVERED"],
    ["DELIVERED", "DELIVERED"],
    ["FAILURE", "FAILED"],
    ["FAIL", "FAILED"],
    ["failed", "FAILED"],
    ["UNKNOWN", "UNKNOWN"],
    ["PENDING", "UNKNOWN"],
  ])("%s → %s", (status, expected) => {
    expect(gupshupStatus(status)).toBe(expected);
  });
});

describe("gupshup GET receipts", () => {
  it("parses a delivered receipt", () => {
    const r = gupshupQueryReceipt({
      externalId: "3576661876108596614-28961835573954844",
      deliveredTS: 1736760120000,
      status: "SUCCESS",
      cause: "SUCCESS",
      phoneNo: "919812345678",
      errCode: "000",
      noOfFrags: 1,
      mask: "ACME",
    });
    expect(parseReceipts(asReceiptRequest(r))).toEqual({
      receipts: [
        {
          ref: { kind: "provider", providerMessageId: "3576661876108596614-28961835573954844" },
          status: "DELIVERED",
          code: "000",
          description: "SUCCESS",
          operatorTimeMs: 1736760120000,
        },
      ],
      ignored: 0,
    });
  });

  it("trims stray spaces in keys and values and keeps leading zeros and letters in codes", () => {
    const r = gupshupQueryReceipt(
      { externalId: "1-2", status: "Failure", cause: "OTHER", errCode: "00a", deliveredTS: "1736760120000" },
      { straySpaces: true },
    );
    expect(asReceiptRequest(r).query).toHaveProperty([" externalId "]);
    expect(parseReceipts(asReceiptRequest(r)).receipts[0]).toEqual({
      ref: { kind: "provider", providerMessageId: "1-2" },
      status: "FAILED",
      code: "00a",
      description: "OTHER",
      operatorTimeMs: 1736760120000,
    });
  });

  it("describes a known errCode when the cause is missing", () => {
    const r = gupshupQueryReceipt({ externalId: "1-2", status: "FAIL", errCode: "003" });
    expect(parseReceipts(asReceiptRequest(r)).receipts[0]).toMatchObject({
      status: "FAILED",
      code: "003",
      description: "UNKNOWN_SUBSCRIBER",
      operatorTimeMs: null,
    });
  });

  it("maps an unknown status to UNKNOWN, keeping the provider's words", () => {
    const r = gupshupQueryReceipt({ externalId: "1-2", status: "EXPIRED" });
    expect(parseReceipts(asReceiptRequest(r)).receipts[0]).toMatchObject({
      status: "UNKNOWN",
      code: null,
      description: "EXPIRED",
    });
  });

  it("ignores an empty request (a URL check)", () => {
    expect(parseReceipts({ method: "GET", query: {}, headers: {}, body: "" })).toEqual({
      receipts: [],
      ignored: 1,
      ignoredReason: "empty",
    });
  });

  it("rejects a query without externalId or status", () => {
    const noId = { method: "GET", query: { status: "SUCCESS" }, headers: {}, body: "" };
    const noStatus = { method: "GET", query: { externalId: "1-2" }, headers: {}, body: "" };
    expect(() => parseReceipts(noId)).toThrow(ReceiptParseError);
    expect(() => parseReceipts(noStatus)).toThrow(ReceiptParseError);
  });

  it("accepts the same fields as a form POST", () => {
    const body = "externalId=9-9&status=SUCCESS&errCode=000&deliveredTS=1736760120000";
    const parsed = parseReceipts({
      method: "POST",
      query: {},
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(parsed.receipts[0]).toMatchObject({ ref: { providerMessageId: "9-9" }, status: "DELIVERED" });
  });
});

describe("gupshup POST batches", () => {
  const events = [
    { externalId: "1-1", eventType: "DELIVERED", eventTs: 1736760120000, errCode: "000", cause: "SUCCESS" },
    {
      externalId: 22,
      eventType: "FAILED",
      eventTs: "1736760130000",
      errCode: 3,
      cause: "UNKNOWN_SUBSCRIBER",
    },
    { externalId: "3-3", eventType: "SENT", eventTs: 1736760140000 },
  ];

  it.each([
    ["a bare array", {}],
    ["a response wrapper", { wrap: true }],
    ["a form field response", { form: true }],
  ])("processes every event of %s on its own", (_name, options) => {
    const parsed = parseReceipts(asReceiptRequest(gupshupPostReceipt(events, options)));
    expect(parsed.ignored).toBe(0);
    expect(parsed.receipts).toEqual([
      {
        ref: { kind: "provider", providerMessageId: "1-1" },
        status: "DELIVERED",
        code: "000",
        description: "SUCCESS",
        operatorTimeMs: 1736760120000,
      },
      {
        ref: { kind: "provider", providerMessageId: "22" },
        status: "FAILED",
        code: "003",
        description: "UNKNOWN_SUBSCRIBER",
        operatorTimeMs: 1736760130000,
      },
      {
        ref: { kind: "provider", providerMessageId: "3-3" },
        status: "UNKNOWN",
        code: null,
        description: "SENT",
        operatorTimeMs: 1736760140000,
      },
    ]);
  });

  it("counts one delivery the same whether it came as GET query, JSON body or form field `response`", () => {
    const id = "3562707498794989059-328736121207676738";
    const shapes = [
      gupshupQueryReceipt({
        externalId: id,
        deliveredTS: 1526347800000,
        status: "SUCCESS",
        cause: "SUCCESS",
        phoneNo: "919892488888",
        errCode: "000",
        noOfFrags: 1,
      }),
      ...[{}, { wrap: true }, { form: true }].map((options) =>
        gupshupPostReceipt(
          [
            {
              externalId: id,
              eventType: "DELIVERED",
              eventTs: "1526347800000",
              destAddr: "919892488888",
              srcAddr: "TESTIN",
              cause: "SUCCESS",
              errCode: "000",
            },
          ],
          options,
        ),
      ),
    ];
    const expected = {
      receipts: [
        {
          ref: { kind: "provider", providerMessageId: id },
          status: "DELIVERED",
          code: "000",
          description: "SUCCESS",
          operatorTimeMs: 1526347800000,
        },
      ],
      ignored: 0,
    };
    for (const shape of shapes) expect(parseReceipts(asReceiptRequest(shape))).toEqual(expected);
  });

  it("reads the form field `response` as Gupshup sends it: URL-encoded JSON, numbers, padded values", () => {
    // docs.gupshup.io "Real Time Delivery Reports": POST body `response=[{...},{...}]`.
    const json =
      '[{"externalId":"3562707498794989059-328736121207676738","eventType":"DELIVERED","eventTs":1526347800000,' +
      '"destAddr":919892488888,"srcAddr":"TESTIN","cause":"SUCCESS","errCode":"000","channel":"SMS","noOfFrags":1},' +
      '{"externalId":"3798318073013708082-252169030017029882","eventType":"FAILED","eventTs":1526347800000,' +
      '"destAddr":91989237777,"srcAddr":"ABCDEF","cause":" UNKNOWN_SUBSCRIBER","errCode":"003","channel":"SMS","noOfFrags":1}]';
    const parsed = parseReceipts({
      method: "POST",
      query: {},
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `response=${encodeURIComponent(json).replace(/%20/g, "+")}`,
    });
    expect(parsed).toEqual({
      receipts: [
        {
          ref: { kind: "provider", providerMessageId: "3562707498794989059-328736121207676738" },
          status: "DELIVERED",
          code: "000",
          description: "SUCCESS",
          operatorTimeMs: 1526347800000,
        },
        {
          ref: { kind: "provider", providerMessageId: "3798318073013708082-252169030017029882" },
          status: "FAILED",
          code: "003",
          description: "UNKNOWN_SUBSCRIBER",
          operatorTimeMs: 1526347800000,
        },
      ],
      ignored: 0,
    });
  });

  it('counts errCode 3 (a JSON number), "3", "003" and "00A"/"00a" each as one code', () => {
    const codeOf = (request: ReceiptRequest): string | null | undefined =>
      parseReceipts(request).receipts[0]?.code;
    const failed = (errCode: string | number) => ({ externalId: "1-1", eventType: "FAILED", errCode });
    for (const errCode of [3, "3", "003", " 003"]) {
      expect(codeOf(asReceiptRequest(gupshupPostReceipt([failed(errCode)])))).toBe("003");
      expect(codeOf(asReceiptRequest(gupshupPostReceipt([failed(errCode)], { form: true })))).toBe("003");
    }
    expect(
      codeOf(asReceiptRequest(gupshupQueryReceipt({ externalId: "1-1", status: "FAIL", errCode: "003" }))),
    ).toBe("003");
    expect(
      codeOf(asReceiptRequest(gupshupQueryReceipt({ externalId: "1-1", status: "FAIL", errCode: "00A" }))),
    ).toBe("00a");
    expect(codeOf(post('[{"externalId":"1-1","eventType":"DELIVERED","errCode":0}]'))).toBe("000");
    // Without a cause, the description comes from the normalised code.
    expect(
      parseReceipts(post('[{"externalId":"1-1","eventType":"FAILED","errCode":7}]')).receipts[0],
    ).toMatchObject({
      code: "007",
      description: "BLOCKED",
    });
  });

  it("rejects a form field `response` that looks like JSON but is not", () => {
    const body = new URLSearchParams({ response: '[{"externalId":"1-1",' }).toString();
    expect(() => parseReceipts({ method: "POST", query: {}, headers: {}, body })).toThrow(ReceiptParseError);
  });

  it("keeps the good events of a batch with a bad one, counting the bad one as ignored", () => {
    const parsed = parseReceipts(
      post('[{"eventType":"DELIVERED"},{"externalId":"1-1","eventType":"DELIVERED"}]'),
    );
    expect(parsed.receipts).toHaveLength(1);
    expect(parsed).toMatchObject({ ignored: 1, ignoredReason: "missing externalId" });
  });

  it("accepts a single event object", () => {
    expect(
      parseReceipts(post('{"externalId":"1-1","eventType":"FAILED","errCode":"007"}')).receipts[0],
    ).toMatchObject({ status: "FAILED", code: "007", description: "BLOCKED" });
  });

  it.each([
    ["invalid JSON", "[{"],
    ["an empty array", "[]"],
    ["only bad events", '[{"x":1}, 3]'],
    ["a wrapper around nothing", '{"response": []}'],
  ])("rejects %s", (_name, body) => {
    expect(() => parseReceipts(post(body))).toThrow(ReceiptParseError);
  });
});
