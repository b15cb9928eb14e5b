import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { setClock } from "../../lambdas/platform/clock.js";
import type { CustomReceiptMapping } from "../../lambdas/providers/types.js";
import { getMessages } from "../../lambdas/store/messages.js";
import { listParked } from "../../lambdas/store/parked.js";
import {
  type CustomSimulator,
  customReceipt,
  customReceiptBatch,
  deliverReceipt,
  startCustomSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

type Analytics = Awaited<ReturnType<Api["analytics"]>>;

/**
 * Custom connectors end to end. With delivery tracking: a JSON request template (a header from an
 * attribute), HTTP 200 exactly as "sent", JSON receipts per the mapping (single and batch). Without:
 * every sent user pending confirmation, receipts refused, windows open at the sent time.
 */
const T0 = Date.parse("2026-11-22T08:00:00Z");
const H = 3_600_000;
const MIN = 60_000;

let api: Api;
let sim: CustomSimulator;
let key: string;
let trackedUrl: string;
let untrackedUrl: string;
let now = T0;

const mapping: CustomReceiptMapping = {
  messageId: "ref",
  status: "state",
  errorCode: "/error/code",
  time: "ts",
  delivered: ["DELIVERED"],
  failed: ["FAILED", "UNDELIVERED"],
  inTransit: ["SENT"],
};

const tracked = {
  c1: "+919812360001",
  c2: "+919812360002",
  c3: "+919812360003",
  c4: "+919812360004",
  c5: "+919812360005",
  c6: "+919812360006",
  c7: "+919812360007",
  c8: "+919812360008",
  c9: "+919812360009",
};
const untracked = {
  n1: "+919812370001",
  n2: "+919812370002",
  n3: "+919812370003",
  n4: "+919812370004",
};

const ours = (campaignId: string, userId: string): string => messageIdFor("acme", campaignId, "i1", userId);
const providerIdOf = (phone: string): string =>
  sim.accepted.find((a) => a.phone === phone)?.providerMessageId ?? "";

async function analytics(campaignId: string): Promise<Analytics> {
  return api.analytics("acme", campaignId, key);
}

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  sim = await startCustomSimulator();
  sim.script(tracked.c3, { kind: "http", status: 202, body: '{"id":"would-be-id"}' });
  sim.script(tracked.c4, { kind: "error", status: 500 });
  sim.script(tracked.c9, { kind: "delay", ms: 6_000 }); // longer than the connector's timeout
  sim.script(untracked.n4, { kind: "error", status: 503 });
  key = await api.createApp("acme", "UTC", "USD");

  const request = {
    method: "POST",
    url: `${sim.url}/v1/send`,
    headers: { "content-type": "application/json", "X-Tenant": "{{tenant}}" },
    body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
  };
  trackedUrl = await api.putConnector(
    "/v1/apps/acme/connectors/ct",
    {
      provider: "custom",
      deliveryTracking: true,
      custom: { request, response: { messageIdPointer: "/id" }, receipt: mapping },
      timeoutMs: 2_000,
      sendRatePerSecond: 1000,
    },
    key,
  );
  untrackedUrl = await api.putConnector(
    "/v1/apps/acme/connectors/cn",
    {
      provider: "custom",
      deliveryTracking: false,
      custom: { request },
      timeoutMs: 2_000,
      sendRatePerSecond: 1000,
    },
    key,
  );

  for (const [campaignId, connectorId] of [
    ["tr", "ct"],
    ["nt", "cn"],
  ]) {
    await api.putCampaign(
      `/v1/apps/acme/campaigns/${campaignId}`,
      {
        name: campaignId,
        connectorId,
        goals: [{ goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" }],
      },
      key,
    );
  }
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("a custom connector with delivery tracking", () => {
  it("renders the template, counts exactly HTTP 200 as sent, and never calls for a recipient missing an attribute", async () => {
    const recipients = Object.entries(tracked).map(([userId, phone]) => ({
      userId,
      phone,
      attributes: userId === "c2" ? { first: "Zed" } : { first: userId.toUpperCase(), tenant: `t-${userId}` },
    }));
    const r = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/tr/instances/i1/sends",
      { message: 'Hi {{first}}, "50%" off\nnow', recipients },
      key,
    );
    expect(r.body).toEqual({ instanceId: "i1", accepted: 9, duplicates: 0, heldBack: 0 });
    await api.drain();

    const a = await analytics("tr");
    expect(a.delivery).toEqual({
      sent: 5,
      failedToSend: 4,
      delivered: 0,
      failedToDeliver: 0,
      inTransit: 5,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 0,
    });
    expect(a.failures.failedToSend).toEqual([
      { reason: "PERSONALIZATION_FAILED", code: null, count: 1 },
      { reason: "PROVIDER_ERROR", code: "202", count: 1 },
      { reason: "PROVIDER_ERROR", code: "500", count: 1 },
      { reason: "SEND_OUTCOME_UNKNOWN", code: null, count: 1 },
    ]);
    expect((await getMessages("acme", [ours("tr", "c2")])).get(ours("tr", "c2"))?.missing).toEqual([
      "tenant",
    ]);

    // No call for c2; every other call carries the rendered header and a valid JSON body.
    expect(sim.requests).toHaveLength(8);
    expect(sim.requests.some((q) => (q.body as Record<string, string>).to === tracked.c2)).toBe(false);
    for (const q of sim.requests) {
      const body = q.body as Record<string, string>;
      const user = Object.entries(tracked).find(([, p]) => p === body.to)?.[0] as string;
      expect(q.path).toBe("/v1/send");
      expect(q.headers["x-tenant"]).toBe(`t-${user}`);
      expect(body).toEqual({
        to: tracked[user as keyof typeof tracked],
        text: `Hi ${user.toUpperCase()}, "50%" off\nnow`,
        ref: ours("tr", user),
      });
    }
  });

  it("applies JSON receipts per the mapping, one at a time and as a batch array", async () => {
    now = T0 + 30 * MIN;
    const at = (m: number): string => new Date(T0 + m * MIN).toISOString();
    const single = async (v: Parameters<typeof customReceipt>[1]): Promise<number> =>
      (await deliverReceipt(trackedUrl, customReceipt(mapping, v))).status;

    expect(await single({ messageId: ours("tr", "c1"), status: "SENT", time: at(1) })).toBe(200);
    expect(await single({ messageId: ours("tr", "c1"), status: "DELIVERED", time: at(2) })).toBe(200);
    expect(
      await single({ messageId: ours("tr", "c5"), status: "UNDELIVERED", errorCode: "E17", time: at(3) }),
    ).toBe(200);
    await api.drain();
    let a = await analytics("tr");
    expect(a.delivery).toMatchObject({ sent: 5, delivered: 1, failedToDeliver: 1, inTransit: 3 });
    expect(a.failures.failedToDeliver).toEqual([{ code: "E17", description: "UNDELIVERED", count: 1 }]);

    // One POST, several receipts: c5 delivered after its failure, c6 failed, c7 by the provider's own id,
    // c1 again (duplicate), c8 still in transit.
    const batch = customReceiptBatch(mapping, [
      { messageId: ours("tr", "c5"), status: "DELIVERED", time: at(10) },
      { messageId: ours("tr", "c6"), status: "FAILED", errorCode: 21, time: at(11) },
      { messageId: providerIdOf(tracked.c7), status: "DELIVERED", time: at(12) },
      { messageId: ours("tr", "c1"), status: "DELIVERED", time: at(2) },
      { messageId: ours("tr", "c8"), status: "SENT", time: at(12) },
    ]);
    expect((await deliverReceipt(trackedUrl, batch)).status).toBe(200);
    await api.drain();

    a = await analytics("tr");
    expect(a.delivery).toEqual({
      sent: 5,
      failedToSend: 4,
      delivered: 3,
      failedToDeliver: 1,
      inTransit: 1,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 60,
    });
    expect(a.failures.failedToDeliver).toEqual([{ code: "21", description: "FAILED", count: 1 }]);
    // c7's receipt carried the provider's id, not ours: matched, so nothing is left to park.
    expect((await listParked("acme")).items).toEqual([]);
  });
});

describe("a custom connector without delivery tracking", () => {
  let sentAt: number;

  it("shows every sent user as pending confirmation and refuses receipts", async () => {
    now = T0 + 1 * H;
    sentAt = now;
    const recipients = Object.entries(untracked).map(([userId, phone]) => ({
      userId,
      phone,
      attributes: { tenant: "t" },
    }));
    const r = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/nt/instances/i1/sends",
      { message: "Flash sale", recipients },
      key,
    );
    expect(r.body).toEqual({ instanceId: "i1", accepted: 4, duplicates: 0, heldBack: 0 });
    await api.drain();

    const a = await analytics("nt");
    expect(a.delivery).toEqual({
      sent: 3,
      failedToSend: 1,
      delivered: 0,
      failedToDeliver: 0,
      inTransit: 0,
      pendingDeliveryConfirmation: 3,
      deliveryRate: null,
    });
    expect(a.failures.failedToSend).toEqual([{ reason: "PROVIDER_ERROR", code: "503", count: 1 }]);

    const refused = await deliverReceipt(
      untrackedUrl,
      customReceipt(mapping, { messageId: ours("nt", "n1"), status: "DELIVERED" }),
    );
    expect(refused.status).toBe(403);
    await api.drain();
    expect((await analytics("nt")).delivery).toMatchObject({ delivered: 0, pendingDeliveryConfirmation: 3 });
  });

  it("attributes by sent: the window opens at the sent time, the rate is over sent", async () => {
    now = sentAt + 40 * H;
    const ev = (eventId: string, userId: string, at: number, value: number) => ({
      eventId,
      userId,
      name: "Purchase",
      time: new Date(at).toISOString(),
      attributes: { order_value: value },
    });
    const r = await api.call(
      "POST",
      "/v1/apps/acme/events",
      {
        events: [
          ev("nt-1", "n1", sentAt + H, 12.5), // inside
          ev("nt-2", "n2", sentAt - 1, 1), // before the send
          ev("nt-3", "n2", sentAt + 36 * H, 2), // exactly at the end: excluded
          ev("nt-4", "n3", sentAt + 36 * H - 1, 7.25), // the last millisecond inside
          ev("nt-5", "n4", sentAt + H, 3), // not sent: no window
        ],
      },
      key,
    );
    expect(r.body).toEqual({ accepted: 5, duplicates: 0 });
    await api.drain();

    const a = await analytics("nt");
    expect(a.conversions).toEqual({
      goalId: "purchase",
      attributionBasis: "sent",
      conversionEvents: 2,
      conversions: 2,
      conversionRate: 66.67,
    });
    expect(a.revenue).toMatchObject({
      total: "19.75",
      averageOrderValue: "9.88",
      averageRevenuePerUser: "9.88",
    });
  });
});
