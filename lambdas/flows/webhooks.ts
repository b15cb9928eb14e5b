import { randomUUID } from "node:crypto";
import { ForbiddenError, UnauthenticatedError, UnavailableError } from "../domain/errors.js";
import { logger } from "../platform/logger.js";
import { TtlCache } from "../platform/ttl-cache.js";
import { providerFor } from "../providers/index.js";
import type { RawReceipt } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import type { ConnectorRecord } from "../store/connectors.js";
import { findConnectorByWebhookToken } from "./webhook-urls.js";

/**
 * Receipt intake (`GET|POST /webhooks/dlr/{connectorId}/{token}`): authenticate (the token in the URL,
 * and the provider's signature where it has one), drop phone numbers, queue the raw request. Parsing
 * happens in the delivery worker, so nothing authenticated is lost to a parser bug.
 */

/** Headers a parser or an operator may need; nothing else of the request is kept. */
const KEPT_HEADERS = ["content-type", "user-agent"];

/**
 * Authenticated connectors by token, kept 30 s per container: a burst of receipts costs two reads,
 * not two per receipt. Only hits are kept (guessing tokens cannot fill it); a rotated token stops
 * working within 30 s.
 */
const connectors = new TtlCache<ConnectorRecord | undefined>();

function connectorFor(token: string, nowMs: number): Promise<ConnectorRecord | undefined> {
  if (token.length === 0 || token.length > 128) return Promise.resolve(undefined);
  return connectors.get(
    token,
    nowMs,
    () => findConnectorByWebhookToken(token),
    (c) => c !== undefined,
  );
}

export interface ReceiptDelivery {
  connectorId: string;
  token: string;
  method: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The body exactly as received (signatures cover the raw bytes). */
  body: string;
}

/**
 * @throws UnauthenticatedError for an unknown token, another connector's token or a bad signature
 * @throws ForbiddenError for a connector without delivery tracking
 * @throws UnavailableError when the queue refuses it (the provider retries on 5xx)
 */
export async function acceptReceipt(delivery: ReceiptDelivery, nowMs: number): Promise<void> {
  const connector = await connectorFor(delivery.token, nowMs);
  if (!connector || connector.connectorId !== delivery.connectorId) {
    throw new UnauthenticatedError("Unknown webhook URL");
  }
  if (!connector.deliveryTracking) {
    throw new ForbiddenError("This connector has no delivery tracking: receipts are not accepted");
  }
  const provider = providerFor(connector.provider);
  if (!provider.verify(connector, { headers: delivery.headers, rawBody: delivery.body, nowMs })) {
    throw new UnauthenticatedError("The webhook signature is not valid");
  }
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = delivery.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const raw: RawReceipt = {
    id: randomUUID(),
    appId: connector.appId,
    connectorId: connector.connectorId,
    provider: connector.provider,
    receivedAt: nowMs,
    // Phone numbers never reach the queue (nor, later, the parked receipts).
    request: provider.redact({
      method: delivery.method,
      query: delivery.query,
      headers,
      body: delivery.body,
    }),
  };
  try {
    await queue().send("receipts", [JSON.stringify(raw)]);
  } catch (e) {
    logger.error("receipt not queued", { connectorId: connector.connectorId, error: e as Error });
    throw new UnavailableError("The receipt could not be queued; retry later");
  }
}
