import { randomBytes } from "node:crypto";
import { type App, type AppSettings, appChangeConflicts } from "../domain/app.js";
import {
  type Campaign,
  type CampaignSettings,
  type CampaignShown,
  campaignChangeConflicts,
  resolveCampaign,
  showCampaign,
} from "../domain/campaign.js";
import {
  type ConnectorConfig,
  type ConnectorConfigInput,
  connectorChangeConflicts,
  missingCredentials,
  publicConfig,
  tracksDelivery,
  withStoredCredentials,
} from "../domain/connector.js";
import { sha256Hex } from "../domain/digest.js";
import { ConflictError, InvalidInputError, NotFoundError } from "../domain/errors.js";
import { newExperimentSalt } from "../domain/experiment.js";
import { TtlCache } from "../platform/ttl-cache.js";
import {
  type AppRecord,
  createApp,
  getApp,
  markAppData,
  replaceApiKey,
  type StoredApp,
  updateApp,
} from "../store/apps.js";
import { createCampaign, getCampaign, listCampaigns, replaceCampaign } from "../store/campaigns.js";
import {
  type ConnectorRecord,
  createConnector,
  getConnector,
  listConnectors,
  updateConnector,
} from "../store/connectors.js";
import { readCounters } from "../store/counters.js";
import { listInstances } from "../store/instances.js";
import { campaignHeadline, headlineOf } from "./analytics.js";
import { newWebhookNonce, webhookToken, webhookUrlFor } from "./webhook-urls.js";

/**
 * Configuration: apps (admin key), connectors and campaigns (the app's key), and the rules that keep
 * counted history stable (SPEC §2): an app's time zone and currency, a connector's provider and
 * delivery tracking, and a campaign's attribution basis cannot change once they have counted.
 */

const MAX_ATTEMPTS = 3;

/** A new app API key: 32 random bytes, base64url, with a recognisable prefix. Shown once; stored hashed. */
function newApiKey(): string {
  return `sk_${randomBytes(32).toString("base64url")}`;
}

/** An app as the API shows it (never its key or the key's hash). */
export function appView(app: App): App {
  const { appId, name, timezone, currency, createdAt, updatedAt, dataSince } = app;
  return { appId, name, timezone, currency, createdAt, updatedAt, dataSince };
}

export type ConfigureAppResult = { created: true; app: App; apiKey: string } | { created: false; app: App };

/**
 * Create-or-update an app. A create returns its API key (shown once).
 * @throws ConflictError when the time zone or currency would change after the app has data
 */
export async function configureApp(
  appId: string,
  settings: AppSettings,
  nowMs: number,
): Promise<ConfigureAppResult> {
  const now = new Date(nowMs).toISOString();
  for (let attempt = 1; ; attempt++) {
    const existing = await getApp(appId);
    if (!existing) {
      const apiKey = newApiKey();
      const app: StoredApp = {
        appId,
        ...settings,
        apiKeyHash: sha256Hex(apiKey),
        createdAt: now,
        updatedAt: now,
        dataSince: null,
      };
      if (await createApp(app)) return { created: true, app: appView(app), apiKey };
      if (attempt >= MAX_ATTEMPTS) throw new Error(`app ${appId} kept changing`);
      continue; // a concurrent create won: this becomes an update
    }
    const conflicts = appChangeConflicts(existing, settings);
    if (conflicts.length > 0)
      throw new ConflictError("These settings cannot change once the app has data", conflicts);
    const updated = await updateApp(appId, settings, now);
    if (updated) return { created: false, app: appView(updated) };
  }
}

/** @throws NotFoundError for an unknown app */
export async function appOf(appId: string): Promise<App> {
  const app = await getApp(appId);
  if (!app) throw new NotFoundError(`App ${appId} does not exist`);
  return appView(app);
}

/**
 * Issues a new API key for the app (shown once); the old one stops working at once.
 * @throws NotFoundError for an unknown app
 */
