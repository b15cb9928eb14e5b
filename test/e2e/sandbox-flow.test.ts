import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxConfig } from "../../lambdas/domain/connector.js";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { sandboxPlan } from "../../lambdas/domain/sandbox.js";
import { type QueueMessage, setQueue } from "../../lambdas/queue/index.js";
import { connectorInput } from "../../lambdas/schemas/connector.js";
import { validate } from "../../lambdas/schemas/validate.js";
import { type Api, startProduct } from "./harness.js";

/**
 * A sandbox campaign end to end through the local server: the send worker schedules Sinch-format
 * receipts on the delayed sandbox queue, the deliverer POSTs each to the connector's webhook URL, and
 * the receipts go the way a provider's do (webhook → receipts queue → delivery worker → windows). With
 * nothing stuck and delays ≤ 60 s, 20 recipients settle well within 90 s, with the outcome each
 * message's plan predicts.
 */

const SETTINGS = {
  stuckRate: 0,
  deliveryRate: 0.8,
  delaySeconds: { median: 4, p90: 15, max: 60 },
} as const;

let api: Api;
let key: string;
let webhookUrl: string;
/** Every body the webhook queued (what receipts reached the receipts queue, in Sinch's format). */
const receiptBodies: string[] = [];
/** Every sandbox receipt scheduled, with its delay. */
const scheduled: QueueMessage[] = [];

const recipients = Array.from({ length: 20 }, (_, i) => ({
  userId: `user-${i}`,
  phone: `+9198123400${String(i).padStart(2, "0")}`,
  attributes: { name: `User ${i}` },
}));

beforeAll(async () => {
  api = await startProduct();
  const queues = api.runtime.queues;
  setQueue({
    send: async (name, messages) => {
      const all = messages.map((m) => (typeof m === "string" ? { body: m } : m));
      if (name === "receipts") receiptBodies.push(...all.map((m) => m.body));
      if (name === "sandboxReceipts") scheduled.push(...all);
      return queues.send(name, messages);
    },
    retryAfter: (name, handle, seconds) => queues.retryAfter(name, handle, seconds),
  });
  key = await api.createApp("sbx", "UTC", "USD");
  webhookUrl = await api.putConnector(
    "/v1/apps/sbx/connectors/sb",
    { provider: "sandbox", sandbox: SETTINGS, sendRatePerSecond: 100 },
    key,
  );
  await api.putCampaign(
    "/v1/apps/sbx/campaigns/try",
    {
      name: "Try it",
      connectorId: "sb",
      clickTracking: false,
      goals: [{ goalId: "buy", eventName: "Purchase" }],
    },
    key,
  );
});

afterAll(async () => {
  await api?.stop();
});

