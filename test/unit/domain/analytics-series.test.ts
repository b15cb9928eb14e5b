import Big from "big.js";
import { describe, expect, it } from "vitest";
import { buildAnalytics, seriesCsv } from "../../../lambdas/domain/analytics.js";
import { costFields } from "../../../lambdas/domain/cost.js";
import { fields } from "../../../lambdas/domain/counter-fields.js";
import type { DailyCounters } from "../../../lambdas/domain/counters.js";

const day = (entries: Array<[string, number]>): Map<string, Big> =>
  new Map(entries.map(([f, v]) => [f, new Big(v)]));

/** Three days of counters: sends with failures, receipts, taps (clickers on first-tap days), purchases. */
const counters: DailyCounters = new Map([
  [
    "2026-11-20",
    day([
      [fields.sent, 5],
      [fields.failedToSend, 2],
      [fields.delivered, 3],
      [fields.failedToDeliver, 1],
      [fields.clicks, 4],
      [fields.clickers, 2],
      [fields.goalEvents("purchase"), 2],
      [fields.goalUsers("purchase"), 1],
      [fields.goalRevenue("purchase"), 12.5],
      [fields.goalEventsWithoutRevenue("purchase"), 1],
      // 5 sent: 7 segments at 0.0075 USD.
      [costFields.segments, 7],
      [costFields.pricedSegments("USD"), 7],
    ]),
  ],
  [
    "2026-11-22",
    day([
      [fields.delivered, 1],
      [fields.failedToDeliver, 1],
      [fields.clicks, 3],
      [fields.clickers, 1],
      [fields.goalEvents("purchase"), 2],
      [fields.goalEventsWithUnreadableRevenue("purchase"), 1],
      [fields.goalEventsWithNegativeRevenue("purchase"), 1],
    ]),
  ],
]);

counters.get("2026-11-20")?.set(costFields.amount("USD"), new Big("0.0525"));

const a = buildAnalytics({
  app: { appId: "a", timezone: "UTC", currency: "USD" },
  campaign: {
    campaignId: "c",
    goals: [{ goalId: "purchase", eventName: "Purchase" }],
    primaryGoalId: "purchase",
    revenueGoalId: "purchase",
    attributionBasis: "delivered",
    clickTracking: true,
  },
  instanceId: null,
  from: null,
  to: null,
  counters,
  nowMs: 0,
});

describe("the daily series", () => {
  it("carries unique clicks and both failure counts per day, and the totals are its sums", () => {
    expect(a.series.map((d) => [d.date, d.uniqueClicks, d.failedToSend, d.failedToDeliver])).toEqual([
      ["2026-11-20", 2, 2, 1],
      ["2026-11-21", 0, 0, 0],
      ["2026-11-22", 1, 0, 1],
    ]);
    const sum = (k: "uniqueClicks" | "failedToSend" | "failedToDeliver" | "clicks"): number =>
      a.series.reduce((s, d) => s + d[k], 0);
    expect(sum("uniqueClicks")).toBe(a.clicks.unique);
    expect(sum("failedToSend")).toBe(a.delivery.failedToSend);
    expect(sum("failedToDeliver")).toBe(a.delivery.failedToDeliver);
    expect(sum("clicks")).toBe(a.clicks.total);
  });

  it("reports revenue-goal events whose revenue was missing, unreadable or negative apart", () => {
    expect(a.revenue).toMatchObject({
      total: "12.50",
      eventsWithoutRevenue: 1,
      eventsWithUnreadableRevenue: 1,
      eventsWithNegativeRevenue: 1,
    });
  });

  it("carries segments and exact cost per day, and the cost section sums them", () => {
    expect(a.series.map((d) => [d.date, d.segments, d.cost])).toEqual([
      ["2026-11-20", 7, "0.0525"],
      ["2026-11-21", 0, "0.00"],
      ["2026-11-22", 0, "0.00"],
    ]);
    expect(a.cost).toEqual({
      segments: 7,
      currency: "USD",
      total: "0.0525",
      perDelivered: "0.013125", // 0.0525 ÷ 4 delivered
      perConversion: "0.0525", // ÷ 1 converter
      returnOnSpend: 238.1, // 12.50 ÷ 0.0525 = 238.095…
      unpricedSegments: 0,
      byCurrency: [{ currency: "USD", segments: 7, total: "0.0525" }],
    });
  });

  it("writes the series as CSV, the new columns after the original ones", () => {
    expect(seriesCsv(a.series)).toBe(
      "date,sent,delivered,clicks,conversionEvents,conversions,revenue,uniqueClicks,failedToSend,failedToDeliver,segments,cost\r\n" +
        "2026-11-20,5,3,4,2,1,12.50,2,2,1,7,0.0525\r\n" +
        "2026-11-21,0,0,0,0,0,0.00,0,0,0,0,0.00\r\n" +
        "2026-11-22,0,1,3,2,0,0.00,1,0,1,0,0.00\r\n",
    );
  });
});
