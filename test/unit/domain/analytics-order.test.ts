import Big from "big.js";
import { describe, expect, it } from "vitest";
import { buildAnalytics } from "../../../lambdas/domain/analytics.js";
import { fields } from "../../../lambdas/domain/counter-fields.js";
import type { DailyCounters } from "../../../lambdas/domain/counters.js";

function analyticsOf(entries: Array<[string, number]>): { failures: { failedToSend: unknown } } {
  const counters: DailyCounters = new Map([
    ["2026-11-20", new Map(entries.map(([f, v]) => [f, new Big(v)]))],
  ]);
  const built = buildAnalytics({
    app: { appId: "a", timezone: "UTC", currency: "USD" },
    campaign: {
      campaignId: "c",
      goals: [{ goalId: "g", eventName: "E" }],
      primaryGoalId: "g",
      revenueGoalId: null,
      attributionBasis: "delivered",
      clickTracking: false,
    },
    instanceId: null,
    from: null,
    to: null,
    counters,
    nowMs: 0,
  });
  return built;
}

describe("failure tables", () => {
  it("order rows with equal counts and reasons by code, whatever order the counters come in", () => {
    const rows = [
      [fields.failedToSendBy("PROVIDER_ERROR", "500"), 1],
      [fields.failedToSendBy("PROVIDER_ERROR", "202"), 1],
      [fields.failedToSendBy("INVALID_NUMBER", null), 1],
      [fields.failedToSendBy("PROVIDER_ERROR", "175"), 2],
    ] as Array<[string, number]>;
    const expected = [
      { reason: "PROVIDER_ERROR", code: "175", count: 2 },
      { reason: "INVALID_NUMBER", code: null, count: 1 },
      { reason: "PROVIDER_ERROR", code: "202", count: 1 },
      { reason: "PROVIDER_ERROR", code: "500", count: 1 },
    ];
    expect(analyticsOf(rows).failures.failedToSend).toEqual(expected);
    expect(analyticsOf([...rows].reverse()).failures.failedToSend).toEqual(expected);
  });
});
