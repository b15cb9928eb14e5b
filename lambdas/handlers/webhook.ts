import { randomUUID } from "node:crypto";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { RawReceipt } from "../flows/receipts.js";
import { httpErrors } from "../http/error-mapper.js";
import { ForbiddenError, HttpError, PayloadTooLargeError, UnauthorizedError } from "../http/errors.js";
import type { ApiResult } from "../http/response.js";
import { securityHeaders } from "../http/security-headers.js";
import { nowMs } from "../platform/clock.js";
import { TtlCache } from "../platform/ttl-cache.js";
import { type ProviderName, verifySinchSignature } from "../providers/index.js";
import { redactPhones } from "../providers/redact.js";
import { queue } from "../queue/index.js";
import { type ConnectorRecord, findConnectorByWebhookToken } from "../store/connectors.js";

/** Receipts are small (a Gupshup batch is ≤ 20 events); anything near the queue's 256 KB limit is not one. */
export const MAX_RECEIPT_BYTES = 128 * 1024;

/** Headers a parser or an operator may need; nothing else of the request is kept. */
const KEPT_HEADERS = ["content-type", "user-agent"];

class QueueUnavailableError extends HttpError {
  constructor() {
    super(503, "UNAVAILABLE", "The receipt could not be queued; retry later");
  }
}

/**
 * Authenticated connectors by token, kept 30 s per container: a burst of receipts costs two reads,
 * not two per receipt. Only hits are kept (guessing tokens cannot fill it); a rotated token stops
 * working within 30 s.
 */
const connectors = new TtlCache<ConnectorRecord | undefined>();

function connectorFor(token: string, now: number): Promise<ConnectorRecord | undefined> {
  return connectors.get(
    token,
    now,
    () => findConnectorByWebhookToken(token),
    (c) => c !== undefined,
  );
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const entry = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name);
  return entry?.[1];
}

/**
 * `GET|POST /webhooks/dlr/{connectorId}/{token}`: authenticates (token, and Sinch's signature when the
 * connector has a secret), queues the raw receipt and answers 200. Parsing happens in the delivery worker,
 * so nothing authenticated is lost to a parser bug; a queue failure answers 503 so the provider retries.
 */
async function receive(event: APIGatewayProxyEventV2): Promise<ApiResult> {
  const connectorId = event.pathParameters?.connectorId ?? "";
  const token = event.pathParameters?.token ?? "";
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, "base64").toString("utf8")
      : event.body
    : "";
  if (Buffer.byteLength(body) > MAX_RECEIPT_BYTES) {
    throw new PayloadTooLargeError(MAX_RECEIPT_BYTES);
  }
  const now = nowMs();
  const connector = token.length <= 128 ? await connectorFor(token, now) : undefined;
  if (!connector || connector.connectorId !== connectorId) {
    throw new UnauthorizedError("Unknown webhook URL");
  }
  if (!connector.deliveryTracking) {
    throw new ForbiddenError("This connector has no delivery tracking: receipts are not accepted");
  }
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = header(event, name);
    if (value !== undefined) headers[name] = value;
  }
  if (connector.provider === "sinch" && connector.sinch.webhookSecret) {
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) lower[k.toLowerCase()] = v;
    const check = verifySinchSignature({
      secret: connector.sinch.webhookSecret,
      rawBody: body,
      headers: lower,
      nowMs: now,
    });
    if (!check.ok) throw new UnauthorizedError("The webhook signature is not valid");
  }
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
  const raw: RawReceipt = {
    id: randomUUID(),
    appId: connector.appId,
    connectorId,
    provider: connector.provider as ProviderName,
    receivedAt: now,
    // Phone numbers never reach the queue (nor, later, the parked receipts).
    request: redactPhones(connector.provider as ProviderName, {
      method: event.requestContext.http.method,
      query,
      headers,
      body,
    }),
  };
  try {
    await queue().send("receipts", [JSON.stringify(raw)]);
  } catch (e) {
    console.error(
      JSON.stringify({ level: "error", msg: "receipt not queued", connectorId, error: (e as Error).message }),
    );
    throw new QueueUnavailableError();
  }
  return { statusCode: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "OK" };
}

export const handler = middy<APIGatewayProxyEventV2, ApiResult>()
  .use(securityHeaders())
  .use(httpErrors())
  .handler(receive);
