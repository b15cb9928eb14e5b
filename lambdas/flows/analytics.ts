import { type AnalyticsResponse, buildAnalytics, headline, seriesCsv } from "../domain/analytics.js";
import type { Campaign } from "../domain/campaign.js";
import type { DailyCounters } from "../domain/counters.js";
import { NotFoundError } from "../domain/errors.js";
import type { AppRecord } from "../store/apps.js";
import { getCampaign } from "../store/campaigns.js";
import { readCounters } from "../store/counters.js";
import { instanceExists } from "../store/instances.js";
import { CAMPAIGN_SCOPE } from "../store/keys.js";

/**
 * Reading analytics: pre-aggregated daily counters only — one Query for the scope's days — whatever the
 * campaign's size.
 */

export interface AnalyticsQuery {
  instanceId?: string;
  from?: string;
  to?: string;
}

/**
 * @throws NotFoundError for an unknown campaign, or an instance no sends request ever named (issue 13
 *   §3: a mistyped `instanceId` must not read as a campaign with nothing sent)
 * @throws DynamoDB errors
 */
export async function campaignAnalytics(
  app: AppRecord,
  campaignId: string,
  query: AnalyticsQuery,
  nowMs: number,
): Promise<AnalyticsResponse> {
  const [campaign, instanceKnown] = await Promise.all([
    getCampaign(app.appId, campaignId),
    query.instanceId === undefined ? true : instanceExists(app.appId, campaignId, query.instanceId),
  ]);
  if (!campaign) throw new NotFoundError(`Campaign ${campaignId} does not exist in this app`);
  if (!instanceKnown)
    throw new NotFoundError(
      `Instance ${query.instanceId} of campaign ${campaignId} has no sends in this app`,
    );
  return analyticsOf(app, campaign, query, nowMs);
}

/** The analytics of a known campaign. */
export async function analyticsOf(
  app: AppRecord,
  campaign: Campaign,
  query: AnalyticsQuery,
  nowMs: number,
): Promise<AnalyticsResponse> {
  const counters = await readCounters({
    appId: app.appId,
    campaignId: campaign.campaignId,
    scope: query.instanceId ?? CAMPAIGN_SCOPE,
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
  });
  return buildAnalytics({
    app,
    campaign,
    instanceId: query.instanceId ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    counters,
    nowMs,
  });
}

/** Headline numbers of a campaign (all time). */
export async function campaignHeadline(
  app: AppRecord,
  campaign: Campaign,
  nowMs: number,
): Promise<Record<string, unknown>> {
  return headline(await analyticsOf(app, campaign, {}, nowMs));
}

/** Headline numbers of one scope (the campaign, or an instance) from its counters (all time). */
export function headlineOf(
  app: AppRecord,
  campaign: Campaign,
  instanceId: string | null,
  counters: DailyCounters,
  nowMs: number,
): Record<string, unknown> {
  return headline(buildAnalytics({ app, campaign, instanceId, from: null, to: null, counters, nowMs }));
}

/** The `format=csv` answer: the response's daily series, one row a day (domain/analytics `seriesCsv`). */
export function analyticsCsv(analytics: AnalyticsResponse): string {
  return seriesCsv(analytics.series);
}
