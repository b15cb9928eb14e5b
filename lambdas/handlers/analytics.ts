import { analyticsCsv, campaignAnalytics } from "../flows/analytics.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { orThrow, parsePath } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { validateAnalyticsQuery } from "../schemas/analytics.js";
import { campaignPath } from "../schemas/path.js";

/** `GET …/campaigns/{campaignId}/analytics`: JSON, or the daily series as CSV (`format=csv`). */
export const handler = jsonHandler(async (event) => {
  const { campaignId } = parsePath(campaignPath, event);
  const query = orThrow(validateAnalyticsQuery(event.queryStringParameters));
  const body = await campaignAnalytics(
    appOf(event),
    campaignId,
    {
      ...(query.instanceId ? { instanceId: query.instanceId } : {}),
      ...(query.variantId ? { variantId: query.variantId } : {}),
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
    },
    nowMs(),
  );
  if (query.format !== "csv") return json(200, body);
  const name = [campaignId, query.instanceId, query.from, query.to].filter(Boolean).join("_");
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name.replace(/[^A-Za-z0-9_.:-]/g, "_")}.csv"`,
    },
    body: analyticsCsv(body),
  };
});
