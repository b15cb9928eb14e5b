import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import {
  deliverReceipt,
  type KaleyraReceiptFields,
  type KaleyraSimulator,
  kaleyraReceipt,
  startKaleyraSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

type Analytics = Awaited<ReturnType<Api["analytics"]>>;

/**
 * A Kaleyra v4 campaign end to end: an immediate per-number failure, a timeout (outcome unknown) that
 * a later receipt proves was sent, NO-DLR-OPTR counted as UNKNOWN, and failed-then-delivered.
 */
const T0 = Date.parse("2026-11-21T06:00:00Z");
const MIN = 60_000;

let api: Api;
let sim: KaleyraSimulator;
let key: string;
let webhookUrl: string;
let now = T0;

const phones = {
  k1: "+919812350001",
  k2: "+919812350002",
  k3: "+919812350003",
  k4: "+919812350004",
  k5: "+919812350005",
  k6: "+919812350006",
};

function requestFor(phone: string): Record<string, string> {
  const q = sim.requests.find((r) => (r.body as Record<string, string>).to === phone.slice(1));
  if (!q) throw new Error(`no request for ${phone.slice(0, 6)}…`);
  return q.body as Record<string, string>;
}

const sidOf = (phone: string): string | undefined =>
  sim.accepted.find((a) => a.phone === phone.slice(1))?.providerMessageId;

/** The GET Kaleyra makes to the `dlrurl` we gave it for this user's message. */
async function receipt(phone: string, f: Omit<KaleyraReceiptFields, "custom">): Promise<number> {
  const sent = requestFor(phone);
  const built = kaleyraReceipt({ custom: sent.custom, mobile: phone.slice(1), ...f }, sent.dlrurl);
  return (await deliverReceipt(webhookUrl, built)).status;
}

async function analytics(): Promise<Analytics> {
  const a = await api.analytics("acme", "kal", key);
  const d = a.delivery;
  expect(d.sent).toBe(d.delivered + d.failedToDeliver + d.inTransit);
  return a;
}

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  sim = await startKaleyraSimulator({ apiKey: "kal-key" });
  sim.script(phones.k2, { kind: "number-status", status: "INV-NUMBER" });
  sim.script(phones.k3, { kind: "delay", ms: 6_000 });
  sim.script(phones.k6, { kind: "success", dataShape: "object" });
  key = await api.createApp("acme", "Asia/Kolkata", "INR");
  webhookUrl = await api.putConnector(
    "/v1/apps/acme/connectors/kl",
    {
      provider: "kaleyra",
      kaleyra: { apiKey: "kal-key", sender: "ACMEIN", baseUrl: `${sim.url}/v4/` },
      timeoutMs: 2_000,
      sendRatePerSecond: 1000,
    },
    key,
  );
  await api.putCampaign(
    "/v1/apps/acme/campaigns/kal",
    { name: "Kaleyra", connectorId: "kl", goals: [{ goalId: "purchase", eventName: "Purchase" }] },
    key,
  );
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("a Kaleyra campaign end to end", () => {
  it("counts AWAITED-DLR as sent, a per-number status as a provider error, and a timeout as outcome unknown", async () => {
    const recipients = Object.entries(phones).map(([userId, phone]) => ({ userId, phone }));
    const r = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/kal/instances/i1/sends",
      { message: "Sale today", recipients },
      key,
    );
    expect(r.body).toEqual({ instanceId: "i1", accepted: 6, duplicates: 0, heldBack: 0 });
    await api.drain();

    const a = await analytics();
    expect(a.delivery).toEqual({
      sent: 4,
      failedToSend: 2,
      delivered: 0,
      failedToDeliver: 0,
      inTransit: 4,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 0,
    });
    expect(a.failures.failedToSend).toEqual([
      { reason: "PROVIDER_ERROR", code: "INV-NUMBER", count: 1 },
      { reason: "SEND_OUTCOME_UNKNOWN", code: null, count: 1 },
    ]);
    // One request per user, with our reference and our receipt URL carrying Kaleyra's placeholders.
    expect(sim.requests).toHaveLength(6);
    for (const phone of Object.values(phones)) {
      const q = requestFor(phone);
      expect(q).toMatchObject({ method: "sms", sender: "ACMEIN", message: "Sale today", format: "json" });
      expect(q.custom).toMatch(/^m[A-Za-z0-9_-]{26}$/);
      expect(q.dlrurl).toBe(
        `${webhookUrl}?sid={sid}&status={status}&custom={custom}&delivat={delivat}&mobile={mobile}`,
      );
    }
  });

  it("a receipt for the timed-out message proves it was sent and moves it", async () => {
    // The simulator accepted k3 after our client had given up.
    await expect.poll(() => sidOf(phones.k3), { timeout: 5_000 }).toBeDefined();
    now = T0 + 10 * MIN;
    const delivat = Math.floor((T0 + 3 * MIN) / 1000);
    expect(await receipt(phones.k3, { sid: sidOf(phones.k3), status: "DELIVRD", delivat })).toBe(200);
    await api.drain();
    const a = await analytics();
    expect(a.delivery).toMatchObject({
      sent: 5,
      failedToSend: 1,
      delivered: 1,
      failedToDeliver: 0,
      inTransit: 4,
    });
    expect(a.failures.failedToSend).toEqual([{ reason: "PROVIDER_ERROR", code: "INV-NUMBER", count: 1 }]);
  });

  it("NO-DLR-OPTR counts under failed to deliver as UNKNOWN; DELIVRD after a failure moves the user", async () => {
    now = T0 + 20 * MIN;
    const at = Math.floor((T0 + 15 * MIN) / 1000);
    expect(await receipt(phones.k4, { sid: sidOf(phones.k4), status: "NO-DLR-OPTR", delivat: at })).toBe(200);
    expect(await receipt(phones.k5, { sid: sidOf(phones.k5), status: "ABSENT-SUB", delivat: at })).toBe(200);
    expect(await receipt(phones.k6, { sid: sidOf(phones.k6), status: "AWAITED-DLR", delivat: at })).toBe(200);
    // Kaleyra leaves `{custom}` in place when it has none: the sid still finds the message.
    const bySid = kaleyraReceipt(
      { sid: sidOf(phones.k1), status: "DELIVRD", delivat: at, mobile: phones.k1.slice(1) },
      requestFor(phones.k1).dlrurl,
    );
    expect(bySid.query).toContain("custom=%7Bcustom%7D");
    expect((await deliverReceipt(webhookUrl, bySid)).status).toBe(200);
    await api.drain();

    let a = await analytics();
    expect(a.delivery).toMatchObject({ sent: 5, delivered: 2, failedToDeliver: 2, inTransit: 1 });
    expect(a.failures.failedToDeliver).toEqual([
      { code: "ABSENT-SUB", description: "absent subscriber", count: 1 },
      { code: "UNKNOWN", description: expect.stringContaining("NO-DLR-OPTR"), count: 1 },
    ]);

    now = T0 + 30 * MIN;
    const later = Math.floor((T0 + 25 * MIN) / 1000);
    expect(await receipt(phones.k5, { sid: sidOf(phones.k5), status: "DELIVRD", delivat: later })).toBe(200);
    // Duplicates of final receipts, and a late in-transit one, change nothing.
    expect(await receipt(phones.k4, { sid: sidOf(phones.k4), status: "NO-DLR-OPTR", delivat: at })).toBe(200);
    expect(await receipt(phones.k5, { sid: sidOf(phones.k5), status: "AWAITED-DLR", delivat: at })).toBe(200);
    await api.drain();

    a = await analytics();
    expect(a.delivery).toEqual({
      sent: 5,
      failedToSend: 1,
      delivered: 3,
      failedToDeliver: 1,
      inTransit: 1,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 60,
    });
    expect(a.failures.failedToDeliver).toEqual([
      { code: "UNKNOWN", description: expect.stringContaining("NO-DLR-OPTR"), count: 1 },
    ]);
    // All on the sent day in Asia/Kolkata (11:30 local).
    expect(
      a.series.map((d: { date: string; sent: number; delivered: number }) => [d.date, d.sent, d.delivered]),
    ).toEqual([["2026-11-21", 5, 3]]);
  });
});
