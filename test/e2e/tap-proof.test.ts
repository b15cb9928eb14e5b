import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import { type CustomSimulator, startCustomSimulator } from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * A tap proves what the provider never told us (issue 13 §3): the link exists only inside the SMS, so
 * a tap on a message whose send outcome is unknown proves it was sent, and a person's tap proves it was
 * delivered. Unique clickers never exceed sent, the click-through rate never exceeds 100 %, and the
 * window the proof opens counts the user's purchase.
 */
const H = 3_600_000;
const S0 = Date.parse("2026-11-10T09:00:00Z");
const MOBILE =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";
const WHATSAPP = "WhatsApp/2.23.20.0 A";
const phones = {
  lost: "+919811110001", // untracked, the provider's answer never arrives
  fine: "+919811110002", // untracked, sent
  tappedUnknown: "+919811120001", // tracked, outcome unknown, a person taps
  tappedInTransit: "+919811120002", // tracked, sent, no receipt yet, a person taps
  previewed: "+919811120003", // tracked, outcome unknown, only a preview fetcher opens it
  failedThenTapped: "+919811120004", // tracked, the receipt says failed, then a person taps
};

let api: Api;
let sim: CustomSimulator;
let key: string;
let trackedUrl: string;

function sentTo(phone: string): { text: string; ref: string } {
  const req = sim.requests.find((r) => (r.body as { to?: string } | undefined)?.to === phone);
  if (!req) throw new Error(`nothing sent to ${phone}`);
  return req.body as { text: string; ref: string };
}

function linkOf(phone: string): string {
  const code = /\/l\/([0-9A-Za-z]{14})/.exec(sentTo(phone).text)?.[1];
  if (!code) throw new Error(`no link sent to ${phone}`);
  return code;
}

async function tap(phone: string, at: number, ua: string): Promise<void> {
  setClock(() => at);
  const r = await fetch(`${api.url}/l/${linkOf(phone)}`, {
    redirect: "manual",
    headers: { "user-agent": ua },
  });
  expect(r.status).toBe(302);
}

