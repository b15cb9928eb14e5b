import middy from "@middy/core";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { RouteAuth } from "../topology/routes.js";
import type { ApiEvent } from "./api-event.js";
import { httpErrors } from "./error-mapper.js";
import { jsonBody } from "./json-body.js";
import { type ApiResult, json } from "./response.js";
import { routeAuth } from "./route-auth.js";
import { securityHeaders } from "./security-headers.js";

export type { ApiEvent, ApiResult };
export { json };

export type ApiFn = (event: ApiEvent, context: Context) => Promise<ApiResult>;
export type ApiHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<ApiResult>;

export interface JsonHandlerOptions {
  /** Override the routes table's auth for this handler (e.g. a handler serving one public route). */
  auth?: RouteAuth;
  maxBodyBytes?: number;
}

/**
 * An API route handler: security headers and error mapping around everything, then auth, then the
 * JSON body, then `fn`. Middleware order matters: the first `use` runs its `after`/`onError` last.
 */
export function jsonHandler(fn: ApiFn, options: JsonHandlerOptions = {}): ApiHandler {
  const wrapped = middy<ApiEvent, ApiResult>()
    .use(securityHeaders())
    .use(httpErrors())
    .use(routeAuth(options.auth))
    .use(jsonBody({ maxBytes: options.maxBodyBytes }))
    .handler((event: ApiEvent, context: Context) => fn(event, context));
  // Outside Lambda (tests, the local runtime) there may be no context; middy accepts an empty one.
  return (event, context) => wrapped(event, context ?? ({} as Context));
}
