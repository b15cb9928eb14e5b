import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import { listParked } from "../../lambdas/store/parked.js";
import {
  deliverReceipt,
  type GupshupSimulator,
  gupshupPostReceipt,
  gupshupQueryReceipt,
  startGupshupSimulator,
} from "../simulators/index.js";
import { ADMIN_KEY, type Api, startProduct } from "./harness.js";

/**
 * One campaign through the whole product on Gupshup: sending to a mixed audience, real-format
 * receipts (duplicated, out of order, failed-then-delivered, unmatched), clicks, and conversions
 * inside and outside the 36-hour window — every number checked against a hand count.
 */
const H = 3_600_000;
let api: Api;
let sim: GupshupSimulator;
let key: string;
let webhookUrl: string;
let sentAt: number;

const phones = {
  u1: "+919812345671",
  u2: "+919812345672",
  u3: "+919812345673",
  u5: "+919812345675",
  u6: "+919812345676",
};

beforeAll(async () => {
  api = await startProduct();
  sim = await startGupshupSimulator({ userId: "acct", password: "pw" });
  sim.script(phones.u5, {
    kind: "error",
    code: "175",
    text: "The 'INTERNATIONAL_PHONE' service is disabled for you",
  });
  sim.script(phones.u6, { kind: "delay", ms: 6_000 });
  key = await api.createApp("acme", "Asia/Kolkata", "INR");
  webhookUrl = await api.putConnector(
    "/v1/apps/acme/connectors/gs",
    {
      provider: "gupshup",
      gupshup: { userId: "acct", password: "pw", mask: "ACME", baseUrl: sim.url },
      timeoutMs: 2_000,
    },
    key,
  );
  await api.putCampaign(
    "/v1/apps/acme/campaigns/bf",
    {
      name: "Black Friday",
      connectorId: "gs",
      clickTracking: true,
      goals: [
        { goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" },
        { goalId: "signup", eventName: "Signup", filters: { plan: "pro" } },
      ],
    },
    key,
  );
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

const sendBody = {
  message: "Hi {{first_name|there}}, {{city}} deal: https://shop.example/sale?utm=sms",
  recipients: [
    { userId: "u1", phone: phones.u1, attributes: { first_name: "Asha", city: "Pune" } },
    { userId: "u2", phone: phones.u2, attributes: { city: "Delhi" } },
    { userId: "u3", phone: phones.u3, attributes: { first_name: "Ravi" } },
    { userId: "u4", phone: "12345" },
    { userId: "u5", phone: phones.u5, attributes: { city: "Goa" } },
    { userId: "u6", phone: phones.u6, attributes: { city: "Agra" } },
    { userId: "u1", phone: phones.u1, attributes: { first_name: "Dup", city: "Dup" } },
  ],
};

describe("a Gupshup campaign end to end", () => {
  it("sends once per user and counts sent and failed-to-send by reason", async () => {
    sentAt = Date.now();
    const r = await api.call("POST", "/v1/apps/acme/campaigns/bf/instances/i1/sends", sendBody, key);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ instanceId: "i1", accepted: 6, duplicates: 1, heldBack: 0 });
    await api.drain();

    const a = await api.analytics("acme", "bf", key);
    expect(a.delivery).toEqual({
      sent: 2,
      failedToSend: 4,
      delivered: 0,
      failedToDeliver: 0,
      inTransit: 2,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 0,
    });
    expect(a.failures.failedToSend).toEqual(
      expect.arrayContaining([
        { reason: "PERSONALIZATION_FAILED", code: null, count: 1 },
        { reason: "INVALID_NUMBER", code: null, count: 1 },
        { reason: "PROVIDER_ERROR", code: "175", count: 1 },
        { reason: "SEND_OUTCOME_UNKNOWN", code: null, count: 1 },
      ]),
    );
    expect(a.failures.failedToSend).toHaveLength(4);

    // Exactly one provider request per user the provider was called for, personalised, links shortened.
    const sentTo = sim.requests.map((q) => (q.body as Record<string, string>).send_to).sort();
    expect(sentTo).toEqual(["919812345671", "919812345672", "919812345675", "919812345676"]);
    const toU1 = sim.requests.find((q) => (q.body as Record<string, string>).send_to === "919812345671");
    const text = (toU1?.body as Record<string, string> | undefined)?.msg ?? "";
    expect(text).toMatch(
      new RegExp(`^Hi Asha, Pune deal: ${process.env.PUBLIC_BASE_URL}/l/[0-9A-Za-z]{14}$`),
    );
    const toU2 = sim.requests.find((q) => (q.body as Record<string, string>).send_to === "919812345672");
    expect((toU2?.body as Record<string, string> | undefined)?.msg ?? "").toMatch(/^Hi there, Delhi deal: /);
  });

  it("sending the same instance again changes nothing and calls no provider", async () => {
    const before = sim.requests.length;
    const r = await api.call("POST", "/v1/apps/acme/campaigns/bf/instances/i1/sends", sendBody, key);
    expect(r.body).toEqual({ instanceId: "i1", accepted: 0, duplicates: 7, heldBack: 0 });
    await api.drain();
    expect(sim.requests.length).toBe(before);
    expect((await api.analytics("acme", "bf", key)).delivery.sent).toBe(2);
  });

  it("counts real-format receipts exactly once: duplicates, stray spaces, failed then delivered", async () => {
    setClock(() => sentAt + 40 * H);
    const id = (phone: string) =>
      sim.accepted.find((x) => x.phone.replace(/\D/g, "") === phone.slice(1))?.providerMessageId ?? "";
    const u1Delivered = gupshupQueryReceipt(
      {
        externalId: id(phones.u1),
        status: "Success",
        cause: "SUCCESS",
        errCode: "000",
        deliveredTS: sentAt + 60_000,
      },
      { straySpaces: true },
    );
    expect((await deliverReceipt(webhookUrl, u1Delivered)).status).toBe(200);
    expect((await deliverReceipt(webhookUrl, u1Delivered)).status).toBe(200);
    const u2Failed = gupshupQueryReceipt({
      externalId: id(phones.u2),
      status: "FAIL",
      cause: "UNKNOWN_SUBSCRIBER",
      errCode: "003",
      deliveredTS: sentAt + 90_000,
    });
    expect((await deliverReceipt(webhookUrl, u2Failed)).status).toBe(200);
    await api.drain();

    let a = await api.analytics("acme", "bf", key);
    expect(a.delivery).toMatchObject({
      sent: 2,
      delivered: 1,
      failedToDeliver: 1,
      inTransit: 0,
      deliveryRate: 50,
    });
    expect(a.failures.failedToDeliver).toEqual([
      { code: "003", description: "UNKNOWN_SUBSCRIBER", count: 1 },
    ]);

    // A purchase by u2 arrives before the receipt that opens u2's window.
    const early = await api.call(
      "POST",
      "/v1/apps/acme/events",
      {
        events: [
          {
            eventId: "e6",
            userId: "u2",
            name: "Purchase",
            time: new Date(sentAt + 120_000 + H / 2).toISOString(),
            attributes: { order_value: "100.50" },
          },
        ],
      },
      key,
    );
    expect(early.body).toEqual({ accepted: 1, duplicates: 0 });
    await api.drain();
    expect((await api.analytics("acme", "bf", key)).conversions.conversionEvents).toBe(0);

    const u2Delivered = gupshupPostReceipt(
      [
        {
          externalId: id(phones.u2),
          eventType: "DELIVERED",
          eventTs: sentAt + 120_000,
          destAddr: 919812345672,
          errCode: "000",
          cause: "SUCCESS",
        },
      ],
      { wrap: true },
    );
    expect((await deliverReceipt(webhookUrl, u2Delivered)).status).toBe(200);
    const unmatched = gupshupQueryReceipt({ externalId: "999-999", status: "SUCCESS", errCode: "000" });
    expect((await deliverReceipt(webhookUrl, unmatched)).status).toBe(200);
    await api.drain();

    a = await api.analytics("acme", "bf", key);
    expect(a.delivery).toMatchObject({
      sent: 2,
      delivered: 2,
      failedToDeliver: 0,
      inTransit: 0,
      deliveryRate: 100,
    });
    expect(a.failures.failedToDeliver).toEqual([]);
    expect(a.delivery.sent).toBe(a.delivery.delivered + a.delivery.failedToDeliver + a.delivery.inTransit);
    // The late window found the early purchase.
    expect(a.conversions).toMatchObject({ conversionEvents: 1, conversions: 1 });
    expect(a.revenue.total).toBe("100.50");

    const parked = await listParked("acme");
    expect(parked.items).toHaveLength(1);
    expect(parked.items[0]?.reason).toMatch(/match no sent message/);

    // Operators list and replay parked receipts with the admin key; an app key may not.
    expect((await api.call("GET", "/v1/apps/acme/parked-receipts", undefined, key)).status).toBe(403);
    const listed = await api.call("GET", "/v1/apps/acme/parked-receipts", undefined, ADMIN_KEY);
    expect(listed.body.parkedReceipts).toHaveLength(1);
    expect(listed.body.parkedReceipts[0]).toMatchObject({ connectorId: "gs", provider: "gupshup" });
    const replay = await api.call("POST", "/v1/apps/acme/parked-receipts/replay", {}, ADMIN_KEY);
    expect(replay.body).toMatchObject({ replayed: 1 });
    await api.drain();
    // Still unmatched after its retries: parked again, and nothing was counted.
    expect((await listParked("acme")).items).toHaveLength(1);
    expect((await api.analytics("acme", "bf", key)).delivery.delivered).toBe(2);
  });

  it("attributes events inside the 36-hour window only, once each, with exact revenue", async () => {
    const t1 = sentAt + 60_000; // u1's delivery time (the operator's timestamp)
    const ev = (
      eventId: string,
      userId: string,
      name: string,
      at: number,
      attributes: Record<string, unknown> = {},
    ) => ({
      eventId,
      userId,
      name,
      time: new Date(at).toISOString(),
      attributes,
    });
    const r = await api.call(
      "POST",
      "/v1/apps/acme/events",
      {
        events: [
          ev("e1", "u1", "Purchase", t1 - 1, { order_value: 5 }), // before the window
          ev("e2", "u1", "Purchase", t1 + H, { order_value: 19.99 }),
          ev("e3", "u1", "Purchase", t1 + 36 * H, { order_value: 7 }), // exactly at the end: excluded
          ev("e4", "u1", "Signup", t1 + 2 * H, { plan: "pro" }),
          ev("e5", "u1", "Signup", t1 + 2 * H, { plan: "free" }),
          ev("e7", "u3", "Purchase", t1 + H, { order_value: 1 }), // never sent: no window
          ev("e2", "u1", "Purchase", t1 + H, { order_value: 19.99 }),
        ],
      },
      key,
    );
    expect(r.body).toEqual({ accepted: 6, duplicates: 1 });
    const again = await api.call(
      "POST",
      "/v1/apps/acme/events",
      { events: [ev("e2", "u1", "Purchase", t1 + H, { order_value: 19.99 })] },
      key,
    );
    expect(again.body).toEqual({ accepted: 0, duplicates: 1 });
    await api.drain();

    const a = await api.analytics("acme", "bf", key);
    expect(a.conversions).toEqual({
      goalId: "purchase",
      attributionBasis: "delivered",
      conversionEvents: 2,
      conversions: 2,
      conversionRate: 100,
    });
    expect(a.revenue).toMatchObject({
      goalId: "purchase",
      total: "120.49",
      averageOrderValue: "60.24",
      averageRevenuePerUser: "60.24",
    });
    expect(a.goals).toEqual([
      { goalId: "purchase", eventName: "Purchase", allGoals: 2, uniqueGoals: 2, revenue: "120.49" },
      { goalId: "signup", eventName: "Signup", allGoals: 1, uniqueGoals: 1 },
    ]);
    const sum = (f: string) => a.series.reduce((s: number, d: Record<string, number>) => s + (d[f] ?? 0), 0);
    expect(sum("sent")).toBe(2);
    expect(sum("delivered")).toBe(2);
    expect(sum("conversionEvents")).toBe(2);
  });

  it("counts a tap on the short link and redirects to exactly the stored URL", async () => {
    const toU1 = sim.requests.find((q) => (q.body as Record<string, string>).send_to === "919812345671");
    const link =
      /\/l\/([0-9A-Za-z]{14})$/.exec((toU1?.body as Record<string, string> | undefined)?.msg ?? "")?.[0] ??
      "";
    const tap = await fetch(`${api.url}${link}`, {
      redirect: "manual",
      headers: { "user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari" },
    });
    expect(tap.status).toBe(302);
    expect(tap.headers.get("location")).toBe("https://shop.example/sale?utm=sms");
    await api.drain();
    const a = await api.analytics("acme", "bf", key);
    expect(a.clicks).toMatchObject({ total: 1, unique: 1, clickThroughRate: 50 });
  });
});
