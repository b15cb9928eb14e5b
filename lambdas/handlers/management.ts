import {
  campaignsWithHeadlines,
  configureApp,
  configureCampaign,
  configureConnector,
} from "../flows/configuration.js";
import { NotFoundError } from "../http/errors.js";
import type { ApiEvent, ApiResult } from "../http/handler.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { parseBody, parsePath } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { appInput } from "../schemas/app.js";
import { campaignInput } from "../schemas/campaign.js";
import { connectorInput } from "../schemas/connector.js";
import { appPath, campaignPath, connectorPath } from "../schemas/path.js";
import { connectorView, webhookUrlFor } from "../store/connectors.js";

/** Where providers reach us: `PUBLIC_BASE_URL`, else the API's own domain (API Gateway default stage). */
function publicBaseUrl(event: ApiEvent): string {
  const configured = process.env.PUBLIC_BASE_URL;
  return configured ? configured : `https://${event.requestContext.domainName}`;
}

async function putAppRoute(event: ApiEvent): Promise<ApiResult> {
  const { appId } = parsePath(appPath, event);
  const input = parseBody(appInput, event);
  const result = await configureApp(appId, input, nowMs());
  if (result.created) {
    return json(201, {
      ...result.app,
      apiKey: result.apiKey,
      apiKeyNote: "Shown only once: store it now. Only its hash is kept.",
    });
  }
  return json(200, result.app);
}

async function putConnectorRoute(event: ApiEvent): Promise<ApiResult> {
  const { appId, connectorId } = parsePath(connectorPath, event);
  const input = parseBody(connectorInput, event);
  const result = await configureConnector(appId, connectorId, input, nowMs());
  const view = connectorView(result.connector);
  if (result.webhookToken !== null) {
    const webhookUrl = webhookUrlFor(publicBaseUrl(event), connectorId, result.webhookToken);
    return json(result.created ? 201 : 200, {
      ...view,
      webhookUrl,
      webhookUrlNote: "Holds a secret token and is shown only now; configure it at the provider.",
    });
  }
  return json(200, {
    ...view,
    webhookUrl: null,
    webhookUrlNote:
      'The webhook URL is unchanged; it is shown only when issued. Send "rotateWebhookToken": true for a new one (the old one stops working).',
  });
}

async function putCampaignRoute(event: ApiEvent): Promise<ApiResult> {
  const { appId, campaignId } = parsePath(campaignPath, event);
  const input = parseBody(campaignInput, event);
  const result = await configureCampaign(appId, campaignId, input, nowMs());
  return json(result.created ? 201 : 200, result.campaign);
}

/** Each campaign with its all-time headline numbers: a dashboard draws its overview from one request. */
async function listCampaignsRoute(event: ApiEvent): Promise<ApiResult> {
  const app = appOf(event);
  return json(200, { appId: app.appId, campaigns: await campaignsWithHeadlines(app, nowMs()) });
}

const ROUTES: Record<string, (event: ApiEvent) => Promise<ApiResult>> = {
  "PUT /v1/apps/{appId}": putAppRoute,
  "PUT /v1/apps/{appId}/connectors/{connectorId}": putConnectorRoute,
  "PUT /v1/apps/{appId}/campaigns/{campaignId}": putCampaignRoute,
  "GET /v1/apps/{appId}/campaigns": listCampaignsRoute,
};

/** Configuration API: apps (admin key), connectors and campaigns (the app's key). */
export const handler = jsonHandler(async (event) => {
  const route = ROUTES[event.routeKey];
  if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
  return route(event);
});
