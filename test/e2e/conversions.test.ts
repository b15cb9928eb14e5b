import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { setClock } from "../../lambdas/platform/clock.js";
import type { CustomReceiptMapping } from "../../lambdas/providers/types.js";
import { dynamo } from "../../lambdas/store/client.js";
import { keys } from "../../lambdas/store/keys.js";
import { tableName } from "../../lambdas/store/table.js";
import {
  type BuiltReceipt,
  type CustomReceiptValues,
  type CustomSimulator,
  customReceipt,
  customReceiptBatch,
  deliverReceipt,
  startCustomSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

type Analytics = Awaited<ReturnType<Api["analytics"]>>;

/**
 * Conversions (issue 6) end to end: a primary revenue goal and a filtered second goal, users delivered
 * at different times, events before / inside / exactly at the end of / after the 36-hour window,
 * duplicates, a purchase that arrives before the receipt that opens its window, exact revenue for
 * 1,000 events of 19.99, and the same facts in another order giving the same numbers.
 */
const S = Date.parse("2026-11-20T04:00:00Z"); // the send time (09:30 in Asia/Kolkata)
const MIN = 60_000;
const H = 60 * MIN;

let api: Api;
let sim: CustomSimulator;
let key: string;
let webhookUrl: string;
let now = S;

const mapping: CustomReceiptMapping = {
  messageId: "ref",
  status: "state",
  errorCode: "err",
  time: "ts",
  delivered: ["DELIVERED"],
  failed: ["FAILED"],
  inTransit: ["SENT"],
};

const ref = (instanceId: string, userId: string): string => messageIdFor("shop", "bf", instanceId, userId);

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  sim = await startCustomSimulator();
  key = await api.createApp("shop", "Asia/Kolkata", "INR");
  webhookUrl = await api.putConnector(
    "/v1/apps/shop/connectors/ct",
    {
      provider: "custom",
      deliveryTracking: true,
      custom: {
        request: {
          method: "POST",
          url: `${sim.url}/send`,
          body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
        },
        receipt: mapping,
      },
      timeoutMs: 2_000,
      sendRatePerSecond: 1000,
    },
    key,
  );
  await api.putCampaign(
    "/v1/apps/shop/campaigns/bf",
    {
      name: "Black Friday",
      connectorId: "ct",
      conversionWindowHours: 36,
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

async function send(instanceId: string, userIds: string[], phoneBase: number): Promise<void> {
  now = S;
  const recipients = userIds.map((userId, i) => ({ userId, phone: `+9198${phoneBase + i}` }));
  const r = await api.call(
    "POST",
    `/v1/apps/shop/campaigns/bf/instances/${instanceId}/sends`,
    { message: "Black Friday starts now", recipients },
    key,
  );
  expect(r.body).toEqual({ instanceId, accepted: userIds.length, duplicates: 0, heldBack: 0 });
  await api.drain();
}

async function postReceipt(receipt: BuiltReceipt): Promise<void> {
  expect((await deliverReceipt(webhookUrl, receipt)).status).toBe(200);
}

interface Ev {
  eventId: string;
  userId: string;
  name: string;
  time: string;
  attributes?: Record<string, unknown>;
}

async function postEvents(events: Ev[]): Promise<{ accepted: number; duplicates: number }> {
  const r = await api.call("POST", "/v1/apps/shop/events", { events }, key);
  expect(r.status).toBe(202);
  return r.body;
}

/** Deterministic shuffle (a fixed seed keeps a failure reproducible). */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The facts of one instance: six users, receipts at different times, events around their windows. */
function facts(instanceId: string): {
  users: string[];
  receipts: CustomReceiptValues[];
  lateReceipt: CustomReceiptValues;
  events: Ev[];
  duplicates: Ev[];
} {
  const u = (n: number): string => `${instanceId}-d${n}`;
  const D1 = S + MIN;
  const D2 = S + 2 * H;
  const D3 = S + 5 * H;
  const D6 = S + 3 * H;
  const at = (t: number): string => new Date(t).toISOString();
  const ev = (
    n: number,
    user: number,
    name: string,
    t: number,
    attributes?: Record<string, unknown>,
  ): Ev => ({
    eventId: `${instanceId}-e${n}`,
    userId: u(user),
    name,
    time: at(t),
    ...(attributes ? { attributes } : {}),
  });
  const events = [
    ev(1, 1, "Purchase", D1 - 1, { order_value: 5 }), // before the window
    ev(2, 1, "Purchase", D1 + H, { order_value: 10 }),
    ev(3, 1, "Purchase", D1 + 36 * H, { order_value: 20 }), // exactly at the end: excluded
    ev(4, 1, "Purchase", D1 + 36 * H - 1, { order_value: 0.01 }), // the last millisecond inside
    ev(5, 1, "Purchase", D1 + 40 * H, { order_value: 30 }), // after
    ev(6, 1, "Signup", D1 + 2 * H, { plan: "pro" }),
    ev(7, 1, "Signup", D1 + 3 * H, { plan: "free" }), // filter does not match
    ev(8, 2, "Purchase", D2 + H, { order_value: "5.50" }),
    ev(9, 2, "Purchase", D2 + 2 * H), // no revenue attribute: a conversion without revenue
    ev(10, 2, "Signup", D2 + H, { plan: "pro" }),
    ev(11, 3, "Purchase", D3 + 30 * MIN, { order_value: 100 }), // before its receipt arrives
    ev(12, 3, "Purchase", D3 - 1, { order_value: 50 }), // after the send, before the delivery
    ev(13, 4, "Purchase", S + H, { order_value: 7 }), // failed to deliver: no window
    ev(14, 5, "Purchase", S + H, { order_value: 8 }), // still in transit: no window
    ev(15, 9, "Purchase", S + H, { order_value: 9 }), // never messaged
  ];
  return {
    users: [1, 2, 3, 4, 5, 6].map(u),
    receipts: [
      { messageId: ref(instanceId, u(1)), status: "DELIVERED", time: at(D1) },
      { messageId: ref(instanceId, u(2)), status: "DELIVERED", time: at(D2) },
      { messageId: ref(instanceId, u(4)), status: "FAILED", errorCode: "E9", time: at(S + 10 * MIN) },
      { messageId: ref(instanceId, u(5)), status: "SENT", time: at(S + MIN) },
      { messageId: ref(instanceId, u(6)), status: "DELIVERED", time: at(D6) },
    ],
    lateReceipt: { messageId: ref(instanceId, u(3)), status: "DELIVERED", time: at(D3) },
    events,
    duplicates: [events[1] as Ev, events[7] as Ev],
  };
}

/** What the hand count says for one instance of `facts`. */
const expected = {
  delivery: {
    sent: 6,
    failedToSend: 0,
    delivered: 4,
    failedToDeliver: 1,
    inTransit: 1,
    pendingDeliveryConfirmation: 0,
    deliveryRate: 66.67,
  },
  conversions: {
    goalId: "purchase",
    attributionBasis: "delivered",
    conversionEvents: 5,
    conversions: 3,
    conversionRate: 75,
  },
  revenue: {
    goalId: "purchase",
    total: "115.51",
    averageOrderValue: "23.10",
    averageRevenuePerUser: "38.50",
    eventsWithoutRevenue: 1,
    eventsWithUnreadableRevenue: 0,
    eventsWithNegativeRevenue: 0,
  },
  goals: [
    { goalId: "purchase", eventName: "Purchase", allGoals: 5, uniqueGoals: 3, revenue: "115.51" },
    { goalId: "signup", eventName: "Signup", allGoals: 2, uniqueGoals: 2 },
  ],
};

const pick = (a: Analytics) => ({
  delivery: a.delivery,
  conversions: a.conversions,
  revenue: a.revenue,
  goals: a.goals,
  failures: a.failures,
  series: a.series,
  conversionsBySendDate: a.conversionsBySendDate,
});

describe("conversions and revenue end to end", () => {
  let first: Analytics;

  it("attributes events inside each user's window only, once each, the late window included", async () => {
    const f = facts("w1");
    await send("w1", f.users, 12_380_001);
    now = S + 48 * H;
    for (const r of f.receipts) await postReceipt(customReceipt(mapping, r));
    await api.drain();
    expect(await postEvents(f.events)).toEqual({ accepted: 15, duplicates: 0 });
    expect(await postEvents(f.duplicates)).toEqual({ accepted: 0, duplicates: 2 });
    await api.drain();

    let a = await api.analytics("shop", "bf", key, { instanceId: "w1" });
    // d3's purchase is kept, but d3 has no window yet.
    expect(a.conversions).toMatchObject({ conversionEvents: 4, conversions: 2, conversionRate: 66.67 });
    expect(a.revenue.total).toBe("15.51");

    await postReceipt(customReceipt(mapping, f.lateReceipt));
    await api.drain();
    a = await api.analytics("shop", "bf", key, { instanceId: "w1" });
    expect(a.delivery.sent).toBe(a.delivery.delivered + a.delivery.failedToDeliver + a.delivery.inTransit);
    expect(a).toMatchObject(expected);
    // Series by event time in Asia/Kolkata: d1's last-millisecond purchase falls on the 21st.
    const byDay = Object.fromEntries(
      a.series.map((d: { date: string; conversionEvents: number; revenue: string }) => [
        d.date,
        [d.conversionEvents, d.revenue],
      ]),
    );
    expect(byDay).toEqual({ "2026-11-20": [4, "115.50"], "2026-11-21": [1, "0.01"] });
    first = a;
  });

  it("gives the same numbers for the same facts in another order: events first, shuffled, duplicated", async () => {
    const f = facts("w2");
    await send("w2", f.users, 12_390_001);
    now = S + 48 * H;
    const events = shuffled([...f.events, ...f.duplicates], 7);
    await postEvents(events.slice(0, 9));
    await postEvents(events.slice(9));
    const receipts = shuffled([...f.receipts, f.lateReceipt, ...f.receipts, f.lateReceipt], 11);
    await postReceipt(customReceiptBatch(mapping, receipts.slice(0, 6)));
    for (const r of receipts.slice(6)) await postReceipt(customReceipt(mapping, r));
    await api.drain();

    const a = await api.analytics("shop", "bf", key, { instanceId: "w2" });
    expect(a).toMatchObject(expected);
    expect(pick(a)).toEqual(pick(first));
  });

  it("sums 1,000 events of 19.99 to exactly 19990.00", async () => {
    const users = Array.from({ length: 20 }, (_, i) => `bulk-u${i}`);
    await send("bulk", users, 12_400_001);
    now = S + 48 * H;
    await postReceipt(
      customReceiptBatch(
        mapping,
        users.map((u) => ({
          messageId: ref("bulk", u),
          status: "DELIVERED",
          time: new Date(S + MIN).toISOString(),
        })),
      ),
    );
    await api.drain();
    const events = users.flatMap((userId, i) =>
      Array.from({ length: 50 }, (_, k) => ({
        eventId: `bulk-${i}-${k}`,
        userId,
        name: "Purchase",
        time: new Date(S + 2 * MIN + k * 1000).toISOString(),
        attributes: { order_value: 19.99 },
      })),
    );
    expect(await postEvents(events.slice(0, 500))).toEqual({ accepted: 500, duplicates: 0 });
    expect(await postEvents(events.slice(500))).toEqual({ accepted: 500, duplicates: 0 });
    await api.drain();

    const a = await api.analytics("shop", "bf", key, { instanceId: "bulk" });
    expect(a.conversions).toEqual({
      goalId: "purchase",
      attributionBasis: "delivered",
      conversionEvents: 1000,
      conversions: 20,
      conversionRate: 100,
    });
    expect(a.revenue).toEqual({
      goalId: "purchase",
      total: "19990.00",
      averageOrderValue: "19.99",
      averageRevenuePerUser: "999.50",
      eventsWithoutRevenue: 0,
      eventsWithUnreadableRevenue: 0,
      eventsWithNegativeRevenue: 0,
    });

    // The whole campaign: both window instances plus the bulk one.
    const all = await api.analytics("shop", "bf", key);
    expect(all.revenue.total).toBe("20221.02");
    expect(all.conversions).toMatchObject({ conversionEvents: 1010, conversions: 26 });
    expect(all.delivery).toMatchObject({ sent: 32, delivered: 28, failedToDeliver: 2, inTransit: 2 });
  });
  it("counts formatted amounts and refunds as conversions, never as revenue, and reports each kind", async () => {
    const users = ["val-u1", "val-u2", "val-u3"];
    await send("values", users, 12_500_001);
    now = S + 48 * H;
    await postReceipt(
      customReceiptBatch(
        mapping,
        users.map((u) => ({
          messageId: ref("values", u),
          status: "DELIVERED",
          time: new Date(S + MIN).toISOString(),
        })),
      ),
    );
    await api.drain();
    const purchase = (n: number, userId: string, value: unknown): Ev => ({
      eventId: `val-e${n}`,
      userId,
      name: "Purchase",
      time: new Date(S + H + n * MIN).toISOString(),
      attributes: { order_value: value },
    });
    await postEvents([
      purchase(1, "val-u1", "1,299.00"), // a grouping separator: 1299 in en-IN, 1.299 in de-DE
      purchase(2, "val-u1", "₹1,299"), // a currency symbol
      purchase(3, "val-u2", -40), // a refund
      purchase(4, "val-u2", 25),
      purchase(5, "val-u3", "12.50"),
      purchase(6, "val-u3", null),
    ]);
    await api.drain();

    const a = await api.analytics("shop", "bf", key, { instanceId: "values" });
    expect(a.conversions).toMatchObject({ conversionEvents: 6, conversions: 3, conversionRate: 100 });
    expect(a.revenue).toEqual({
      goalId: "purchase",
      total: "37.50",
      averageOrderValue: "6.25",
      averageRevenuePerUser: "12.50",
      eventsWithoutRevenue: 1,
      eventsWithUnreadableRevenue: 2,
      eventsWithNegativeRevenue: 1,
    });
  });
  it("keeps per-user state bounded: 600 events of one user in one window grow no item", async () => {
    await send("busy", ["busy-u"], 12_600_001);
    now = S + 48 * H;
    await postReceipt(
      customReceiptBatch(mapping, [
        { messageId: ref("busy", "busy-u"), status: "DELIVERED", time: new Date(S + MIN).toISOString() },
      ]),
    );
    await api.drain();
    const events = Array.from({ length: 600 }, (_, k) => ({
      eventId: `busy-${k}`,
      userId: "busy-u",
      name: "Purchase",
      time: new Date(S + 2 * MIN + k * 1000).toISOString(),
      attributes: { order_value: 1 },
    }));
    for (let i = 0; i < events.length; i += 500) await postEvents(events.slice(i, i + 500));
    await api.drain();
    const a = await api.analytics("shop", "bf", key, { instanceId: "busy" });
    expect(a.conversions).toMatchObject({ conversionEvents: 600, conversions: 1 });
    expect(a.revenue.total).toBe("600.00");

    // Every item of the user's partition (the window and each kept event) stays small: nothing holds a
    // list of counted events (DynamoDB refuses items over 400 KB).
    const items = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.userPartition("shop", "busy-u") },
      }),
    );
    expect(items.Items).toHaveLength(601);
    const largest = Math.max(...(items.Items ?? []).map((i) => Buffer.byteLength(JSON.stringify(i))));
    expect(largest).toBeLessThan(2_000);
  });
});
