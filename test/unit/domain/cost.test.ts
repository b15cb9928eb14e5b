import Big from "big.js";
import { describe, expect, it } from "vitest";
import {
  changeBetween,
  contributionOf,
  type FactItem,
  sumDeltas,
} from "../../../lambdas/domain/contributions.js";
import {
  billingOf,
  type CostTotals,
  costFields,
  costSection,
  formatCost,
  formatPerUnit,
  type MessageBilling,
  segmentPrice,
} from "../../../lambdas/domain/cost.js";
import type { MessageRecord, MessageStatus } from "../../../lambdas/domain/message-state.js";

const PRICING = { currency: "USD", perSegment: "0.0075", byCountry: { IN: "0.0021" } };
const SENT_AT = Date.UTC(2026, 10, 20, 10);

function message(status: MessageStatus, billing: MessageBilling | null): FactItem {
  const m: MessageRecord = {
    appId: "acme",
    messageId: "m1",
    campaignId: "bf",
    instanceId: "i1",
    userId: "u1",
    connectorId: "k",
    provider: "custom",
    tracked: true,
    windowHours: 36,
    tz: "UTC",
    status,
    queuedAt: SENT_AT,
    sendingAt: SENT_AT,
    sentAt: SENT_AT,
    country: "IN",
    providerMessageId: null,
    deliveredAt: status === "DELIVERED" ? SENT_AT + 5_000 : null,
    failedAt: status === "FAILED" ? SENT_AT + 5_000 : null,
    failCode: status === "FAILED" ? "003" : null,
    failDescription: null,
    notSentReason: status === "NOT_SENT" ? "PROVIDER_ERROR" : status === "OUTCOME_UNKNOWN" ? "X" : null,
    notSentCode: null,
    missing: null,
    billing,
    version: 3,
  };
  return { fact: "message", ...m };
}

/** The cost fields a fact adds, as field → decimal string. */
const costOf = (item: FactItem): Record<string, string> =>
  Object.fromEntries(
    sumDeltas(contributionOf(item))
      .filter((d) => d.field.startsWith("cost|"))
      .map((d) => [d.field, d.by]),
  );

describe("prices", () => {
  it("takes the country's price, else perSegment; null without pricing", () => {
    expect(segmentPrice(PRICING, "IN")).toEqual({ pricePerSegment: "0.0021", currency: "USD" });
    expect(segmentPrice(PRICING, "US")).toEqual({ pricePerSegment: "0.0075", currency: "USD" });
    expect(segmentPrice(PRICING, null)).toEqual({ pricePerSegment: "0.0075", currency: "USD" });
    expect(segmentPrice(undefined, "IN")).toBeNull();
  });

  it("bills the final text's segments at the price of the number's country", () => {
    expect(billingOf("a".repeat(161), PRICING, "IN")).toEqual({
      segments: 2,
      encoding: "GSM-7",
      pricePerSegment: "0.0021",
      currency: "USD",
    });
    expect(billingOf("Hi 👋", undefined, "IN")).toEqual({
      segments: 1,
      encoding: "UCS-2",
      pricePerSegment: null,
      currency: null,
    });
  });
});

describe("cost contributions (through the exactly-once counters)", () => {
  const billing: MessageBilling = {
    segments: 3,
    encoding: "GSM-7",
    pricePerSegment: "0.0021",
    currency: "USD",
  };

  it("counts the segments and exact cost of a message the provider accepted, delivered or not", () => {
    for (const status of ["SENT", "UNTRACKED", "DELIVERED", "FAILED"] as const) {
      expect(costOf(message(status, billing))).toEqual({
        [costFields.segments]: "3",
        [costFields.pricedSegments("USD")]: "3",
        [costFields.amount("USD")]: "0.0063",
      });
    }
  });

  it("counts nothing for a message not sent or whose outcome is unknown", () => {
    for (const status of ["QUEUED", "SENDING", "NOT_SENT", "OUTCOME_UNKNOWN"] as const) {
      expect(costOf(message(status, billing))).toEqual({});
    }
  });

  it("does not move cost when a receipt moves the message, and adds it when a receipt proves a send", () => {
    const moves = (a: MessageStatus, b: MessageStatus) =>
      changeBetween(message(a, billing), message(b, billing)).filter((d) => d.field.startsWith("cost|"));
    expect(moves("SENT", "FAILED")).toEqual([]);
    expect(moves("FAILED", "DELIVERED")).toEqual([]);
    expect(moves("OUTCOME_UNKNOWN", "DELIVERED").map((d) => [d.field, d.by, d.day])).toEqual([
      [costFields.segments, "3", "2026-11-20"],
      [costFields.pricedSegments("USD"), "3", "2026-11-20"],
      [costFields.amount("USD"), "0.0063", "2026-11-20"],
    ]);
  });

  it("counts unpriced segments apart, and nothing for a message recorded before cost existed", () => {
    expect(costOf(message("SENT", { ...billing, pricePerSegment: null, currency: null }))).toEqual({
      [costFields.segments]: "3",
      [costFields.unpricedSegments]: "3",
    });
    expect(costOf(message("SENT", null))).toEqual({});
  });

  it("sums exactly: 1,000 messages of 3 segments at 0.0021 are 6.3 exactly", () => {
    const deltas = Array.from({ length: 1000 }, () => contributionOf(message("SENT", billing))).flat();
    const amount = sumDeltas(deltas).find((d) => d.field === costFields.amount("USD"));
    expect(amount?.by).toBe("6.3");
    // In floating point the same sum is not 6.3.
    let float = 0;
    for (let i = 0; i < 1000; i++) float += 0.0021 * 3;
    expect(float).not.toBe(6.3);
  });
});