beforeAll(async () => {
  setClock(() => S0);
  api = await startProduct();
  setClock(() => S0);
  sim = await startCustomSimulator();
  for (const phone of [phones.lost, phones.tappedUnknown, phones.previewed])
    sim.script(phone, { kind: "delay", ms: 5_000 }); // longer than the connector's timeout
  key = await api.createApp("tp", "UTC", "USD");
  const request = {
    method: "POST",
    url: `${sim.url}/v1/send`,
    headers: { "content-type": "application/json" },
    body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
  };
  await api.putConnector(
    "/v1/apps/tp/connectors/untracked",
    { provider: "custom", deliveryTracking: false, custom: { request }, timeoutMs: 1_500 },
    key,
  );
  trackedUrl = await api.putConnector(
    "/v1/apps/tp/connectors/tracked",
    {
      provider: "custom",
      deliveryTracking: true,
      custom: {
        request,
        receipt: { messageId: "ref", status: "state", delivered: ["DELIVERED"], failed: ["FAILED"] },
      },
      timeoutMs: 1_500,
    },
    key,
  );
  for (const [campaignId, connectorId, users] of [
    ["plain", "untracked", ["lost", "fine"]],
    ["dlr", "tracked", ["tappedUnknown", "tappedInTransit", "previewed", "failedThenTapped"]],
  ] as const) {
    await api.putCampaign(
      `/v1/apps/tp/campaigns/${campaignId}`,
      {
        name: campaignId,
        connectorId,
        clickTracking: true,
        goals: [{ goalId: "buy", eventName: "Purchase", revenueAttribute: "value" }],
      },
      key,
    );
    const r = await api.call(
      "POST",
      `/v1/apps/tp/campaigns/${campaignId}/instances/i1/sends`,
      {
        message: "Sale today https://shop.example/sale",
        recipients: users.map((u) => ({ userId: u, phone: phones[u] })),
      },
      key,
    );
    expect(r.status).toBe(202);
  }
  await api.drain();
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("a tap proves the SMS went out", () => {
  it("before any tap, the unknown outcomes are failures to send", async () => {
    const plain = await api.analytics("tp", "plain", key);
    expect(plain.delivery.sent).toBe(1);
    expect(plain.failures.failedToSend).toEqual([{ reason: "SEND_OUTCOME_UNKNOWN", code: null, count: 1 }]);
    const dlr = await api.analytics("tp", "dlr", key);
    expect(dlr.delivery.sent).toBe(2);
    expect(dlr.failures.failedToSend).toEqual([{ reason: "SEND_OUTCOME_UNKNOWN", code: null, count: 2 }]);
  });

  it("untracked: the tap moves the user to sent, and the window it opens counts the waiting purchase", async () => {
    setClock(() => S0 + 2 * H);
    const ev = await api.call(
      "POST",
      "/v1/apps/tp/events",
      {
        events: [
          {
            eventId: "p-lost",
            userId: "lost",
            name: "Purchase",
            time: new Date(S0 + 2 * H).toISOString(),
            attributes: { value: 40 },
          },
        ],
      },
      key,
    );
    expect(ev.status).toBe(202);
    await api.drain();
    expect((await api.analytics("tp", "plain", key)).conversions.conversions).toBe(0);

    await tap(phones.lost, S0 + 3 * H, MOBILE);
    await api.drain();
    const a = await api.analytics("tp", "plain", key);
    expect(a.delivery.sent).toBe(2);
    expect(a.failures.failedToSend).toEqual([]);
    expect(a.clicks.unique).toBe(1);
    // The window of an untracked send starts at the send: the purchase 2 h later is inside it.
    expect(a.conversions.conversions).toBe(1);
    expect(a.revenue.total).toBe("40.00");
  });

  it("tracked: a person's tap proves delivery, a preview only the send; the rate never passes 100 %", async () => {
    await tap(phones.tappedUnknown, S0 + H, MOBILE);
    await tap(phones.tappedInTransit, S0 + H, MOBILE);
    await tap(phones.previewed, S0 + H, WHATSAPP);
    // The provider reports one message failed; its recipient taps afterwards.
    setClock(() => S0 + H);
    const failed = await fetch(trackedUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ref: sentTo(phones.failedThenTapped).ref, state: "FAILED" }),
    });
    expect(failed.status).toBe(200);
    await api.drain();
    expect((await api.analytics("tp", "dlr", key)).failures.failedToDeliver).toHaveLength(1);
    await tap(phones.failedThenTapped, S0 + 2 * H, MOBILE);
    await api.drain();

    const a = await api.analytics("tp", "dlr", key);
    expect(a.delivery.sent).toBe(4);
    expect(a.failures.failedToSend).toEqual([]);
    expect(a.delivery.delivered).toBe(3);
    expect(a.failures.failedToDeliver).toEqual([]);
    expect(a.clicks.unique).toBe(3);
    expect(a.clicks.suspectedBots).toBe(1);
    expect(a.clicks.clickThroughRate).toBe(100);
    expect(a.clicks.unique).toBeLessThanOrEqual(a.delivery.sent);
  });

  it("a purchase after the tap counts; repeated taps and redelivered clicks change nothing", async () => {
    setClock(() => S0 + 4 * H);
    await api.call(
      "POST",
      "/v1/apps/tp/events",
      {
        events: [
          {
            eventId: "p-unknown",
            userId: "tappedUnknown",
            name: "Purchase",
            time: new Date(S0 + 4 * H).toISOString(),
            attributes: { value: 25 },
          },
          // Before the tap that proved delivery: outside the window it opened.
          {
            eventId: "p-early",
            userId: "failedThenTapped",
            name: "Purchase",
            time: new Date(S0 + H).toISOString(),
            attributes: { value: 99 },
          },
        ],
      },
      key,
    );
    await tap(phones.tappedUnknown, S0 + 5 * H, MOBILE);
    await api.drain();
    const a = await api.analytics("tp", "dlr", key);
    expect(a.delivery.delivered).toBe(3);
    expect(a.conversions.conversions).toBe(1);
    expect(a.revenue.total).toBe("25.00");
    expect(a.clicks.unique).toBe(3);
    expect(a.clicks.total).toBe(4);
  });
});
