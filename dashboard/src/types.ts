/** The API's own response types (types only; nothing of the API is bundled). */
export type {
  AnalyticsResponse as Analytics,
  Headline,
  SeriesEntry as SeriesDay,
} from "../../lambdas/domain/analytics-response.js";

import type { Headline } from "../../lambdas/domain/analytics-response.js";

/** A campaign as `GET /v1/apps/{appId}/campaigns[/{campaignId}]` answers it (the fields the dashboard reads). */
export interface Campaign {
  campaignId: string;
  name: string;
  connectorId: string;
  provider?: string;
  archivedAt?: string | null;
  /** On the list: whether the campaign is archived (no new sends; its numbers stay readable). */
  archived?: boolean;
  /** True when its connector is a sandbox connector: simulated receipts, not real messages. */
  sandbox?: boolean;
}

/** One entry of the campaign list, with its all-time headline numbers. */
export interface CampaignSummary extends Campaign {
  headline?: Headline;
}

/** `GET /v1/apps/{appId}/campaigns`. */
export interface CampaignList {
  appId: string;
  currency: string;
  timezone: string;
  campaigns: CampaignSummary[];
}

/** One entry of `GET …/campaigns/{campaignId}/instances` (newest first); times are ISO-8601 UTC. */
export interface Instance {
  instanceId: string;
  firstSendAt: string;
  lastSendAt: string;
  headline: Headline;
}

/** What the detail page queries: every field optional (all instances, all dates). */
export interface AnalyticsFilter {
  instanceId?: string;
  from?: string;
  to?: string;
}
