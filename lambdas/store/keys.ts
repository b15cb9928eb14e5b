/**
 * Every DynamoDB key the product writes, in one place. `pk`/`sk` strings; ids are validated
 * (`^[A-Za-z0-9_.:-]{1,128}$`) before they reach here, so `#` never appears inside an id.
 */
export interface Key {
  pk: string;
  sk: string;
}

export const keys = {
  app: (appId: string): Key => ({ pk: `APP#${appId}`, sk: "APP" }),
  /** API key lookup by the key's SHA-256 (hex): tells which app a key belongs to (401 vs 403). */
  apiKey: (keyHash: string): Key => ({ pk: `APIKEY#${keyHash}`, sk: "APIKEY" }),
  connector: (appId: string, connectorId: string): Key => ({
    pk: `APP#${appId}`,
    sk: `CONNECTOR#${connectorId}`,
  }),
  /** Webhook token lookup by the token's SHA-256 (hex) → { appId, connectorId }. */
  webhookToken: (tokenHash: string): Key => ({ pk: `HOOK#${tokenHash}`, sk: "HOOK" }),
  campaign: (appId: string, campaignId: string): Key => ({
    pk: `APP#${appId}`,
    sk: `CAMPAIGN#${campaignId}`,
  }),
  campaignPrefix: "CAMPAIGN#",
  /** One message per (instance, user); `messageId` is derived from both (see domain/message-id). */
  message: (appId: string, messageId: string): Key => ({ pk: `MSG#${appId}#${messageId}`, sk: "MSG" }),
  /** The user's side of a message: which instances a user was messaged in (attribution looks here). */
  userMessage: (appId: string, userId: string, campaignId: string, instanceId: string): Key => ({
    pk: `USER#${appId}#${userId}`,
    sk: `MSG#${campaignId}#${instanceId}`,
  }),
  userMessagePrefix: "MSG#",
  /** An app event kept with its user, by time, so a window that opens later still finds it. */
  userEvent: (appId: string, userId: string, isoUtcTime: string, eventId: string): Key => ({
    pk: `USER#${appId}#${userId}`,
    sk: `EVT#${isoUtcTime}#${eventId}`,
  }),
  userPartition: (appId: string, userId: string): string => `USER#${appId}#${userId}`,
  /** Provider message id → our message id, for receipts that carry only the provider's id (a digest of it). */
  providerMessage: (appId: string, connectorId: string, providerMessageId: string): Key => ({
    pk: `PMID#${appId}#${connectorId}#${providerMessageId}`,
    sk: "PMID",
  }),
  /** A short link by its code. */
  link: (code: string): Key => ({ pk: `LINK#${code}`, sk: "LINK" }),
  /** Who tapped in an instance: the click ids and URLs seen, so each tap and each first tap counts once. */
  clicker: (appId: string, campaignId: string, instanceId: string, userId: string): Key => ({
    pk: `CLICKER#${appId}#${campaignId}#${instanceId}#${userId}`,
    sk: "CLICKER",
  }),
  /** A user's conversions for one goal of a campaign: the event ids counted, so each counts once per campaign. */
  conversion: (appId: string, campaignId: string, goalId: string, userId: string): Key => ({
    pk: `CONV#${appId}#${campaignId}#${goalId}#${userId}`,
    sk: "CONV",
  }),
  /** Event id → content digest: an event id is accepted once per app. */
  eventId: (appId: string, eventId: string): Key => ({ pk: `EVENTID#${appId}#${eventId}`, sk: "EVENTID" }),
  /** Daily counter bucket of one scope (a campaign `*` or one instance), sharded; see store/counters. */
  counterPartition: (appId: string, campaignId: string, scope: string, shard: number): string =>
    `COUNT#${appId}#${campaignId}#${scope}#${shard}`,
  counterDay: (date: string): string => `DAY#${date}`,
};

/** The campaign-wide counter scope; instance scopes use the instanceId. */
export const CAMPAIGN_SCOPE = "*";
