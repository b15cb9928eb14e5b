import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { AppRecord } from "../store/apps.js";

/** The API Gateway event as the middlewares leave it for a handler. */
export interface ApiEvent extends APIGatewayProxyEventV2 {
  /** The parsed JSON body; undefined when the request had none. Set by `jsonBody`. */
  jsonBody?: unknown;
  /** The authenticated app on app-key routes. Set by `routeAuth`. */
  app?: AppRecord;
}
