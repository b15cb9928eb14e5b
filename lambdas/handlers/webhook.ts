import middy from "@middy/core";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { acceptReceipt } from "../flows/webhooks.js";
import { httpErrors } from "../http/error-mapper.js";
import { PayloadTooLargeError } from "../http/errors.js";
import type { ApiResult } from "../http/response.js";
import { securityHeaders } from "../http/security-headers.js";
import { nowMs } from "../platform/clock.js";

/** Receipts are small (a Gupshup batch is ≤ 20 events); anything near the queue's 256 KB limit is not one. */
export const MAX_RECEIPT_BYTES = 128 * 1024;

/** `GET|POST /webhooks/dlr/{connectorId}/{token}`: see flows/webhooks. Answers 200 once queued. */
async function receive(event: APIGatewayProxyEventV2): Promise<ApiResult> {
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, "base64").toString("utf8")
      : event.body
    : "";
  if (Buffer.byteLength(body) > MAX_RECEIPT_BYTES) throw new PayloadTooLargeError(MAX_RECEIPT_BYTES);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
  await acceptReceipt(
    {
      connectorId: event.pathParameters?.connectorId ?? "",
      token: event.pathParameters?.token ?? "",
      method: event.requestContext.http.method,
      query,
      headers,
      body,
    },
    nowMs(),
  );
  return { statusCode: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "OK" };
}

export const handler = middy<APIGatewayProxyEventV2, ApiResult>()
  .use(securityHeaders())
  .use(httpErrors())
  .handler(receive);
