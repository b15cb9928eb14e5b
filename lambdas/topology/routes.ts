/** The HTTP routes: which function answers each, with which authentication and rate limit. */
import type { FunctionName } from "./functions.js";

export type RouteAuth = "admin" | "app" | "public" | "token";

export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  /**
   * API Gateway HTTP API path syntax: `{name}` is one segment; a final `{name+}` (greedy path
   * variable) is the rest of the path, one or more segments.
   */
  path: string;
  fn: FunctionName;
  auth: RouteAuth;
  /** Steady-state requests per second allowed on this route (API Gateway throttling). */
  rateLimit: number;
}

export const routes: RouteSpec[] = [
  { method: "GET", path: "/health", fn: "public", auth: "public", rateLimit: 50 },
  { method: "GET", path: "/openapi.json", fn: "public", auth: "public", rateLimit: 50 },
  { method: "PUT", path: "/v1/apps/{appId}", fn: "management", auth: "admin", rateLimit: 20 },
  { method: "GET", path: "/v1/apps/{appId}", fn: "management", auth: "app", rateLimit: 50 },
  { method: "POST", path: "/v1/apps/{appId}/api-keys", fn: "management", auth: "admin", rateLimit: 5 },
  { method: "GET", path: "/v1/apps/{appId}/connectors", fn: "management", auth: "app", rateLimit: 50 },
  {
    method: "GET",
    path: "/v1/apps/{appId}/connectors/{connectorId}",
    fn: "management",
    auth: "app",
    rateLimit: 50,
  },
  {
    method: "GET",
    path: "/v1/apps/{appId}/connectors/{connectorId}/sandbox-messages",
    fn: "management",
    auth: "app",
    rateLimit: 20,
  },
  {
    method: "DELETE",
    path: "/v1/apps/{appId}/connectors/{connectorId}",
    fn: "management",
    auth: "app",
    rateLimit: 20,
  },
  {
    method: "GET",
    path: "/v1/apps/{appId}/campaigns/{campaignId}",
    fn: "management",
    auth: "app",
    rateLimit: 50,
  },
  {
    method: "DELETE",
    path: "/v1/apps/{appId}/campaigns/{campaignId}",
    fn: "management",
    auth: "app",
    rateLimit: 20,
  },
  {
    method: "GET",
    path: "/v1/apps/{appId}/campaigns/{campaignId}/instances",
    fn: "management",
    auth: "app",
    rateLimit: 50,
  },
  {
    method: "PUT",
    path: "/v1/apps/{appId}/connectors/{connectorId}",
    fn: "management",
    auth: "app",
    rateLimit: 20,
  },
  {
    method: "PUT",
    path: "/v1/apps/{appId}/campaigns/{campaignId}",
    fn: "management",
    auth: "app",
    rateLimit: 20,
  },
  { method: "GET", path: "/v1/apps/{appId}/campaigns", fn: "management", auth: "app", rateLimit: 50 },
  {
    method: "POST",
    path: "/v1/apps/{appId}/campaigns/{campaignId}/instances/{instanceId}/sends",
    fn: "sends",
    auth: "app",
    rateLimit: 20,
  },
  { method: "POST", path: "/v1/apps/{appId}/events", fn: "events", auth: "app", rateLimit: 200 },
  {
    method: "GET",
    path: "/webhooks/dlr/{connectorId}/{token}",
    fn: "webhook",
    auth: "token",
    rateLimit: 500,
  },
  {
    method: "POST",
    path: "/webhooks/dlr/{connectorId}/{token}",
    fn: "webhook",
    auth: "token",
    rateLimit: 500,
  },
  // Greedy: SMS and chat apps glue characters to a tapped link (`/l/{code}/`, `/l/{code}%E3%80%82`);
  // the redirect finds the code in front of them (`linkCodeFrom`).
  { method: "GET", path: "/l/{code+}", fn: "redirect", auth: "public", rateLimit: 1000 },
  { method: "HEAD", path: "/l/{code+}", fn: "redirect", auth: "public", rateLimit: 1000 },
  {
    method: "GET",
    path: "/v1/apps/{appId}/parked-receipts",
    fn: "parkedReceipts",
    auth: "admin",
    rateLimit: 10,
  },
  {
    method: "POST",
    path: "/v1/apps/{appId}/parked-receipts/replay",
    fn: "parkedReceipts",
    auth: "admin",
    rateLimit: 5,
  },
  {
    method: "GET",
    path: "/v1/apps/{appId}/campaigns/{campaignId}/analytics",
    fn: "analytics",
    auth: "app",
    rateLimit: 100,
  },
];

/**
 * Requests that match no route (API Gateway's `$default` route): answered by this function with 404,
 * or 405 and `Allow` when the path exists with other methods — both in the API's error format.
 */
export const unmatchedRoutes: { fn: FunctionName; rateLimit: number } = { fn: "public", rateLimit: 50 };

/** The route key API Gateway gives requests that match no route. */
export const DEFAULT_ROUTE_KEY = "$default";
