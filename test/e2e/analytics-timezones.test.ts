import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dictionaryMarkdown, leafPaths, metricDictionary } from "../../lambdas/domain/metric-dictionary.js";
import { setClock } from "../../lambdas/platform/clock.js";
import {
  deliverReceipt,
  type GupshupSimulator,
  gupshupQueryReceipt,
  startGupshupSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * One campaign with two instances, the same facts for three apps in three time zones: UTC,
 * America/New_York (DST ends on 2026-11-01, inside the range) and Asia/Kathmandu (+05:45).
 * Every field of the response is pinned.
 */
const T = (iso: string) => Date.parse(iso);
const A = T("2026-10-31T22:00:00Z"); // instance i1 sent
const B = T("2026-11-01T12:00:00Z"); // instance i2 sent
const C = T("2026-11-04T13:00:00Z"); // receipts, events, the tap and the queries (i2's u4 in transit 73 h)
const phone = { u1: "+919811111111", u2: "+919822222222", u3: "+919833333333", u4: "+919844444444" };

let api: Api;
let sim: GupshupSimulator;
const keys: Record<string, string> = {};

async function runScenario(appId: string, timezone: string): Promise<void> {
  const key = await api.createApp(appId, timezone, "USD");
  keys[appId] = key;
  const webhookUrl = await api.putConnector(
    `/v1/apps/${appId}/connectors/gs`,
    {
      provider: "gupshup",
      gupshup: { userId: "u", password: "p", baseUrl: sim.url },
      pricing: { currency: "USD", perSegment: "0.0075", byCountry: { IN: "0.0021" } },
    },
    key,
  );
  await api.putCampaign(
    `/v1/apps/${appId}/campaigns/bf`,
    {
      name: "BF",
      connectorId: "gs",
      clickTracking: true,
      goals: [
        { goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" },
        { goalId: "signup", eventName: "Signup" },
      ],
    },
    key,
  );
  const send = async (instanceId: string, users: Array<keyof typeof phone>) => {
    const r = await api.call(
      "POST",
      `/v1/apps/${appId}/campaigns/bf/instances/${instanceId}/sends`,
      {
        message: "Deals: https://shop.example/bf",
        recipients: users.map((u) => ({ userId: u, phone: phone[u] })),
      },
      key,
    );
    expect(r.status).toBe(202);
    await api.drain();
  };
  const acceptedBefore = sim.accepted.length;
  setClock(() => A);
  await send("i1", ["u1", "u2", "u3"]);
  setClock(() => B);
  await send("i2", ["u1", "u4"]);
  // Sends within a job run in parallel: find each message by phone (i1 was sent before i2).
  const accepted = sim.accepted.slice(acceptedBefore);
  const idsOf = (p: string) =>
    accepted.filter((a) => a.phone.replace(/\D/g, "") === p.slice(1)).map((a) => a.providerMessageId);
  const [i1u1 = "", i2u1 = ""] = idsOf(phone.u1);
  const [i1u2 = ""] = idsOf(phone.u2);

  setClock(() => C);
  const receipts = [
    gupshupQueryReceipt({
      externalId: i1u1,
      status: "SUCCESS",
      cause: "SUCCESS",
      errCode: "000",
      deliveredTS: A + 60_000,
    }),
    gupshupQueryReceipt({
      externalId: i1u2,
      status: "FAILURE",
      cause: "ABSENT_SUBSCRIBER",
      errCode: "001",
      deliveredTS: A + 120_000,
    }),
    gupshupQueryReceipt({
      externalId: i2u1,
      status: "SUCCESS",
      cause: "SUCCESS",
      errCode: "000",
      deliveredTS: B + 30_000,
    }),
  ];
  for (const r of receipts) expect((await deliverReceipt(webhookUrl, r)).status).toBe(200);
  await api.drain();
  const events = await api.call(
    "POST",
    `/v1/apps/${appId}/events`,
    {
      events: [
        {
          eventId: "ev1",
          userId: "u1",
          name: "Purchase",
          time: "2026-11-01T03:30:00Z",
          attributes: { order_value: 10 },
        },
        {
          eventId: "ev2",
          userId: "u1",
          name: "Purchase",
          time: "2026-11-01T08:00:00-05:00",
          attributes: { order_value: "5.5" },
        },
        {
          eventId: "ev3",
          userId: "u2",
          name: "Purchase",
          time: "2026-11-01T05:00:00Z",
          attributes: { order_value: 99 },
        },
      ],
    },
    key,
  );
  expect(events.body).toEqual({ accepted: 3, duplicates: 0 });
  await api.drain();
  // This app's two messages to u1 are the last two to that phone; the first of them is i1's.
  const toU1 = sim.requests.filter((q) => (q.body as Record<string, string>).send_to === phone.u1.slice(1));
  const i1Text = (toU1[toU1.length - 2]?.body as Record<string, string> | undefined)?.msg ?? "";
  const i1Code = /\/l\/([0-9A-Za-z]{14})/.exec(i1Text)?.[1];
  const tap = await fetch(`${api.url}/l/${i1Code}`, {
    redirect: "manual",
    headers: { "user-agent": "Mozilla/5.0 (iPhone) Mobile Safari" },
  });
  expect(tap.status).toBe(302);
  await api.drain();
}

beforeAll(async () => {
  api = await startProduct();
  sim = await startGupshupSimulator();
  sim.script(phone.u3, {
    kind: "error",
    code: "175",
    text: "The 'INTERNATIONAL_PHONE' service is disabled for you",
  });
  await runScenario("tz-utc", "UTC");
  await runScenario("tz-ny", "America/New_York");
  await runScenario("tz-ktm", "Asia/Kathmandu");
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

const zeroDay = {
  sent: 0,
  delivered: 0,
  clicks: 0,
  conversionEvents: 0,
  conversions: 0,
  revenue: "0.00",
  uniqueClicks: 0,
  failedToSend: 0,
  failedToDeliver: 0,
  segments: 0,
  cost: "0.00",
};

describe("analytics in three time zones", () => {
  it("pins every field of the campaign response (UTC)", async () => {
    const a = await api.analytics("tz-utc", "bf", keys["tz-utc"] as string);
    expect(a).toEqual({
      appId: "tz-utc",
      campaignId: "bf",
      instanceId: null,
      timezone: "UTC",
      currency: "USD",
      from: null,
      to: null,
      delivery: {
        sent: 4,
        failedToSend: 1,
        delivered: 2,
        failedToDeliver: 1,
        inTransit: 1,
        pendingDeliveryConfirmation: 0,
        deliveryRate: 50,
      },
      clicks: {
        total: 1,
        unique: 1,
        clickThroughRate: 50,
        suspectedBots: 0,
        afterExpiry: 0,
        byUrl: [{ url: "https://shop.example/bf", total: 1, unique: 1 }],
      },
      conversions: {
        goalId: "purchase",
        attributionBasis: "delivered",
        conversionEvents: 2,
        conversions: 2,
        conversionRate: 100,
      },
      revenue: {
        goalId: "purchase",
        total: "15.50",
        averageOrderValue: "7.75",
        averageRevenuePerUser: "7.75",
        eventsWithoutRevenue: 0,
        eventsWithUnreadableRevenue: 0,
        eventsWithNegativeRevenue: 0,
      },
      goals: [
        { goalId: "purchase", eventName: "Purchase", allGoals: 2, uniqueGoals: 2, revenue: "15.50" },
        { goalId: "signup", eventName: "Signup", allGoals: 0, uniqueGoals: 0 },
      ],
      failures: {
        failedToSend: [{ reason: "PROVIDER_ERROR", code: "175", count: 1 }],
        failedToDeliver: [{ code: "001", description: "ABSENT_SUBSCRIBER", count: 1 }],
      },
      series: [
        {
          date: "2026-10-31",
          sent: 2,
          delivered: 1,
          clicks: 0,
          conversionEvents: 0,
          conversions: 0,
          revenue: "0.00",
          uniqueClicks: 0,
          failedToSend: 1,
          failedToDeliver: 1,
          segments: 2,
          cost: "0.0042",
        },
        {
          date: "2026-11-01",
          sent: 2,
          delivered: 1,
          clicks: 0,
          conversionEvents: 2,
          conversions: 2,
          revenue: "15.50",
          uniqueClicks: 0,
          failedToSend: 0,
          failedToDeliver: 0,
          segments: 2,
          cost: "0.0042",
        },
        { date: "2026-11-02", ...zeroDay },
        { date: "2026-11-03", ...zeroDay },
        { date: "2026-11-04", ...zeroDay, clicks: 1, uniqueClicks: 1 },
      ],
      deliveryLatency: { p50Seconds: 30, p90Seconds: 60, p99Seconds: 60, inTransitOver72h: 1 },
      breakdowns: {
        byCountry: [{ country: "IN", sent: 4, delivered: 2, failedToDeliver: 1, clicks: 1 }],
        byProvider: [{ provider: "gupshup", sent: 4, delivered: 2, failedToDeliver: 1, clicks: 1 }],
      },
      provisional: { openWindows: 0, awaitingReceipt: 1 },
      conversionsBySendDate: [
        { date: "2026-10-31", conversionEvents: 1, conversions: 1 },
        { date: "2026-11-01", conversionEvents: 1, conversions: 1 },
        { date: "2026-11-02", conversionEvents: 0, conversions: 0 },
        { date: "2026-11-03", conversionEvents: 0, conversions: 0 },
        { date: "2026-11-04", conversionEvents: 0, conversions: 0 },
      ],
      experiment: null,
      // 4 sent to Indian numbers, one segment each at 0.0021 (failed to deliver too; failed to send not).
      cost: {
        segments: 4,
        currency: "USD",
        total: "0.0084",
        perDelivered: "0.0042",
        perConversion: "0.0042",
        returnOnSpend: 1845.24,
        unpricedSegments: 0,
        byCurrency: [{ currency: "USD", segments: 4, total: "0.0084" }],
      },
    });
  });

  it("answers 404 for an instance no sends request named, instead of zeros", async () => {
    const key = keys["tz-utc"] as string;
    const r = await api.call("GET", "/v1/apps/tz-utc/campaigns/bf/analytics?instanceId=i9", undefined, key);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
    expect(r.body.error.message).toMatch(/i9/);
    // Instance ids are per campaign: another campaign's instance is unknown here too.
    const other = await api.call(
      "GET",
      "/v1/apps/tz-utc/campaigns/nope/analytics?instanceId=i1",
      undefined,
      key,
    );
    expect(other.status).toBe(404);
  });

  it("splits the campaign into its instances, which add up to it", async () => {
    const key = keys["tz-utc"] as string;
    const i1 = await api.analytics("tz-utc", "bf", key, { instanceId: "i1" });
    const i2 = await api.analytics("tz-utc", "bf", key, { instanceId: "i2" });
    expect(i1.instanceId).toBe("i1");
    expect(i1.delivery).toEqual({
      sent: 2,
      failedToSend: 1,
      delivered: 1,
      failedToDeliver: 1,
      inTransit: 0,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 50,
    });
    expect(i2.delivery).toEqual({
      sent: 2,
      failedToSend: 0,
      delivered: 1,
      failedToDeliver: 0,
      inTransit: 1,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 50,
    });
    // ev2 fell inside both windows: it counts once for the campaign, for i2 (the window that started last).
    expect(i1.conversions).toMatchObject({ conversionEvents: 1, conversions: 1, conversionRate: 100 });
    expect(i2.conversions).toMatchObject({ conversionEvents: 1, conversions: 1, conversionRate: 100 });
    expect(i1.revenue.total).toBe("10.00");
    expect(i2.revenue.total).toBe("5.50");
    expect(i1.clicks).toMatchObject({ total: 1, unique: 1, clickThroughRate: 100 });
    expect(i2.clicks).toMatchObject({ total: 0, unique: 0, clickThroughRate: 0 });
    expect(i1.deliveryLatency).toMatchObject({ p50Seconds: 60, inTransitOver72h: 0 });
    expect(i2.deliveryLatency).toMatchObject({ p50Seconds: 30, inTransitOver72h: 1 });
  });

  it("buckets by the app's day across the DST change (America/New_York)", async () => {
    const a = await api.analytics("tz-ny", "bf", keys["tz-ny"] as string);
    expect(a.timezone).toBe("America/New_York");
    expect(a.series).toEqual([
      // ev1 (03:30Z on Nov 1) is still Oct 31 in New York (23:30 EDT); i1 was sent at 18:00 EDT.
      {
        date: "2026-10-31",
        sent: 2,
        delivered: 1,
        clicks: 0,
        conversionEvents: 1,
        conversions: 1,
        revenue: "10.00",
        uniqueClicks: 0,
        failedToSend: 1,
        failedToDeliver: 1,
        segments: 2,
        cost: "0.0042",
      },
      {
        date: "2026-11-01",
        sent: 2,
        delivered: 1,
        clicks: 0,
        conversionEvents: 1,
        conversions: 1,
        revenue: "5.50",
        uniqueClicks: 0,
        failedToSend: 0,
        failedToDeliver: 0,
        segments: 2,
        cost: "0.0042",
      },
      { date: "2026-11-02", ...zeroDay },
      { date: "2026-11-03", ...zeroDay },
      // The tap at 13:00Z on Nov 4 is 08:00 EST.
      { date: "2026-11-04", ...zeroDay, clicks: 1, uniqueClicks: 1 },
    ]);
    const day = await api.analytics("tz-ny", "bf", keys["tz-ny"] as string, {
      from: "2026-10-31",
      to: "2026-10-31",
    });
    expect(day.from).toBe("2026-10-31");
    expect(day.delivery).toEqual({
      sent: 2,
      failedToSend: 1,
      delivered: 1,
      failedToDeliver: 1,
      inTransit: 0,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 50,
    });
    expect(day.conversions).toMatchObject({ conversionEvents: 1, conversions: 1 });
    expect(day.revenue.total).toBe("10.00");
    expect(day.clicks.total).toBe(0);
  });

  it("buckets by the app's day at +05:45 (Asia/Kathmandu), and range totals equal the series", async () => {
    const key = keys["tz-ktm"] as string;
    const a = await api.analytics("tz-ktm", "bf", key, { from: "2026-10-30", to: "2026-11-05" });
    expect(a.series.map((d: { date: string }) => d.date)).toEqual([
      "2026-10-30",
      "2026-10-31",
      "2026-11-01",
      "2026-11-02",
      "2026-11-03",
      "2026-11-04",
      "2026-11-05",
    ]);
    // 22:00Z on Oct 31 is 03:45 on Nov 1 in Kathmandu: everything but the tap lands on Nov 1.
    expect(a.series[2]).toEqual({
      date: "2026-11-01",
      sent: 4,
      delivered: 2,
      clicks: 0,
      conversionEvents: 2,
      conversions: 2,
      revenue: "15.50",
      uniqueClicks: 0,
      failedToSend: 1,
      failedToDeliver: 1,
      segments: 4,
      cost: "0.0084",
    });
    expect(a.series[4]).toEqual({ date: "2026-11-03", ...zeroDay });
    expect(a.series[5]).toEqual({ date: "2026-11-04", ...zeroDay, clicks: 1, uniqueClicks: 1 });
    const sum = (f: string) => a.series.reduce((s: number, d: Record<string, number>) => s + (d[f] ?? 0), 0);
    expect(sum("sent")).toBe(a.delivery.sent);
    expect(sum("delivered")).toBe(a.delivery.delivered);
    expect(sum("clicks")).toBe(a.clicks.total);
    expect(sum("conversionEvents")).toBe(a.conversions.conversionEvents);
    expect(sum("conversions")).toBe(a.conversions.conversions);
    expect(sum("uniqueClicks")).toBe(a.clicks.unique);
    expect(sum("failedToSend")).toBe(a.delivery.failedToSend);
    expect(sum("failedToDeliver")).toBe(a.delivery.failedToDeliver);
    expect(sum("segments")).toBe(a.cost.segments);
    expect(a.series.map((d: { cost: string }) => d.cost).filter((c: string) => c !== "0.00")).toEqual([
      a.cost.total,
    ]);

    const csv = await api.call(
      "GET",
      "/v1/apps/tz-ktm/campaigns/bf/analytics?from=2026-11-01&to=2026-11-04&format=csv",
      undefined,
      key,
    );
    expect(csv.status).toBe(200);
    expect(csv.body).toBe(
      "date,sent,delivered,clicks,conversionEvents,conversions,revenue,uniqueClicks,failedToSend,failedToDeliver,segments,cost\r\n" +
        "2026-11-01,4,2,0,2,2,15.50,0,1,1,4,0.0084\r\n" +
        "2026-11-02,0,0,0,0,0,0.00,0,0,0,0,0.00\r\n" +
        "2026-11-03,0,0,0,0,0,0.00,0,0,0,0,0.00\r\n" +
        "2026-11-04,0,0,1,0,0,0.00,1,0,0,0,0.00\r\n",
    );
  });

  it("rejects bad ranges precisely", async () => {
    const key = keys["tz-utc"] as string;
    const bad = async (q: string) =>
      (await api.call("GET", `/v1/apps/tz-utc/campaigns/bf/analytics?${q}`, undefined, key)).body.error;
    expect((await bad("from=2026-02-30")).details[0].field).toBe("from");
    expect((await bad("from=2026-11-05&to=2026-11-01")).details[0]).toMatchObject({ field: "from" });
    expect((await bad("from=2025-01-01&to=2026-11-01")).details[0].problem).toMatch(/at most 366/);
    expect((await bad("format=xml")).details[0].field).toBe("format");
  });

  it("lists campaigns with their headline numbers", async () => {
    const r = await api.call("GET", "/v1/apps/tz-utc/campaigns", undefined, keys["tz-utc"]);
    expect(r.body.campaigns).toHaveLength(1);
    expect(r.body.campaigns[0].headline).toEqual({
      sent: 4,
      failedToSend: 1,
      delivered: 2,
      failedToDeliver: 1,
      deliveryRate: 50,
      clicks: 1,
      uniqueClicks: 1,
      conversions: 2,
      conversionRate: 100,
      revenue: "15.50",
      cost: "0.0084", // 4 sent to Indian numbers, one segment each at 0.0021
      costCurrency: "USD",
      returnOnSpend: 1845.24, // 15.50 ÷ 0.0084 = 1845.238…
      provisional: true,
    });
  });

  it("documents every field of the response in the metric dictionary, and the README shows it", async () => {
    const a = await api.analytics("tz-utc", "bf", keys["tz-utc"] as string);
    // No experiment here (`experiment` is null); its fields are checked in experiments.test.ts.
    const paths = metricDictionary.map((m) => m.path).filter((p) => !p.startsWith("experiment."));
    expect(leafPaths(a).sort()).toEqual(paths.sort());
    expect(readFileSync("README.md", "utf8")).toContain(dictionaryMarkdown());
  });
});