export async function rotateApiKey(appId: string, nowMs: number): Promise<{ appId: string; apiKey: string }> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const app = await getApp(appId);
    if (!app) throw new NotFoundError(`App ${appId} does not exist`);
    const apiKey = newApiKey();
    if (await replaceApiKey(app, sha256Hex(apiKey), new Date(nowMs).toISOString())) return { appId, apiKey };
  }
  throw new Error(`app ${appId}'s key kept changing`);
}

const marked = new TtlCache<boolean>(3_600_000, 10_000);
/** Notes that the app has data (first sends or events); once per container and app. */
export function noteAppData(appId: string, nowMs: number): Promise<boolean> {
  return marked.get(appId, nowMs, async () => {
    await markAppData(appId, new Date(nowMs).toISOString());
    return true;
  });
}

/** A connector as the API shows it: configuration without credentials (secrets only as set or not). */
export function connectorView(c: ConnectorRecord): Record<string, unknown> {
  return {
    appId: c.appId,
    connectorId: c.connectorId,
    ...publicConfig(c),
    credentials: "stored",
    settings: summary(c),
    archived: c.archivedAt !== null,
    archivedAt: c.archivedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** A URL without credentials, query or fragment: enough to recognise the endpoint. */
function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** The few non-secret settings that identify a connector at a glance (sender, endpoint). */
function summary(c: ConnectorConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: string | undefined): void => {
    if (value !== undefined) out[name] = value;
  };
  switch (c.provider) {
    case "gupshup":
      put("mask", c.gupshup.mask);
      put("baseUrl", c.gupshup.baseUrl && safeUrl(c.gupshup.baseUrl));
      break;
    case "sinch":
      put("from", c.sinch.from);
      put("baseUrl", c.sinch.baseUrl && safeUrl(c.sinch.baseUrl));
      break;
    case "kaleyra":
      put("sender", c.kaleyra.sender);
      put("baseUrl", c.kaleyra.baseUrl && safeUrl(c.kaleyra.baseUrl));
      break;
    case "custom":
      put("method", c.custom.request.method);
      put("urlHost", new URL(c.custom.request.url).host);
      break;
    case "sandbox": {
      const { deliveryRate, stuckRate, delaySeconds, failures, inTransitReceipts } = c.sandbox;
      put("deliveryRate", String(deliveryRate));
      put("stuckRate", String(stuckRate));
      put("delaySeconds", `median ${delaySeconds.median}, p90 ${delaySeconds.p90}, max ${delaySeconds.max}`);
      put("failureCodes", failures.map((f) => `${f.code} ${f.status}`).join(", "));
      put("inTransitReceipts", String(inTransitReceipts));
      break;
    }
  }
  return out;
}

export interface ConfigureConnectorResult {
  created: boolean;
  connector: ConnectorRecord;
  /** The new webhook URL on create or rotation (holds the secret token); null when it was kept. */
  webhookUrl: string | null;
}

/**
 * Create-or-update a connector. An update may omit credentials (the stored ones are kept); its
 * webhook token stays unless `rotateWebhookToken`.
 * @throws ConflictError when the provider or delivery tracking would change
 * @throws InvalidInputError when credentials are missing (on create)
 */
export async function configureConnector(
  appId: string,
  connectorId: string,
  input: ConnectorConfigInput & { rotateWebhookToken?: boolean | undefined },
  baseUrl: string,
  nowMs: number,
): Promise<ConfigureConnectorResult> {
  const now = new Date(nowMs).toISOString();
  const { rotateWebhookToken, ...given } = input;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = await getConnector(appId, connectorId);
    if (existing) {
      const conflict = connectorChangeConflicts(existing, given);
      if (conflict) throw new ConflictError(conflict.message, conflict.details);
    }
    const merged = withStoredCredentials(existing, given);
    const missing = missingCredentials(merged);
    if (missing.length > 0) {
      throw new InvalidInputError(
        "The request is invalid",
        missing.map((field) => ({ field, problem: "is required" })),
      );
    }
    const rotate = !existing || rotateWebhookToken === true;
    const nonce = rotate ? newWebhookNonce() : (existing as ConnectorRecord).webhookTokenNonce;
    const token = rotate ? await webhookToken(appId, connectorId, nonce) : null;
    const config = merged as ConnectorConfig; // every credential present (checked above)
    const record: ConnectorRecord = {
      ...config,
      appId,
      connectorId,
      webhookTokenHash: token ? sha256Hex(token) : (existing as ConnectorRecord).webhookTokenHash,
      webhookTokenNonce: nonce,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      archivedAt: existing?.archivedAt ?? null,
    } as ConnectorRecord;
    const written = existing ? await updateConnector(existing, record) : await createConnector(record);
    if (written) {
      return {
        created: !existing,
        connector: record,
        webhookUrl: token ? webhookUrlFor(baseUrl, connectorId, token) : null,
      };
    }
    // Lost a race with another writer: read again and redo the decision.
  }
  throw new Error(`connector ${connectorId} kept changing`);
}

