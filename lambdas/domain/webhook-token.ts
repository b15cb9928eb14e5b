import { createHmac } from "node:crypto";

/**
 * A connector's webhook token is HMAC(server secret, app, connector, generation): never stored (only its
 * hash, for lookup), yet the send worker can rebuild the URL that Sinch (`callback_url`) and Kaleyra
 * (`dlrurl`) need with every message. Rotation bumps the generation.
 */
export function webhookToken(secret: string, appId: string, connectorId: string, generation: number): string {
  return createHmac("sha256", secret)
    .update(`webhook\n${appId}\n${connectorId}\n${generation}`)
    .digest("base64url");
}

export function webhookUrl(publicBaseUrl: string, connectorId: string, token: string): string {
  return `${publicBaseUrl.replace(/\/$/, "")}/webhooks/dlr/${encodeURIComponent(connectorId)}/${token}`;
}
