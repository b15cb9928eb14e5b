import {
  appOf as appById,
  archiveCampaign,
  archiveConnector,
  campaignShown,
  campaignsWithHeadlines,
  configureApp,
  configureCampaign,
  configureConnector,
  connectorOf,
  connectorsOf,
  connectorView,
  instancesWithHeadlines,
  rotateApiKey,
} from "../flows/configuration.js";
import { sandboxInbox } from "../flows/sandbox-inbox.js";
import type { ApiEvent, ApiResult } from "../http/handler.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { orThrow, parseBody, parsePath } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { appInput } from "../schemas/app.js";
import { campaignInput } from "../schemas/campaign.js";
import { asConnectorConfigInput, connectorInput } from "../schemas/connector.js";
import { appPath, campaignPath, connectorPath } from "../schemas/path.js";
import { sandboxInboxQuery } from "../schemas/sandbox-inbox.js";
import { validate } from "../schemas/validate.js";

/** Where providers reach us: `PUBLIC_BASE_URL`, else the API's own domain (API Gateway default stage). */
function publicBaseUrl(event: ApiEvent): string {
  return process.env.PUBLIC_BASE_URL || `https://${event.requestContext.domainName}`;
}

const KEY_NOTE = "Shown only once: store it now. Only its hash is kept.";

async function putApp(event: ApiEvent): Promise<ApiResult> {
  const { appId } = parsePath(appPath, event);
  const result = await configureApp(appId, parseBody(appInput, event), nowMs());
  if (!result.created) return json(200, result.app);
  return json(201, { ...result.app, apiKey: result.apiKey, apiKeyNote: KEY_NOTE });
}

async function newApiKey(event: ApiEvent): Promise<ApiResult> {
  const { appId } = parsePath(appPath, event);
  const { apiKey } = await rotateApiKey(appId, nowMs());
  return json(201, { appId, apiKey, apiKeyNote: `${KEY_NOTE} The previous key no longer works.` });
}

async function putConnector(event: ApiEvent): Promise<ApiResult> {
  const { appId, connectorId } = parsePath(connectorPath, event);
  const input = parseBody(connectorInput, event);
  const result = await configureConnector(
    appId,
    connectorId,
    asConnectorConfigInput(input),
    publicBaseUrl(event),
    nowMs(),
  );
  const view = connectorView(result.connector);
  if (result.webhookUrl !== null) {
    return json(result.created ? 201 : 200, {
      ...view,
      webhookUrl: result.webhookUrl,
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

async function putCampaign(event: ApiEvent): Promise<ApiResult> {
  const { appId, campaignId } = parsePath(campaignPath, event);
  const result = await configureCampaign(appId, campaignId, parseBody(campaignInput, event), nowMs());
  return json(result.created ? 201 : 200, result.campaign);
}

const ROUTES: Record<string, (event: ApiEvent) => Promise<ApiResult>> = {
  "PUT /v1/apps/{appId}": putApp,
  "GET /v1/apps/{appId}": async (e) => json(200, await appById(parsePath(appPath, e).appId)),
  "POST /v1/apps/{appId}/api-keys": newApiKey,
  "PUT /v1/apps/{appId}/connectors/{connectorId}": putConnector,
  "GET /v1/apps/{appId}/connectors": async (e) => {
    const app = appOf(e);
    return json(200, { appId: app.appId, connectors: (await connectorsOf(app.appId)).map(connectorView) });
  },
  "GET /v1/apps/{appId}/connectors/{connectorId}": async (e) => {
    const { appId, connectorId } = parsePath(connectorPath, e);
    return json(200, connectorView(await connectorOf(appId, connectorId)));
  },
  "GET /v1/apps/{appId}/connectors/{connectorId}/sandbox-messages": async (e) => {
    const { appId, connectorId } = parsePath(connectorPath, e);
    const q = orThrow(validate(sandboxInboxQuery, e.queryStringParameters ?? {}, "query"));
    const query = {
      limit: q.limit,
      ...(q.campaignId === undefined ? {} : { campaignId: q.campaignId }),
      ...(q.instanceId === undefined ? {} : { instanceId: q.instanceId }),
      ...(q.userId === undefined ? {} : { userId: q.userId }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    };
    return json(200, { appId, connectorId, ...(await sandboxInbox(appId, connectorId, query, nowMs())) });
  },
  "DELETE /v1/apps/{appId}/connectors/{connectorId}": async (e) => {
    const { appId, connectorId } = parsePath(connectorPath, e);
    return json(200, connectorView(await archiveConnector(appId, connectorId, nowMs())));
  },
  "PUT /v1/apps/{appId}/campaigns/{campaignId}": putCampaign,
  "GET /v1/apps/{appId}/campaigns": async (e) => {
    const app = appOf(e);
    const campaigns = await campaignsWithHeadlines(app, nowMs());
    return json(200, { appId: app.appId, currency: app.currency, timezone: app.timezone, campaigns });
  },
  "GET /v1/apps/{appId}/campaigns/{campaignId}": async (e) => {
    const { appId, campaignId } = parsePath(campaignPath, e);
    return json(200, await campaignShown(appId, campaignId));
  },
  "DELETE /v1/apps/{appId}/campaigns/{campaignId}": async (e) => {
    const { appId, campaignId } = parsePath(campaignPath, e);
    return json(200, await archiveCampaign(appId, campaignId, nowMs()));
  },
  "GET /v1/apps/{appId}/campaigns/{campaignId}/instances": async (e) => {
    const app = appOf(e);
    const { campaignId } = parsePath(campaignPath, e);
    const instances = await instancesWithHeadlines(app, campaignId, nowMs());
    return json(200, { appId: app.appId, campaignId, instances });
  },
};

/** Configuration API: apps (admin key), connectors and campaigns (the app's key). */
export const handler = jsonHandler(async (event) => {
  const route = ROUTES[event.routeKey];
  if (!route) throw new Error(`management has no handler for ${event.routeKey}`);
  return route(event);
});