/** @throws NotFoundError for an unknown connector */
export async function connectorOf(appId: string, connectorId: string): Promise<ConnectorRecord> {
  const c = await getConnector(appId, connectorId);
  if (!c) throw new NotFoundError(`Connector ${connectorId} does not exist in this app`);
  return c;
}

export function connectorsOf(appId: string): Promise<ConnectorRecord[]> {
  return listConnectors(appId);
}

/**
 * Archives a connector no live campaign uses (receipts for its past sends still count).
 * @throws NotFoundError for an unknown connector; ConflictError while a live campaign uses it
 */
export async function archiveConnector(
  appId: string,
  connectorId: string,
  nowMs: number,
): Promise<ConnectorRecord> {
  const c = await connectorOf(appId, connectorId);
  if (c.archivedAt !== null) return c;
  const users = (await listCampaigns(appId)).filter(
    (x) => x.connectorId === connectorId && x.archivedAt === null,
  );
  if (users.length > 0) {
    throw new ConflictError(
      "A connector that live campaigns use cannot be archived; archive them or move them first",
      users.map((x) => ({ field: `campaigns.${x.campaignId}`, problem: "uses this connector" })),
    );
  }
  const now = new Date(nowMs).toISOString();
  const archived = { ...c, archivedAt: now, updatedAt: now } as ConnectorRecord;
  if (!(await updateConnector(c, archived))) return archiveConnector(appId, connectorId, nowMs);
  return archived;
}

/**
 * Create-or-update a campaign. The connector must exist in the same app and be live; a campaign that
 * has sent keeps its attribution basis.
 * @throws InvalidInputError for an unknown connector; ConflictError for an archived one or a basis change
 */
export async function configureCampaign(
  appId: string,
  campaignId: string,
  settings: CampaignSettings,
  nowMs: number,
): Promise<{ created: boolean; campaign: CampaignShown }> {
  const connector = await getConnector(appId, settings.connectorId);
  if (!connector) {
    throw new InvalidInputError("The request is invalid", [
      { field: "connectorId", problem: `no connector "${settings.connectorId}" exists in this app` },
    ]);
  }
  if (connector.archivedAt !== null) {
    throw new ConflictError("The connector is archived", [
      { field: "connectorId", problem: `connector "${settings.connectorId}" is archived` },
    ]);
  }
  const resolved = resolveCampaign(settings, {
    provider: connector.provider,
    tracksDelivery: tracksDelivery(connector),
  });
  const now = new Date(nowMs).toISOString();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = await getCampaign(appId, campaignId);
    if (!existing) {
      const campaign: Campaign = {
        appId,
        campaignId,
        ...resolved,
        experimentSalt: newExperimentSalt(),
        variants: null,
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      };
      if (await createCampaign(campaign)) return { created: true, campaign: showCampaign(campaign) };
      continue;
    }
    // A first send request fixes the experiment before it records its instance.
    const hasSent = existing.variants !== null || (await listInstances(appId, campaignId, 1)).length > 0;
    const conflicts = campaignChangeConflicts(existing, resolved, hasSent);
    if (conflicts.length > 0) throw new ConflictError("This change would rewrite counted history", conflicts);
    // A campaign stored before experiments gets its salt now (it has no arms yet: no control group).
    const experimentSalt = existing.experimentSalt || newExperimentSalt();
    const campaign: Campaign = { ...existing, ...resolved, experimentSalt, updatedAt: now };
    if (await replaceCampaign(campaign, existing)) {
      return { created: false, campaign: showCampaign(campaign) };
    }
  }
  throw new Error(`campaign ${campaignId} kept changing`);
}