describe("a sandbox campaign end to end", () => {
  it("settles 20 recipients through the webhook: delivered + failed = sent, nothing in transit", async () => {
    const r = await api.call(
      "POST",
      "/v1/apps/sbx/campaigns/try/instances/i1/sends",
      { message: "Hi {{name}}, 20% off today", recipients },
      key,
    );
    expect(r.status).toBe(202);
    // Waits for every queue, delayed sandbox receipts included, and for the counter.
    await api.drain();

    const a = await api.analytics("sbx", "try", key);
    const d = a.delivery;
    expect(d.sent).toBe(20);
    expect(d.delivered + d.failedToDeliver).toBe(20);
    expect(d.inTransit).toBe(0);

    // Each message ended as its plan says (deterministic per message id), with the settings as stored.
    const config = sandboxSettings();
    const plans = recipients.map((rc) => sandboxPlan(config, messageIdFor("sbx", "try", "i1", rc.userId)));
    const predictedDelivered = plans.filter((p) => p.outcome.kind === "delivered").length;
    expect(d.delivered).toBe(predictedDelivered);
    const predictedFailures = new Map<string, number>();
    for (const p of plans) {
      if (p.outcome.kind !== "failed") continue;
      const f = p.outcome.failure;
      const code = f.status === "Unknown" ? "UNKNOWN" : String(f.code);
      predictedFailures.set(code, (predictedFailures.get(code) ?? 0) + 1);
    }
    const failures = a.failures.failedToDeliver as Array<{
      code: string;
      description: string;
      count: number;
    }>;
    expect(new Map(failures.map((f) => [f.code, f.count]))).toEqual(predictedFailures);
    for (const f of failures) expect(f.description).toBeTruthy();

    // The receipts went through the webhook: one queued receipt per scheduled one, in Sinch's format.
    expect(scheduled.length).toBeGreaterThanOrEqual(20);
    expect(scheduled.every((m) => (m.delaySeconds ?? 0) >= 1 && (m.delaySeconds ?? 0) <= 60)).toBe(true);
    expect(receiptBodies).toHaveLength(scheduled.length);
    const queued = receiptBodies.map((b) => JSON.parse(b));
    expect(queued.every((q) => q.connectorId === "sb" && q.provider === "sandbox")).toBe(true);
    const finals = queued.map((q) => JSON.parse(q.request.body)).filter((b) => b.status !== "Dispatched");
    expect(finals).toHaveLength(20);
    for (const b of finals) {
      expect(b.type).toBe("recipient_delivery_report_sms");
      expect(b.client_reference).toMatch(/^m[A-Za-z0-9_-]{26}$/);
      expect(b.operator_status_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    // Delivery times come from the receipts' operator time, seconds after the send.
    if (d.delivered > 0) {
      expect(a.deliveryLatency.p50Seconds).toBeGreaterThanOrEqual(1);
      expect(a.deliveryLatency.p99Seconds).toBeLessThanOrEqual(61);
    }
    expect(api.runtime.queues.stats().sandboxReceipts).toMatchObject({ delayed: 0, dlq: 0 });
  }, 90_000);

  it("marks the campaign as sandbox in the campaign list, and only that one", async () => {
    await api.putConnector(
      "/v1/apps/sbx/connectors/real",
      { provider: "sinch", sinch: { servicePlanId: "p", apiToken: "t", from: "ACME" } },
      key,
    );
    await api.putCampaign(
      "/v1/apps/sbx/campaigns/real",
      { name: "Real", connectorId: "real", goals: [{ goalId: "buy", eventName: "Purchase" }] },
      key,
    );
    const list = await api.call("GET", "/v1/apps/sbx/campaigns", undefined, key);
    expect(list.status).toBe(200);
    const flags = Object.fromEntries(
      (list.body.campaigns as Array<{ campaignId: string; sandbox: boolean }>).map((c) => [
        c.campaignId,
        c.sandbox,
      ]),
    );
    expect(flags).toEqual({ real: false, try: true });

    // The connector reads back with every setting in effect (nothing in it is a secret).
    const connector = await api.call("GET", "/v1/apps/sbx/connectors/sb", undefined, key);
    expect(connector.status).toBe(200);
    expect(connector.body).toMatchObject({ provider: "sandbox", deliveryTracking: true });
    expect(connector.body.sandbox).toEqual(sandboxSettings());
  });

  it("refuses a sandbox receipt with a wrong token like any other, and queues nothing for it", async () => {
    const before = receiptBodies.length;
    const body = JSON.stringify({
      at: new Date().toISOString(),
      batch_id: "01JHFFHQ0P99JPPNQPJDV7JTBP",
      client_reference: messageIdFor("sbx", "try", "i1", "user-0"),
      code: 0,
      recipient: "919812340000",
      status: "Delivered",
      type: "recipient_delivery_report_sms",
    });
    const post = (url: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const wrong = webhookUrl.replace(/\/[^/]+$/, "/not-the-token");
    const res = await post(wrong);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBeTruthy();
    // The right token on another connector's path is no better.
    expect((await post(webhookUrl.replace("/sb/", "/real/"))).status).toBe(401);
    // The genuine URL still works (and changes nothing: that message is already final).
    expect((await post(webhookUrl)).status).toBe(200);
    await api.drain();
    expect(receiptBodies.length).toBe(before + 1);
  });
});

describe("the sandbox's phones", () => {
  it("show each delivered message with its short link; a browser tap counts, a curl tap is a suspected bot", async () => {
    await api.putCampaign(
      "/v1/apps/sbx/campaigns/links",
      {
        name: "With links",
        connectorId: "sb",
        clickTracking: true,
        goals: [{ goalId: "buy", eventName: "Purchase" }],
      },
      key,
    );
    const few = recipients.slice(0, 6);
    const r = await api.call(
      "POST",
      "/v1/apps/sbx/campaigns/links/instances/i1/sends",
      { message: "Hi {{name}}: https://shop.example/sale?utm=sms", recipients: few },
      key,
    );
    expect(r.status).toBe(202);
    await api.drain();
    const a = await api.analytics("sbx", "links", key);
    const inbox = await api.call(
      "GET",
      "/v1/apps/sbx/connectors/sb/sandbox-messages?campaignId=links&instanceId=i1",
      undefined,
      key,
    );
    expect(inbox.status).toBe(200);
    const messages = inbox.body.messages as Array<{ userId: string; text: string; phone: string }>;
    // Exactly the delivered ones (the plan says which), each as its phone shows it.
    const delivered = few.filter(
      (rc) =>
        sandboxPlan(sandboxSettings(), messageIdFor("sbx", "links", "i1", rc.userId)).outcome.kind ===
        "delivered",
    );
    expect(messages.map((m) => m.userId).sort()).toEqual(delivered.map((rc) => rc.userId).sort());
    expect(messages).toHaveLength(a.delivery.delivered);
    expect(inbox.body.nextCursor).toBeNull();
    const first = messages[0]!;
    expect(first.phone).toBe(few.find((rc) => rc.userId === first.userId)?.phone);
    const link = /https?:\/\/\S+\/l\/[0-9A-Za-z]{14}/.exec(first.text)?.[0];
    expect(link).toBeTruthy();

    const tap = (ua: string) => fetch(link!, { redirect: "manual", headers: { "user-agent": ua } });
    const browser = await tap(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    );
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe("https://shop.example/sale?utm=sms");
    expect((await tap("curl/8.5.0")).status).toBe(302);
    await api.drain();
    const after = await api.analytics("sbx", "links", key);
    expect(after.clicks).toMatchObject({ total: 1, unique: 1, suspectedBots: 1 });

    // One user's messages only.
    const one = await api.call(
      "GET",
      `/v1/apps/sbx/connectors/sb/sandbox-messages?userId=${first.userId}`,
      undefined,
      key,
    );
    expect(one.status).toBe(200);
    expect((one.body.messages as Array<{ userId: string }>).every((m) => m.userId === first.userId)).toBe(
      true,
    );
  });

  it("are the sandbox's only: another provider's connector answers 409, a bad query 400, an unknown one 404", async () => {
    const get = (path: string) => api.call("GET", path, undefined, key);
    expect((await get("/v1/apps/sbx/connectors/real/sandbox-messages")).status).toBe(409);
    expect((await get("/v1/apps/sbx/connectors/nope/sandbox-messages")).status).toBe(404);
    expect((await get("/v1/apps/sbx/connectors/sb/sandbox-messages?instanceId=i1")).status).toBe(400);
    expect((await get("/v1/apps/sbx/connectors/sb/sandbox-messages?limit=0")).status).toBe(400);
    expect(
      (await get("/v1/apps/sbx/connectors/sb/sandbox-messages?campaignId=try&cursor=MSG%23links%23")).status,
    ).toBe(400);
  });
});

/** The connector's settings as the API stores them: SETTINGS with the schema's defaults filled in. */
function sandboxSettings(): SandboxConfig {
  const parsed = validate(connectorInput, { provider: "sandbox", sandbox: SETTINGS });
  if (!parsed.ok || parsed.value.provider !== "sandbox") throw new Error("invalid sandbox settings");
  return parsed.value.sandbox;
}
