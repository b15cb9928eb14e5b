import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../domain/digest.js";
import { serverSecret } from "../platform/secrets.js";
import { type ConnectorRecord, findConnectorByTokenHash } from "../store/connectors.js";

/**
 * Webhook URLs: `{PUBLIC_BASE_URL}/webhooks/dlr/{connectorId}/{token}`. The token is never stored: it
 * is HMAC-SHA256(server secret, app, connector, nonce), so the send worker can put the URL in each
 * request (Sinch `callback_url`, Kaleyra `dlrurl`) while the table holds only the nonce and the token's
 * SHA-256 (the lookup). Rotating issues a new nonce: the old URL stops working.
 */

export function newWebhookNonce(): string {
  return randomBytes(16).toString("base64url");
}

/** 32 bytes of HMAC-SHA256, base64url: as unguessable as 32 random bytes while the secret is secret. */
export async function webhookToken(appId: string, connectorId: string, nonce: string): Promise<string> {
  const secret = await serverSecret();
  return createHmac("sha256", secret)
    .update(`dlr-webhook\n${appId}\n${connectorId}\n${nonce}`)
    .digest("base64url");
}

/** The receipt URL of a connector: `{base}/webhooks/dlr/{connectorId}/{token}`. */
export function webhookUrlFor(baseUrl: string, connectorId: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/webhooks/dlr/${connectorId}/${token}`;
}

function sameHash(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, "hex");
  const b = Buffer.from(bHex, "hex");
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/**
 * The connector's current webhook URL, for the send worker.
 * @throws Error when PUBLIC_BASE_URL is unset, or when the server secret no longer yields the stored
 *   token (secret replaced): rotating the connector's token issues a matching one
 */
export async function connectorWebhookUrl(
  connector: ConnectorRecord,
  baseUrl: string | undefined = process.env.PUBLIC_BASE_URL,
): Promise<string> {
  if (!baseUrl) throw new Error("PUBLIC_BASE_URL is not set");
  const token = await webhookToken(connector.appId, connector.connectorId, connector.webhookTokenNonce);
  if (!sameHash(sha256Hex(token), connector.webhookTokenHash)) {
    throw new Error(
      `webhook token secret changed since connector ${connector.connectorId}'s token was issued; rotate its webhook token`,
    );
  }
  return webhookUrlFor(baseUrl, connector.connectorId, token);
}

/** Whether `token` is the connector's current webhook token (constant-time hash comparison). */
export function tokenMatches(connector: ConnectorRecord, token: string): boolean {
  return sameHash(connector.webhookTokenHash, sha256Hex(token));
}

/**
 * The connector a webhook URL's token opens, or undefined for an unknown or revoked token.
 * @throws DynamoDB errors
 */
export async function findConnectorByWebhookToken(token: string): Promise<ConnectorRecord | undefined> {
  if (token.length === 0 || token.length > 256) return undefined;
  const c = await findConnectorByTokenHash(sha256Hex(token));
  return c && tokenMatches(c, token) ? c : undefined;
}
