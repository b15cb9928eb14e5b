import { CONTROL_ARM } from "../domain/experiment.js";
/**
 * Every DynamoDB key the product writes, in one place. `pk`/`sk` strings; ids are validated
 * (`^[A-Za-z0-9_.:-]{1,128}$`) before they reach here, so `#` never appears inside an id.
 */
export interface Key {
  pk: string;
  sk: string;
}

/** ISO-8601 UTC with milliseconds: sorts as the instant it names (years 1970–9999). */
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

export const keys = {
  app: (appId: string): Key => ({ pk: `APP#${appId}`, sk: "APP" }),
  /** API key lookup by the key's SHA-256 (hex): tells which app a key belongs to (401 vs 403). */
  apiKey: (keyHash: string): Key => ({ pk: `APIKEY#${keyHash}`, sk: "APIKEY" }),
  connector: (appId: string, connectorId: string): Key => ({
    pk: `APP#${appId}`,
    sk: `CONNECTOR#${connectorId}`,
  }),
  connectorPrefix: "CONNECTOR#",
  /** Webhook token lookup by the token's SHA-256 (hex) → { appId, connectorId }. */
  webhookToken: (tokenHash: string): Key => ({ pk: `HOOK#${tokenHash}`, sk: "HOOK" }),
  campaign: (appId: string, campaignId: string): Key => ({
    pk: `APP#${appId}`,
    sk: `CAMPAIGN#${campaignId}`,
  }),
  campaignPrefix: "CAMPAIGN#",
  /** One send run of a campaign: first and last send time, its link prefix. */
  instance: (appId: string, campaignId: string, instanceId: string): Key => ({
    pk: `INSTANCES#${appId}#${campaignId}`,
    sk: `INSTANCE#${instanceId}`,
  }),
  instancePartition: (appId: string, campaignId: string): string => `INSTANCES#${appId}#${campaignId}`,
  /** One message per (instance, user); `messageId` is derived from both (see domain/message-id). */
  message: (appId: string, messageId: string): Key => ({ pk: `MSG#${appId}#${messageId}`, sk: "MSG" }),
  /** Provider message id → our message id, for receipts that carry only the provider's id (a digest of it). */
  providerMessage: (appId: string, connectorId: string, providerMessageId: string): Key => ({
    pk: `PMID#${appId}#${connectorId}#${providerMessageId}`,
    sk: "PMID",
  }),
  /** The user's partition: their open conversion windows and their kept events. */
  userPartition: (appId: string, userId: string): string => `USER#${appId}#${userId}`,
  /** A conversion window, sorted by its end so an event finds the open ones with one Query. */
  window: (appId: string, userId: string, endAtMs: number, campaignId: string, instanceId: string): Key => ({
    pk: `USER#${appId}#${userId}`,
    sk: `WIN#${iso(endAtMs)}#${campaignId}#${instanceId}`,
  }),
  /** Sort keys of the windows that end after `epochMs`. */
  windowsEndingAfter: (epochMs: number): { from: string; to: string } => ({
    from: `WIN#${iso(epochMs)}`,
    to: "WIN#~",
  }),
  /** An app event kept with its user, by its own time, so a window that opens later still finds it. */
  keptEvent: (appId: string, userId: string, atMs: number, eventId: string): Key => ({
    pk: `USER#${appId}#${userId}`,
    sk: `EVT#${iso(atMs)}#${eventId}`,
  }),
  /** Sort keys of kept events with `from <= at < to` (the upper bound is checked again in code). */
  keptEventsBetween: (fromMs: number, toMs: number): { from: string; to: string } => ({
    from: `EVT#${iso(fromMs)}`,
    to: `EVT#${iso(toMs)}`,
  }),
  /** Event id → content digest: an event id is accepted once per app. */
  eventId: (appId: string, eventId: string): Key => ({ pk: `EVENTID#${appId}#${eventId}`, sk: "EVENTID" }),
  /** A short link by its code. */
  link: (code: string): Key => ({ pk: `LINK#${code}`, sk: "LINK" }),
  /** An instance's link prefix: answers for its codes after their link items are gone. */
  linkPrefix: (prefix: string): Key => ({ pk: `LINKPREFIX#${prefix}`, sk: "LINKPREFIX" }),
  /** A user's earliest taps in one instance (the unique clicker). */
  clicker: (appId: string, campaignId: string, instanceId: string, userId: string): Key => ({
    pk: `CLICKER#${appId}#${campaignId}#${instanceId}#${userId}`,
    sk: "CLICKER",
  }),
  /** A tap recorded on its own (by its click id). */
  tap: (clickId: string): Key => ({ pk: `TAP#${clickId}`, sk: "TAP" }),
  /** Daily counter bucket of one scope (a campaign `*`, or one instance); see store/counters. */
  counterPartition: (appId: string, campaignId: string, scope: string): string =>
    `COUNT#${appId}#${campaignId}#${scope}`,
  counterDay: (date: string): string => `DAY#${date}`,
  parkedPartition: (appId: string): string => `PARKED#${appId}`,
  /**
   * The sandbox handset of one sandbox connector: the messages it delivered, by campaign, instance and
   * user (one per user and instance, as sends are).
   */
  sandboxInboxPartition: (appId: string, connectorId: string): string =>
    `SANDBOXINBOX#${appId}#${connectorId}`,
  sandboxInboxMessage: (campaignId: string, instanceId: string, userId: string): string =>
    `MSG#${campaignId}#${instanceId}#${userId}`,
  /** Sort-key prefix of an inbox's messages, optionally narrowed to a campaign, then an instance. */
  sandboxInboxPrefix: (campaignId?: string, instanceId?: string): string =>
    campaignId === undefined
      ? "MSG#"
      : instanceId === undefined
        ? `MSG#${campaignId}#`
        : `MSG#${campaignId}#${instanceId}#`,
};

/** The campaign-wide counter scope; instance scopes use the instanceId. */
export const CAMPAIGN_SCOPE = "*";

/** A scope's share of one experiment arm (`i1~A`, `*~control`): ids never contain `~` (schemas/common). */
export const armScope = (scope: string, arm: string): string => `${scope}~${arm}`;

/**
 * The counter scopes a fact moves: its instance and the campaign, plus both again for its experiment
 * arm (a variant). A control-group user's facts move only the control arm's scopes: they are not the
 * campaign's (nobody was sent anything), only the baseline it is compared with.
 */
export function counterScopes(instanceId: string, arm: string | null): string[] {
  const plain = [instanceId, CAMPAIGN_SCOPE];
  if (arm === null) return plain;
  const ofArm = plain.map((scope) => armScope(scope, arm));
  return arm === CONTROL_ARM ? ofArm : [...plain, ...ofArm];
}
