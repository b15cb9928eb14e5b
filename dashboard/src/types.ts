/** The analytics response: the API's own type (types only; nothing of the API is bundled). */
export type {
  AnalyticsResponse as Analytics,
  SeriesEntry as SeriesDay,
} from "../../lambdas/domain/analytics-response.js";

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
