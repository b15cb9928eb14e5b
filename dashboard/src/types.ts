/** The analytics response of SPEC §4; sections beyond the seed are optional so older APIs still render. */
export interface Analytics {
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
    deliveryRate: number | null;
  };
  clicks: {
    total: number;
    unique: number;
    clickThroughRate: number | null;
    suspectedBots?: number;
    afterExpiry?: number;
    byUrl?: Array<{ url: string; total: number; unique: number }>;
  };
  conversions: {
    goalId: string;
    attributionBasis: "delivered" | "sent";
    conversionEvents: number;
    conversions: number;
    conversionRate: number | null;
  };
  revenue: {
    goalId: string | null;
    total: string;
    averageOrderValue: string | null;
    averageRevenuePerUser: string | null;
  };
  goals: Array<{
    goalId: string;
    eventName: string;
    allGoals: number;
    uniqueGoals: number;
    revenue?: string;
  }>;
  failures: {
    failedToSend: Array<{ reason: string; code: string | null; count: number }>;
    failedToDeliver: Array<{ code: string; description: string | null; count: number }>;
  };
  series: SeriesDay[];
  deliveryLatency?: {
    p50Seconds: number | null;
    p90Seconds: number | null;
    p99Seconds: number | null;
    inTransitOver72h: number;
  };
  provisional?: { openWindows: number; awaitingReceipt: number };
}

export interface SeriesDay {
  date: string;
  sent: number;
  delivered: number;
  clicks: number;
  conversionEvents: number;
  conversions: number;
  revenue: string;
}

/** One entry of `GET /v1/apps/{appId}/campaigns`; `headline` is present once the API carries it. */
export interface CampaignSummary {
  campaignId: string;
  name: string;
  connectorId: string;
  provider?: string;
  headline?: {
    sent: number;
    delivered: number;
    deliveryRate?: number | null;
    clicks: number;
    uniqueClicks?: number;
    conversions: number;
    revenue: string;
    /** True while receipts are awaited or conversion windows are open. */
    provisional?: boolean;
  };
}

/** What the detail page queries: every field optional (all instances, all dates). */
export interface AnalyticsFilter {
  instanceId?: string;
  from?: string;
  to?: string;
}
