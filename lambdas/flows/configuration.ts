import type { AppInput } from "../schemas/app.js";
import type { CampaignInput } from "../schemas/campaign.js";
import type { ConnectorInput } from "../schemas/connector.js";
import type { AppRecord, PutAppResult } from "../store/apps.js";
import { putApp } from "../store/apps.js";
import { listCampaigns, type PutCampaignResult, putCampaign } from "../store/campaigns.js";
import { type PutConnectorResult, putConnector } from "../store/connectors.js";
import { campaignHeadline } from "./analytics.js";

/**
 * Configuration: apps (admin key), connectors and campaigns (the app's key). The rules that keep
 * counted history stable live with the stores they guard (a connector's provider cannot change, …).
 */

export function configureApp(appId: string, input: AppInput, nowMs: number): Promise<PutAppResult> {
  return putApp(appId, input, nowMs);
}

export function configureConnector(
  appId: string,
  connectorId: string,
  input: ConnectorInput,
  nowMs: number,
): Promise<PutConnectorResult> {
  return putConnector(appId, connectorId, input, nowMs);
}

export function configureCampaign(
  appId: string,
  campaignId: string,
  input: CampaignInput,
  nowMs: number,
): Promise<PutCampaignResult> {
  return putCampaign(appId, campaignId, input, nowMs);
}

/**
 * Each campaign with its all-time headline numbers (a dashboard draws its overview from one request),
 * and `sandbox: true` when its connector is a sandbox connector: its numbers come from simulated
 * receipts, and a list must say so (issue 14). The campaign keeps its connector's provider, which
 * cannot change (store/connectors.ts), so no connector is read for it.
 */
export async function campaignsWithHeadlines(app: AppRecord, nowMs: number) {
  const campaigns = await listCampaigns(app.appId);
  return Promise.all(
    campaigns.map(async (campaign) => ({
      ...campaign,
      sandbox: campaign.provider === "sandbox",
      headline: await campaignHeadline(app, campaign, nowMs),
    })),
  );
}
