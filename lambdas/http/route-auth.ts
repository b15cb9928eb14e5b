import type { MiddlewareObj } from "@middy/core";
import { type RouteAuth, routes } from "../topology/routes.js";
import type { ApiEvent } from "./api-event.js";
import { requireAdmin, requireApp } from "./auth.js";
import { NotFoundError } from "./errors.js";
import type { ApiResult } from "./response.js";

const AUTH_BY_ROUTE = new Map(routes.map((r) => [`${r.method} ${r.path}`, r.auth]));

/** The auth a route key needs, per the routes table; undefined for a route not in it. */
export function routeAuthOf(routeKey: string): RouteAuth | undefined {
  return AUTH_BY_ROUTE.get(routeKey);
}

/**
 * Enforces the route's auth before anything else reads the request. By default the routes table
 * decides (so CDK, the local runtime and the check agree); an unknown route is refused (fail closed).
 */
export function routeAuth(fixed?: RouteAuth): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    name: "routeAuth",
    before: async (request): Promise<void> => {
      const event = request.event;
      const auth = fixed ?? routeAuthOf(event.routeKey);
      if (auth === undefined) throw new NotFoundError(`No route ${event.routeKey}`);
      if (auth === "admin") await requireAdmin(event);
      if (auth === "app") event.app = await requireApp(event, event.pathParameters?.appId ?? "");
    },
  };
}

/** The authenticated app of an app-key route (set by `routeAuth`). */
export function appOf(event: ApiEvent): NonNullable<ApiEvent["app"]> {
  if (!event.app) throw new Error("routeAuth did not authenticate an app on this route");
  return event.app;
}