describe("formatting", () => {
  it("keeps cost exact, with at least the currency's minor digits", () => {
    expect(formatCost(new Big("0.0225"), "USD")).toBe("0.0225");
    expect(formatCost(new Big("0.03"), "USD")).toBe("0.03");
    expect(formatCost(new Big("1.5"), "USD")).toBe("1.50");
    expect(formatCost(new Big("12"), "JPY")).toBe("12");
    expect(formatCost(new Big("0.5"), "JPY")).toBe("0.5");
    expect(formatCost(new Big("0.1"), "KWD")).toBe("0.100");
  });

  it("rounds a per-unit cost half-even to the minor digits + 4", () => {
    expect(formatPerUnit(new Big("0.0225"), 7, "USD")).toBe("0.003214"); // 0.00321428…
    expect(formatPerUnit(new Big("0.03"), 3, "USD")).toBe("0.01");
    expect(formatPerUnit(new Big("0.0000025"), 1, "USD")).toBe("0.000002"); // tie → even
    expect(formatPerUnit(new Big("10"), 3, "JPY")).toBe("3.3333");
  });
});

describe("the cost section", () => {
  const totals = (byCurrency: Record<string, [number, string]>, unpricedSegments = 0): CostTotals => {
    const entries = Object.entries(byCurrency).map(
      ([c, [segments, amount]]) => [c, { segments, amount: new Big(amount) }] as const,
    );
    const priced = entries.reduce((s, [, e]) => s + e.segments, 0);
    return { segments: priced + unpricedSegments, unpricedSegments, byCurrency: new Map(entries) };
  };
  const section = (t: CostTotals, over: Partial<Parameters<typeof costSection>[0]> = {}) =>
    costSection({
      totals: t,
      appCurrency: "USD",
      delivered: 4,
      conversions: 2,
      revenue: new Big("30"),
      ...over,
    });

  it("divides a cost in the app's currency into per-delivered, per-conversion and return on spend", () => {
    expect(section(totals({ USD: [8, "0.06"] }))).toEqual({
      segments: 8,
      currency: "USD",
      total: "0.06",
      perDelivered: "0.015",
      perConversion: "0.03",
      returnOnSpend: 500,
      unpricedSegments: 0,
      byCurrency: [{ currency: "USD", segments: 8, total: "0.06" }],
    });
  });

  it("has no return on spend when cost and revenue are in different currencies, or there is no revenue goal", () => {
    const inr = section(totals({ INR: [8, "1.6"] }));
    expect(inr).toMatchObject({ currency: "INR", total: "1.60", perDelivered: "0.40", returnOnSpend: null });
    expect(section(totals({ USD: [8, "0.06"] }), { revenue: null }).returnOnSpend).toBeNull();
  });

  it("does not add amounts in different currencies: currency and total null, each in byCurrency", () => {
    expect(section(totals({ USD: [2, "0.015"], EUR: [1, "0.0068"] }))).toEqual({
      segments: 3,
      currency: null,
      total: null,
      perDelivered: null,
      perConversion: null,
      returnOnSpend: null,
      unpricedSegments: 0,
      byCurrency: [
        { currency: "EUR", segments: 1, total: "0.0068" },
        { currency: "USD", segments: 2, total: "0.015" },
      ],
    });
  });

  it("does not pass an unknown cost off as zero", () => {
    // Only unpriced segments: the total is unknown.
    expect(section(totals({}, 5))).toMatchObject({
      segments: 5,
      currency: null,
      total: null,
      unpricedSegments: 5,
    });
    // Some unpriced: the priced part is the total, but no ratio is computed from a partial cost.
    expect(section(totals({ USD: [4, "0.03"] }, 2))).toMatchObject({
      segments: 6,
      currency: "USD",
      total: "0.03",
      perDelivered: null,
      perConversion: null,
      returnOnSpend: null,
      unpricedSegments: 2,
    });
    // Nothing sent: zero in the app's currency.
    expect(section(totals({}), { delivered: 0, conversions: 0 })).toMatchObject({
      segments: 0,
      currency: "USD",
      total: "0.00",
      perDelivered: null,
      returnOnSpend: null,
    });
  });

  it("reports a free connector as zero cost with no return on spend", () => {
    expect(section(totals({ USD: [3, "0"] }))).toMatchObject({
      total: "0.00",
      perDelivered: "0.00",
      returnOnSpend: null,
    });
  });
});
