import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, type Api, startProduct } from "../e2e/harness.js";

/**
 * Arbitrary bodies and content types through the local server to the three routes the internet
 * writes to: each answer is a documented status (2xx for a valid request, a 4xx otherwise), never a
 * 500 and never a stack trace; every receipt the webhook accepted ends counted or parked, never in the
 * dead-letter queue.
 */

const RUNS = 30;
let api: Api;
let key: string;
const hooks: Record<string, string> = {};

beforeAll(async () => {
  api = await startProduct();
  key = await api.createApp("acme");
  // Nothing listens on port 1: sends fail fast without leaving the machine.
  const connectors: Record<string, unknown> = {
    gs: { provider: "gupshup", gupshup: { userId: "acct", password: "pw", baseUrl: "http://127.0.0.1:1" } },
    kl: { provider: "kaleyra", kaleyra: { apiKey: "k", sender: "ACME", baseUrl: "http://127.0.0.1:1" } },
    sn: {
      provider: "sinch",
      sinch: {
        servicePlanId: "p",
        apiToken: "t",
        from: "ACME",
        baseUrl: "http://127.0.0.1:1",
        webhookSecret: "s",
      },
    },
    cu: {
      provider: "custom",
      deliveryTracking: true,
      custom: {
        request: { method: "POST", url: "http://127.0.0.1:1/send" },
        receipt: { messageId: "ref", status: "status", delivered: ["DELIVERED"], failed: ["FAILED"] },
      },
    },
    nt: { provider: "custom", custom: { request: { method: "POST", url: "http://127.0.0.1:1/send" } } },
  };
  for (const [id, body] of Object.entries(connectors)) {
    const r = await api.call("PUT", `/v1/apps/acme/connectors/${id}`, body, key);
    expect(r.status).toBe(201);
    if (r.body.webhookUrl) hooks[id] = r.body.webhookUrl;
  }
  const c = await api.call(
    "PUT",
    "/v1/apps/acme/campaigns/bf",
    { name: "BF", connectorId: "gs", goals: [{ goalId: "buy", eventName: "Purchase" }] },
    key,
  );
  expect(c.status).toBe(201);
});

afterAll(async () => {
  await api?.stop();
});

const contentType = fc.oneof(
  fc.constantFrom(
    undefined,
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/vnd.api+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "",
    ";",
  ),
  fc.stringMatching(/^[\x20-\x7e]{0,30}$/),
);
const jsonValue = fc.jsonValue({ maxDepth: 4 });
const body: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }),
  jsonValue.map((v) => JSON.stringify(v)),
  fc.constantFrom(
    "{",
    "[]",
    "{}",
    "null",
    '{"events":[]}',
    '{"recipients":[]}',
    "\ufeff{}",
    '{"__proto__":{}}',
  ),
  fc
    .record({ events: fc.array(fc.dictionary(fc.string({ maxLength: 8 }), jsonValue), { maxLength: 3 }) })
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      message: fc.string({ maxLength: 30 }),
      recipients: fc.array(fc.dictionary(fc.constantFrom("userId", "phone", "attributes", "x"), jsonValue), {
        maxLength: 3,
      }),
    })
    .map((v) => JSON.stringify(v)),
);

interface Answer {
  status: number;
  text: string;
  contentType: string | null;
}

async function send(
  method: string,
  path: string,
  b: string | Uint8Array | undefined,
  type: string | undefined,
  auth?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (type !== undefined) headers["content-type"] = type;
  if (auth) headers.authorization = `Bearer ${auth}`;
  const withBody = method !== "GET" && method !== "HEAD" && b !== undefined;
  const res = await fetch(`${api.url}${path}`, { method, headers, ...(withBody ? { body: b } : {}) });
  return { status: res.status, text: await res.text(), contentType: res.headers.get("content-type") };
}

/** A documented 4xx carries the API's error body; nothing ever carries a stack trace or source path. */
function checkAnswer(a: Answer, allowed: number[]): void {
  expect(allowed, `status ${a.status}: ${a.text.slice(0, 300)}`).toContain(a.status);
  expect(a.text).not.toMatch(/\n\s+at |node:internal|node_modules|lambdas\/|\.ts:\d+/);
  if (a.status >= 400) {
    const parsed = JSON.parse(a.text) as { error: { code: string; message: string; details: unknown[] } };
    expect(typeof parsed.error.code).toBe("string");
    expect(typeof parsed.error.message).toBe("string");
    expect(Array.isArray(parsed.error.details)).toBe(true);
  }
}

describe("arbitrary requests through the local server", () => {
  it("POST /v1/apps/{appId}/events: 202 or a documented 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, async (b, type) => {
        checkAnswer(await send("POST", "/v1/apps/acme/events", b, type, key), [202, 400, 415]);
      }),
      { numRuns: RUNS },
    );
  });

  it("POST …/instances/{instanceId}/sends: 202 or a documented 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, async (b, type) => {
        checkAnswer(
          await send("POST", "/v1/apps/acme/campaigns/bf/instances/i1/sends", b, type, key),
          [202, 400, 415],
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("a body over the limit is 413 on every write route", async () => {
    const big = JSON.stringify({ events: [{ pad: "x".repeat(1024 * 1024) }] });
    checkAnswer(await send("POST", "/v1/apps/acme/events", big, "application/json", key), [413]);
    checkAnswer(
      await send("POST", "/v1/apps/acme/campaigns/bf/instances/i1/sends", big, "application/json", key),
      [413],
    );
    checkAnswer(await send("POST", new URL(hooks.gs as string).pathname, big, "application/json"), [413]);
  });

  it("webhooks: 200 for a valid token whatever the body; 401 for a bad Sinch signature; 403 without tracking", async () => {
    const query = fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 })), {
      maxLength: 4,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("gs", "kl", "sn", "cu"),
        fc.constantFrom("GET", "POST"),
        body,
        contentType,
        query,
        async (id, method, b, type, q) => {
          const url = new URL(hooks[id] as string);
          for (const [k, v] of q) url.searchParams.append(k, v);
          const a = await send(method, `${url.pathname}${url.search}`, b, type);
          // Nothing arbitrary carries a valid Sinch signature.
          checkAnswer(a, id === "sn" ? [401] : [200]);
          if (a.status === 200) expect(a.text).toBe("OK");
        },
      ),
      { numRuns: 50 },
    );
    // A custom connector without delivery tracking refuses receipts (docs/decisions.md).
    checkAnswer(await send("POST", new URL(hooks.nt as string).pathname, "x", "text/plain"), [403]);
  });

  it("every accepted receipt ends counted or parked: no receipt or event in a dead-letter queue", async () => {
    await api.drain();
    for (const q of ["receipts", "events", "sends"] as const) {
      expect(api.runtime.queues.listDeadLetters(q), q).toEqual([]);
    }
    const parked = await api.call("GET", "/v1/apps/acme/parked-receipts?limit=100", undefined, ADMIN_KEY);
    expect(parked.status).toBe(200);
    expect(parked.body.parkedReceipts.length).toBeGreaterThan(0);
  });
});
