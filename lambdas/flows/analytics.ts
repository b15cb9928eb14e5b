import { type AnalyticsResponse, buildAnalytics, headline, seriesCsv } from "../domain/analytics.js";
import { type Campaign, hasExperiment } from "../domain/campaign.js";
import type { DailyCounters } from "../domain/counters.js";
import { NotFoundError } from "../domain/errors.js";
import { CONTROL_ARM } from "../domain/experiment.js";
import type { AppRecord } from "../store/apps.js";
import { getCampaign } from "../store/campaigns.js";
import { readCounters } from "../store/counters.js";
import { instanceExists } from "../store/instances.js";
import { armScope, CAMPAIGN_SCOPE } from "../store/keys.js";

/**
 * Reading analytics: pre-aggregated daily counters only — one Query for the scope's days — whatever the
 * campaign's size.
 */

export interface AnalyticsQuery {
  instanceId?: string;
  /** One experiment arm's numbers only: a variant id, or `control`. */
  variantId?: string;
  from?: string;
  to?: string;
}

/** The arms of a campaign's experiment (its variants, and `control` with a control group); none without one. */
function armsOf(campaign: Campaign): string[] {
  if (!hasExperiment(campaign) || campaign.variants === null) return [];
  const variants = campaign.variants.map((v) => v.variantId);
  return campaign.controlGroupPercent > 0 ? [...variants, CONTROL_ARM] : variants;
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
  if (query.variantId !== undefined && !armsOf(campaign).includes(query.variantId)) {
    throw new NotFoundError(
      `Campaign ${campaignId} has no experiment arm "${query.variantId}" (its arms: ${armsOf(campaign).join(", ") || "none"})`,
    );
  }
  return analyticsOf(app, campaign, query, nowMs, { experiment: true });
}

/**
 * The analytics of a known campaign: one Query for the scope's days, plus one per experiment arm when
 * `experiment` is asked for and the campaign runs one (at most 6: 5 variants and the control group).
 */
export async function analyticsOf(
  app: AppRecord,
  campaign: Campaign,
  query: AnalyticsQuery,
  nowMs: number,
  options: { experiment?: boolean } = {},
): Promise<AnalyticsResponse> {
  const scope = query.instanceId ?? CAMPAIGN_SCOPE;
  const read = (s: string) =>
    readCounters({
      appId: app.appId,
      campaignId: campaign.campaignId,
      scope: s,
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
    });
  const arms = options.experiment ? armsOf(campaign) : [];
  const [counters, ...armCounters] = await Promise.all([
    read(query.variantId === undefined ? scope : armScope(scope, query.variantId)),
    ...arms.map((arm) => read(armScope(scope, arm))),
  ]);
  return buildAnalytics({
    app,
    campaign,
    instanceId: query.instanceId ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    counters: counters as DailyCounters,
    nowMs,
    ...(arms.length > 0 && campaign.variants
      ? {
          experiment: {
            controlGroupPercent: campaign.controlGroupPercent,
            variants: campaign.variants,
            arms: new Map(arms.map((arm, i) => [arm, armCounters[i] as DailyCounters])),
          },
        }
      : {}),
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
