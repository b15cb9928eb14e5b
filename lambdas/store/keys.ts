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
  /** Provider message id → our message id, for receipts that carry only the provider's id. */
  providerMessage: (appId: string, connectorId: string, providerMessageId: string): Key => ({
    pk: `PMID#${appId}#${connectorId}#${providerMessageId}`,
    sk: "PMID",
  }),
  /** Daily counter bucket of one scope (a campaign `*` or one instance), sharded; see store/counters. */
  counterPartition: (appId: string, campaignId: string, scope: string, shard: number): string =>
    `COUNT#${appId}#${campaignId}#${scope}#${shard}`,
  counterDay: (date: string): string => `DAY#${date}`,
};

/** The campaign-wide counter scope; instance scopes use the instanceId. */
export const CAMPAIGN_SCOPE = "*";
