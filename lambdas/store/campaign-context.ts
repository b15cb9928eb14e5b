import type { Campaign } from "../domain/campaign.js";
import { TtlCache } from "../platform/ttl-cache.js";
import type { AppRecord } from "./apps.js";
import { getApp } from "./apps.js";
import { getCampaign } from "./campaigns.js";
import type { ConnectorRecord } from "./connectors.js";
import { getConnector } from "./connectors.js";

/** What a worker needs to act on a campaign's facts. */
export interface CampaignContext {
  app: AppRecord;
  campaign: Campaign;
  connector: ConnectorRecord;
}

const cache = new TtlCache<CampaignContext | null>();

/**
 * App, campaign and connector, cached for 30 s per container: a batch of 100 receipts costs three
 * reads, not three hundred. Configuration changes reach workers within the cache time.
 */
export function campaignContext(
  appId: string,
  campaignId: string,
  now = Date.now(),
): Promise<CampaignContext | null> {
  return cache.get(`${appId}\n${campaignId}`, now, async () => {
    const [app, campaign] = await Promise.all([getApp(appId), getCampaign(appId, campaignId)]);
    if (!app || !campaign) return null;
    const connector = await getConnector(appId, campaign.connectorId);
    return connector ? { app, campaign, connector } : null;
  });
}

const connectors = new TtlCache<ConnectorRecord | undefined>();

/**
 * One connector by id, cached like the campaign context (30 s per container): the send worker's way to
 * the connector a message was claimed with, which may no longer be its campaign's. Undefined when it
 * does not exist (connectors are archived, never deleted: only inconsistent data lacks one).
 */
export function connectorById(
  appId: string,
  connectorId: string,
  now = Date.now(),
): Promise<ConnectorRecord | undefined> {
  return connectors.get(`${appId}\n${connectorId}`, now, () => getConnector(appId, connectorId));
}

export function clearCampaignContextCache(): void {
  cache.clear();
  connectors.clear();
}
