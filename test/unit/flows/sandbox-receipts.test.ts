import { beforeEach, describe, expect, it } from "vitest";
import {
  deliverSandboxReceipts,
  nextHop,
  scheduleSandboxReceipts,
} from "../../../lambdas/flows/sandbox-receipts.js";
import type { ReceiptRequest } from "../../../lambdas/providers/types.js";
import type { Received } from "../../../lambdas/queue/batch.js";
import type { ScheduledReceiptMessage } from "../../../lambdas/queue/contracts.js";
import { parseMessage } from "../../../lambdas/queue/contracts.js";
import { type QueueMessage, type QueueName, setQueue } from "../../../lambdas/queue/index.js";

const BASE = "https://api.example";
const URL_OF = `${BASE}/webhooks/dlr/sb/secret-token`;
const request: ReceiptRequest = {
  method: "POST",
  query: {},
  headers: { "content-type": "application/json" },
  body: '{"type":"recipient_delivery_report_sms","status":"Delivered"}',
};

let sent: Array<{ queue: QueueName; message: QueueMessage }>;
beforeEach(() => {
  sent = [];
  setQueue({
    async send(queue, messages) {
      for (const m of messages) sent.push({ queue, message: typeof m === "string" ? { body: m } : m });
    },
  });
});

function job(message: Partial<ScheduledReceiptMessage>, recordId = "r1"): Received<ScheduledReceiptMessage> {
  return {
    recordId,
    receiveCount: 1,
    receiptHandle: `h-${recordId}`,
    body: {
      connectorId: "sb",
      url: URL_OF,
      request: { ...request, method: "POST" },
      laterSeconds: 0,
      ...message,
    },
  };
}

/** A fetch that answers each call with the next status (or throws for "down") and records the calls. */
function fakeFetch(...answers: Array<number | "down">) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fn = (async (url: string | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const answer = answers[calls.length - 1] ?? 200;
    if (answer === "down") throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    return new Response("OK", { status: answer });
  }) as typeof fetch;
  return { fn, calls };
}

describe("nextHop", () => {
  it("covers what one SQS delay can (≤ 900 s) and carries the rest, in whole seconds", () => {
    expect(nextHop(42)).toEqual({ delaySeconds: 42, laterSeconds: 0 });
    expect(nextHop(0.2)).toEqual({ delaySeconds: 1, laterSeconds: 0 });
    expect(nextHop(900)).toEqual({ delaySeconds: 900, laterSeconds: 0 });
    expect(nextHop(3_600)).toEqual({ delaySeconds: 900, laterSeconds: 2_700 });
  });
});

describe("scheduleSandboxReceipts", () => {
  it("queues every receipt in one call, delayed until due, the rest of a long wait in the message", async () => {
    await scheduleSandboxReceipts("sb", URL_OF, [
      { request, delaySeconds: 3 },
      { request, delaySeconds: 1_000 },
    ]);
    expect(sent.map((s) => [s.queue, s.message.delaySeconds])).toEqual([
      ["sandboxReceipts", 3],
      ["sandboxReceipts", 900],
    ]);
    const bodies = sent.map((s) => parseMessage("sandboxReceipts", s.message.body));
    expect(bodies).toEqual([
      { connectorId: "sb", url: URL_OF, request, laterSeconds: 0 },
      { connectorId: "sb", url: URL_OF, request, laterSeconds: 100 },
    ]);
  });
});

describe("deliverSandboxReceipts", () => {
  it("POSTs a due receipt to its webhook URL as received, and is done on 2xx", async () => {
    const { fn, calls } = fakeFetch(200);
    const outcome = await deliverSandboxReceipts([job({})], { baseUrl: BASE, fetch: fn });
    expect(outcome.retry).toEqual([]);
    expect(outcome.counts).toMatchObject({ posted: 1 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(URL_OF);
    expect(calls[0]?.init).toMatchObject({ method: "POST", headers: request.headers, body: request.body });
    expect(sent).toEqual([]);
  });

  it("puts a receipt with time left back on the queue for its next hop, without calling the webhook", async () => {
    const { fn, calls } = fakeFetch();
    const outcome = await deliverSandboxReceipts([job({ laterSeconds: 1_000 })], {
      baseUrl: BASE,
      fetch: fn,
    });
    expect(outcome.retry).toEqual([]);
    expect(calls).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.message.delaySeconds).toBe(900);
    expect(parseMessage("sandboxReceipts", sent[0]?.message.body ?? "")?.laterSeconds).toBe(100);
  });

  it("retries 5xx, 429 and network failures; drops other 4xx as the provider does", async () => {
    const { fn } = fakeFetch(503, 429, "down", 401, 404);
    const jobs = ["a", "b", "c", "d", "e"].map((id) => job({}, id));
    // One at a time so each job meets its answer in order.
    const outcomes = [];
    for (const j of jobs) outcomes.push(await deliverSandboxReceipts([j], { baseUrl: BASE, fetch: fn }));
    expect(outcomes.map((o) => [...o.retry])).toEqual([["a"], ["b"], ["c"], [], []]);
    expect(outcomes[3]?.counts).toMatchObject({ dropped: 1 });
  });

  it("never calls a URL outside this API's webhooks, nor any URL when the base URL is unknown", async () => {
    const { fn, calls } = fakeFetch();
    const elsewhere = job({ url: "https://attacker.example/webhooks/dlr/sb/x" }, "x");
    const outcome = await deliverSandboxReceipts([elsewhere], { baseUrl: BASE, fetch: fn });
    expect([...outcome.retry]).toEqual(["x"]);
    expect((await deliverSandboxReceipts([job({})], { baseUrl: undefined, fetch: fn })).retry).toEqual([
      "r1",
    ]);
    expect(calls).toEqual([]);
  });
});