/**
 * A campaign as the API shows it (without its experiment's secret salt).
 * @throws NotFoundError for an unknown campaign
 */
export async function campaignShown(appId: string, campaignId: string): Promise<CampaignShown> {
  return showCampaign(await campaignOf(appId, campaignId));
}

/** @throws NotFoundError for an unknown campaign */
export async function campaignOf(appId: string, campaignId: string): Promise<Campaign> {
  const c = await getCampaign(appId, campaignId);
  if (!c) throw new NotFoundError(`Campaign ${campaignId} does not exist in this app`);
  return c;
}

/**
 * Archives a campaign: new sends are refused (409), its analytics stay readable. Idempotent.
 * @throws NotFoundError for an unknown campaign
 */
export async function archiveCampaign(
  appId: string,
  campaignId: string,
  nowMs: number,
): Promise<CampaignShown> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const c = await campaignOf(appId, campaignId);
    if (c.archivedAt !== null) return c;
    const now = new Date(nowMs).toISOString();
    const archived: Campaign = { ...c, archivedAt: now, updatedAt: now };
    if (await replaceCampaign(archived, c)) return showCampaign(archived);
  }
  throw new Error(`campaign ${campaignId} kept changing`);
}

/**
 * A campaign as the list shows it: its settings, whether it is archived, whether its connector is a
 * sandbox one (its numbers come from simulated receipts, and a list must say so: issue 14; read from
 * the provider the campaign keeps, which its connector cannot change), its headline numbers.
 */
function listed(c: Campaign, headline: Record<string, unknown>): Record<string, unknown> {
  return {
    ...showCampaign(c),
    archived: c.archivedAt !== null,
    sandbox: c.provider === "sandbox",
    headline,
  };
}

/** Each campaign with its all-time headline numbers: a dashboard draws its overview from one request. */
export async function campaignsWithHeadlines(
  app: AppRecord,
  nowMs: number,
): Promise<Record<string, unknown>[]> {
  const campaigns = await listCampaigns(app.appId);
  return Promise.all(campaigns.map(async (c) => listed(c, await campaignHeadline(app, c, nowMs))));
}

/**
 * Every instance of a campaign with its first and last send time and headline numbers, newest first.
 * @throws NotFoundError for an unknown campaign
 */
export async function instancesWithHeadlines(
  app: AppRecord,
  campaignId: string,
  nowMs: number,
): Promise<Array<Record<string, unknown>>> {
  const campaign = await campaignOf(app.appId, campaignId);
  const instances = await listInstances(app.appId, campaignId);
  const rows = await Promise.all(
    instances.map(async (i) => {
      const counters = await readCounters({ appId: app.appId, campaignId, scope: i.instanceId });
      return {
        instanceId: i.instanceId,
        firstSendAt: new Date(i.firstSendAt).toISOString(),
        lastSendAt: new Date(i.lastSendAt).toISOString(),
        headline: headlineOf(app, campaign, i.instanceId, counters, nowMs),
      };
    }),
  );
  return rows.sort(
    (a, b) => b.firstSendAt.localeCompare(a.firstSendAt) || a.instanceId.localeCompare(b.instanceId),
  );
}
