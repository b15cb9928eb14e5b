import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { ErrorDetail } from "./errors.js";

export type ApiResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/** A JSON response. Security headers are added by the `securityHeaders` middleware. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode: status,
    headers: { "content-type": JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

/** The one error body shape of the API. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  details: ErrorDetail[] = [],
  headers: Record<string, string> = {},
): ApiResult {
  return json(status, { error: { code, message, details } }, headers);
}
