import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import { listParked } from "../../lambdas/store/parked.js";
import {
  deliverReceipt,
  type SinchSigning,
  type SinchSimulator,
  sinchBatchReport,
  sinchInbound,
  sinchRecipientReport,
  startSinchSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * A Sinch campaign end to end: a connector with a webhook secret, a provider error and successes,
 * signed per-recipient receipts (tampered and replayed ones refused), a `full` batch report, a summary
 * report and an inbound message (accepted, ignored), and a failure carrying code 0.
 */
const T0 = Date.parse("2026-11-20T04:00:00Z");
const MIN = 60_000;
const SECRET = "SMSWebhooksSecret";

let api: Api;
let sim: SinchSimulator;
let key: string;
let webhookUrl: string;
let now = T0;

const phones = {
  s1: "+919812340001",
  s2: "+919812340002",
  s3: "+919812340003",
  s4: "+919812340004",
  s5: "+919812340005",
  s6: "+919812340006",
  s7: "+919812340007",
};

const signing = (): SinchSigning => ({ secret: SECRET, timestampSec: Math.floor(now / 1000) });
const batchOf = (phone: string): string => {
  const hit = sim.accepted.find((a) => a.phone.replace(/\D/g, "") === phone.replace(/\D/g, ""));
  if (!hit) throw new Error(`no batch for ${phone.slice(0, 6)}…`);
  return hit.batchId;
};

async function delivery(): Promise<Record<string, number | null>> {
  const a = await api.analytics("acme", "promo", key);
  const d = a.delivery;
  expect(d.sent).toBe(d.delivered + d.failedToDeliver + d.inTransit);
  return d;
}

async function post(receipt: ReturnType<typeof sinchRecipientReport>): Promise<number> {
  return (await deliverReceipt(webhookUrl, receipt)).status;
}

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  sim = await startSinchSimulator({ apiToken: "sinch-token" });
  sim.script(phones.s6, {
    kind: "error",
    status: 400,
    code: "syntax_invalid_parameter_format",
    text: "Invalid parameter",
  });
  sim.script(phones.s7, { kind: "delay", ms: 6_000 }); // longer than the connector's timeout
  key = await api.createApp("acme", "UTC", "EUR");
  webhookUrl = await api.putConnector(
    "/v1/apps/acme/connectors/sn",
    {
      provider: "sinch",
      sinch: {
        servicePlanId: "plan-1",
        apiToken: "sinch-token",
        from: "ACME",
        baseUrl: sim.url,
        webhookSecret: SECRET,
      },
      timeoutMs: 2_000,
      sendRatePerSecond: 1000,
    },
    key,
  );
  await api.putCampaign(
    "/v1/apps/acme/campaigns/promo",
    {
      name: "Promo",
      connectorId: "sn",
      clickTracking: false,
      goals: [{ goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" }],
    },
    key,
  );
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("a Sinch campaign end to end", () => {
  it("sends one batch per user with our callback and counts each kind of failure to send", async () => {
    const recipients = [
      ...Object.entries(phones).map(([userId, phone]) => ({
        userId,
        phone,
        attributes: userId === "s2" ? { name: "S2", city: "Pune" } : { name: userId.toUpperCase() },
      })),
      { userId: "s8", phone: "+91123", attributes: { name: "S8" } },
      { userId: "s9", phone: "+919812340009", attributes: { city: "Goa" } },
    ];
    const r = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/promo/instances/i1/sends",
      { message: "Hello {{name}} from {{city|us}}", recipients },
      key,
    );
    expect(r.body).toEqual({ instanceId: "i1", accepted: 9, duplicates: 0, heldBack: 0 });
    await api.drain();

    expect(await delivery()).toEqual({
      sent: 5,
      failedToSend: 4,
      delivered: 0,
      failedToDeliver: 0,
      inTransit: 5,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 0,
    });
    const a = await api.analytics("acme", "promo", key);
    expect(a.failures.failedToSend).toEqual([
      { reason: "INVALID_NUMBER", code: null, count: 1 },
      { reason: "PERSONALIZATION_FAILED", code: null, count: 1 },
      { reason: "PROVIDER_ERROR", code: "syntax_invalid_parameter_format", count: 1 },
      { reason: "SEND_OUTCOME_UNKNOWN", code: null, count: 1 },
    ]);

    // Never a request for the invalid number or the missing attribute; one for everyone else.
    expect(sim.requests).toHaveLength(7);
    for (const q of sim.requests) {
      const body = q.body as Record<string, unknown>;
      expect(q.path).toBe("/xms/v1/plan-1/batches");
      expect(body.delivery_report).toBe("per_recipient");
      expect(body.callback_url).toBe(webhookUrl);
      expect(body.client_reference).toMatch(/^m[A-Za-z0-9_-]{26}$/);
      const user = Object.entries(phones).find(([, p]) => (body.to as string[])[0] === p)?.[0];
      expect(body.body).toBe(`Hello ${user?.toUpperCase()} from ${user === "s2" ? "Pune" : "us"}`);
    }
  });

  it("accepts a correctly signed receipt and refuses unsigned, tampered and replayed ones", async () => {
    now = T0 + 10 * MIN;
    // Dispatched is in transit: nothing moves.
    expect(
      await post(
        sinchRecipientReport(
          { batchId: batchOf(phones.s1), recipient: phones.s1, status: "Dispatched" },
          signing(),
        ),
      ),
    ).toBe(200);
    await api.drain();
    expect(await delivery()).toMatchObject({ sent: 5, delivered: 0, failedToDeliver: 0, inTransit: 5 });

    const delivered = sinchRecipientReport(
      {
        batchId: batchOf(phones.s1),
        recipient: phones.s1,
        status: "Delivered",
        operatorStatusAt: new Date(T0 + 2 * MIN).toISOString(),
      },
      signing(),
    );
    expect(await post(delivered)).toBe(200);

    // Same receipt without the signature headers.
    const unsigned = { ...delivered, headers: { "content-type": "application/json" } };
    expect(await post(unsigned)).toBe(401);

    // Signed for one body, sent with another (s2 claimed delivered).
    const genuine = sinchRecipientReport(
      { batchId: batchOf(phones.s2), recipient: phones.s2, status: "Failed", code: 402 },
      signing(),
    );
    const tampered = { ...genuine, body: genuine.body.replace('"Failed"', '"Delivered"') };
    expect(tampered.body).not.toBe(genuine.body);
    expect(await post(tampered)).toBe(401);

    // A genuine signature replayed 5 minutes and 1 second later.
    const old: SinchSigning = { secret: SECRET, timestampSec: Math.floor(now / 1000) - 301 };
    const replayed = sinchRecipientReport(
      { batchId: batchOf(phones.s3), recipient: phones.s3, status: "Delivered" },
      old,
    );
    expect(await post(replayed)).toBe(401);
    // Signed with another secret.
    const forged = sinchRecipientReport(
      { batchId: batchOf(phones.s3), recipient: phones.s3, status: "Delivered" },
      { secret: "not-the-secret", timestampSec: Math.floor(now / 1000) },
    );
    expect(await post(forged)).toBe(401);
    await api.drain();

    expect(await delivery()).toMatchObject({ sent: 5, delivered: 1, failedToDeliver: 0, inTransit: 4 });
    // Duplicate of the accepted one: nothing moves.
    expect(await post(delivered)).toBe(200);
    await api.drain();
    expect(await delivery()).toMatchObject({ sent: 5, delivered: 1, failedToDeliver: 0, inTransit: 4 });
  });

  it("reads a full batch report; accepts and ignores a summary report and an inbound message", async () => {
    now = T0 + 20 * MIN;
    expect(
      await post(
        sinchBatchReport(
          {
            batchId: batchOf(phones.s2),
            kind: "full",
            statuses: [{ status: "Delivered", code: 0, recipients: [phones.s2] }],
          },
          signing(),
        ),
      ),
    ).toBe(200);
    expect(
      await post(
        sinchBatchReport(
          {
            batchId: batchOf(phones.s3),
            kind: "full",
            statuses: [{ status: "Aborted", code: 402, recipients: [phones.s3] }],
          },
          signing(),
        ),
      ),
    ).toBe(200);
    expect(
      await post(
        sinchBatchReport(
          {
            batchId: batchOf(phones.s4),
            kind: "summary",
            statuses: [{ status: "Delivered", code: 0, recipients: [phones.s4] }],
          },
          signing(),
        ),
      ),
    ).toBe(200);
    expect(await post(sinchInbound({ from: phones.s5, to: "ACME", body: "STOP" }, signing()))).toBe(200);
    await api.drain();

    expect(await delivery()).toMatchObject({ sent: 5, delivered: 2, failedToDeliver: 1, inTransit: 2 });
    const a = await api.analytics("acme", "promo", key);
    expect(a.failures.failedToDeliver).toEqual([{ code: "402", description: "unroutable", count: 1 }]);
    // Summaries and inbound messages are not problems: nothing parked.
    expect((await listParked("acme")).items).toEqual([]);
  });

  it("counts Failed with code 0 as a failure (status decides), and failed-then-delivered moves the user", async () => {
    now = T0 + 30 * MIN;
    expect(
      await post(
        sinchRecipientReport(
          { batchId: batchOf(phones.s4), recipient: phones.s4, status: "Failed", code: 0 },
          signing(),
        ),
      ),
    ).toBe(200);
    await api.drain();
    expect(await delivery()).toMatchObject({ sent: 5, delivered: 2, failedToDeliver: 2, inTransit: 1 });
    let a = await api.analytics("acme", "promo", key);
    expect(a.failures.failedToDeliver).toEqual([
      { code: "0", description: "Failed", count: 1 },
      { code: "402", description: "unroutable", count: 1 },
    ]);

    // s3 (Aborted 402) is delivered after all; a late Dispatched for s4 changes nothing.
    now = T0 + 40 * MIN;
    expect(
      await post(
        sinchRecipientReport(
          {
            batchId: batchOf(phones.s3),
            recipient: phones.s3,
            status: "Delivered",
            operatorStatusAt: new Date(T0 + 35 * MIN).toISOString(),
          },
          signing(),
        ),
      ),
    ).toBe(200);
    expect(
      await post(
        sinchRecipientReport(
          { batchId: batchOf(phones.s4), recipient: phones.s4, status: "Dispatched" },
          signing(),
        ),
      ),
    ).toBe(200);
    await api.drain();
    expect(await delivery()).toEqual({
      sent: 5,
      failedToSend: 4,
      delivered: 3,
      failedToDeliver: 1,
      inTransit: 1,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 60,
    });
    a = await api.analytics("acme", "promo", key);
    expect(a.failures.failedToDeliver).toEqual([{ code: "0", description: "Failed", count: 1 }]);
    expect(a.series).toEqual([
      {
        date: "2026-11-20",
        sent: 5,
        delivered: 3,
        clicks: 0,
        conversionEvents: 0,
        conversions: 0,
        revenue: "0.00",
        uniqueClicks: 0,
        failedToSend: 4,
        failedToDeliver: 1,
        // One segment each; the connector has no pricing, so the cost is unknown (null), not zero.
        segments: 5,
        cost: null,
      },
    ]);
    expect(a.breakdowns.byProvider).toEqual([
      { provider: "sinch", sent: 5, delivered: 3, failedToDeliver: 1, clicks: 0 },
    ]);
  });

  it("a receipt for the batch that timed out proves it was sent and moves it", async () => {
    // Sinch created the batch after our client had given up.
    await expect.poll(() => sim.accepted.some((x) => x.phone === phones.s7), { timeout: 5_000 }).toBe(true);
    now = T0 + 50 * MIN;
    expect(
      await post(
        sinchRecipientReport(
          {
            batchId: batchOf(phones.s7),
            recipient: phones.s7,
            status: "Delivered",
            operatorStatusAt: new Date(T0 + 45 * MIN).toISOString(),
            // We never learned this batch id; Sinch echoes our client_reference, which finds the message.
            clientReference: sim.accepted.find((x) => x.phone === phones.s7)?.clientReference as string,
          },
          signing(),
        ),
      ),
    ).toBe(200);
    await api.drain();
    expect(await delivery()).toEqual({
      sent: 6,
      failedToSend: 3,
      delivered: 4,
      failedToDeliver: 1,
      inTransit: 1,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 66.67,
    });
    const a = await api.analytics("acme", "promo", key);
    expect(a.failures.failedToSend.map((f: { reason: string }) => f.reason)).toEqual([
      "INVALID_NUMBER",
      "PERSONALIZATION_FAILED",
      "PROVIDER_ERROR",
    ]);
  });
});
