import type { CostSection } from "./cost.js";

/**
 * The analytics response (SPEC §4) as types only — shared by the API (domain/analytics) and the
 * dashboard, so both read the same contract. Every field is defined in domain/metric-dictionary.
 */
export interface SeriesEntry {
  date: string;
  sent: number;
  delivered: number;
  clicks: number;
  conversionEvents: number;
  conversions: number;
  revenue: string;
  uniqueClicks: number;
  failedToSend: number;
  failedToDeliver: number;
  /** SMS segments of the messages sent that day. */
  segments: number;
  /** Their exact cost in `cost.currency`; null when the response's cost has no single currency. */
  cost: string | null;
}

type Rate = number | null;
type Money = string;

export interface AnalyticsResponse {
  appId: string;
  campaignId: string;
  instanceId: string | null;
  timezone: string;
  currency: string;
  from: string | null;
  to: string | null;
  delivery: {
    sent: number;
    failedToSend: number;
    delivered: number;
    failedToDeliver: number;
    inTransit: number;
    pendingDeliveryConfirmation: number;
    deliveryRate: Rate;
  };
  clicks: {
    total: number;
    unique: number;
    clickThroughRate: Rate;
    suspectedBots: number;
    afterExpiry: number;
    byUrl: Array<{ url: string; total: number; unique: number }>;
  };
  conversions: {
    goalId: string;
    attributionBasis: "delivered" | "sent";
    conversionEvents: number;
    conversions: number;
    conversionRate: Rate;
  };
  revenue: {
    goalId: string | null;
    total: Money;
    averageOrderValue: Money | null;
    averageRevenuePerUser: Money | null;
    eventsWithoutRevenue: number;
    eventsWithUnreadableRevenue: number;
    eventsWithNegativeRevenue: number;
  };
  goals: Array<{ goalId: string; eventName: string; allGoals: number; uniqueGoals: number; revenue?: Money }>;
  failures: {
    failedToSend: Array<{ reason: string; code: string | null; count: number }>;
    failedToDeliver: Array<{ code: string; description: string | null; count: number }>;
  };
  series: SeriesEntry[];
  deliveryLatency: { p50Seconds: Rate; p90Seconds: Rate; p99Seconds: Rate; inTransitOver72h: number };
  breakdowns: {
    byCountry: Array<{ country: string } & BreakdownRow>;
    byProvider: Array<{ provider: string } & BreakdownRow>;
  };
  provisional: { openWindows: number; awaitingReceipt: number };
  conversionsBySendDate: Array<{ date: string; conversionEvents: number; conversions: number }>;
  cost: CostSection;
  /** Null when the campaign runs no experiment (no control group and a plain message). */
  experiment: Experiment | null;
}

export interface UpliftResult {
  absolute: Rate;
  relative: Rate;
  pValue: number | null;
  significant: boolean;
}

export interface ExperimentVariant {
  variantId: string;
  weight: number;
  sent: number;
  delivered: number;
  clicks: number;
  uniqueClicks: number;
  conversionEvents: number;
  conversions: number;
  conversionRate: Rate;
  revenue: Money;
  uplift: UpliftResult;
}

export interface Experiment {
  controlGroupPercent: number;
  controlGroup: { users: number; conversions: number; conversionRate: Rate };
  /** What each variant's uplift is measured against: the control group, or the first variant. */
  comparedWith: "controlGroup" | "firstVariant";
  variants: ExperimentVariant[];
}

/**
 * A campaign's or an instance's all-time headline numbers, as the campaign list and the instance list
 * carry them (a type alias, so it stays assignable to plain JSON records).
 */
export type Headline = {
  sent: number;
  failedToSend: number;
  delivered: number;
  failedToDeliver: number;
  deliveryRate: Rate;
  clicks: number;
  uniqueClicks: number;
  conversions: number;
  conversionRate: Rate;
  revenue: Money;
  /** Exact cost of what was sent (analytics `cost.total`), in `costCurrency`; null when not one currency. */
  cost: Money | null;
  costCurrency: string | null;
  /** Revenue ÷ cost (analytics `cost.returnOnSpend`). */
  returnOnSpend: number | null;
  /** True while receipts are awaited or conversion windows are open. */
  provisional: boolean;
};

export interface BreakdownRow {
  sent: number;
  delivered: number;
  failedToDeliver: number;
  clicks: number;
}
