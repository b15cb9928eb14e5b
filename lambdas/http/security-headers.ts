import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { ApiResult } from "./response.js";

const HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  // API answers carry keys, tokens and per-tenant numbers: no shared or browser cache may keep them.
  "cache-control": "no-store",
};

function apply(response: ApiResult | null | undefined): void {
  if (!response) return;
  response.headers = { ...HEADERS, ...response.headers };
  // Explicitly set by the handler wins (e.g. a cacheable document), except nosniff which always holds.
  response.headers["x-content-type-options"] = "nosniff";
}

/** Adds the security headers to every response, success or error. Use it first so it runs last. */
export function securityHeaders(): MiddlewareObj<APIGatewayProxyEventV2, ApiResult> {
  return {
    name: "securityHeaders",
    after: (request): void => apply(request.response),
    onError: (request): void => apply(request.response),
  };
}
