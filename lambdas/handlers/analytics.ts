import { buildAnalytics, seriesCsv } from "../domain/analytics.js";
import { NotFoundError } from "../http/errors.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { orThrow, parsePath } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { validateAnalyticsQuery } from "../schemas/analytics.js";
import { campaignPath } from "../schemas/path.js";
import { getCampaign } from "../store/campaigns.js";
import { readCounters } from "../store/counters.js";
import { CAMPAIGN_SCOPE } from "../store/keys.js";

/**
 * `GET …/campaigns/{campaignId}/analytics`: reads pre-aggregated daily counters only — the key
 * lookup, the app, the campaign and one Query per counter shard — whatever the campaign's size.
 */
export const handler = jsonHandler(async (event) => {
  const app = appOf(event);
  const { campaignId } = parsePath(campaignPath, event);
  const query = orThrow(validateAnalyticsQuery(event.queryStringParameters));
  const campaign = await getCampaign(app.appId, campaignId);
  if (!campaign) throw new NotFoundError(`Campaign ${campaignId} does not exist in this app`);
  const counters = await readCounters({
    appId: app.appId,
    campaignId,
    scope: query.instanceId ?? CAMPAIGN_SCOPE,
    from: query.from,
    to: query.to,
  });
  const body = buildAnalytics({
    app,
    campaign,
    instanceId: query.instanceId ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    counters,
    nowMs: nowMs(),
  });
  if (query.format === "csv") {
    const name = [campaignId, query.instanceId, query.from, query.to].filter(Boolean).join("_");
    return {
      statusCode: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name.replace(/[^A-Za-z0-9_.:-]/g, "_")}.csv"`,
      },
      body: seriesCsv(body.series),
    };
  }
  return json(200, body);
});
