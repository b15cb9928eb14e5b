import type { RouteSpec } from "../topology/routes.js";

export interface RouteMatch {
  route: RouteSpec;
  /** API Gateway's route key, e.g. `GET /v1/apps/{appId}`. */
  routeKey: string;
  /**
   * URL-decoded values of the route's `{name}` segments and of its `{name+}` greedy variable (the
   * rest of the path, `/` included); an empty object when the route has none.
   */
  pathParameters: Record<string, string>;
}

/** Per segment: the literal text, the parameter name for `{name}`, or the greedy variable `{name+}`. */
type Segment = { literal: string } | { param: string } | { greedy: string };

function parseTemplate(path: string): Segment[] {
  return path
    .split("/")
    .slice(1)
    .map((s) => {
      if (!(s.startsWith("{") && s.endsWith("}"))) return { literal: s };
      const name = s.slice(1, -1);
      return name.endsWith("+") ? { greedy: name.slice(0, -1) } : { param: name };
    });
}

/**
 * API Gateway decodes URL-encoded path parameters before they reach the function ("API Gateway
 * decodes URL-encoded request parameters before passing them to your backend integration", HTTP API
 * routes guide); a malformed escape leaves the path unmatched here (404) instead of throwing.
 */
function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Matches one template; `undefined` when the path does not fit it. A greedy variable (always last,
 * as API Gateway requires) takes one or more remaining segments: the rest of the path, non-empty.
 */
function matchTemplate(template: Segment[], segments: string[]): Record<string, string> | undefined {
  const last = template.at(-1);
  const greedy = last !== undefined && "greedy" in last ? last.greedy : undefined;
  const fixed = greedy === undefined ? template.length : template.length - 1;
  if (greedy === undefined ? segments.length !== fixed : segments.length <= fixed) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < fixed; i++) {
    const t = template[i] as Segment;
    const raw = segments[i] as string;
    if ("literal" in t) {
      if (t.literal !== raw) return undefined;
    } else {
      if (raw === "") return undefined;
      const value = decode(raw);
      if (value === undefined) return undefined;
      params["param" in t ? t.param : t.greedy] = value;
    }
  }
  if (greedy !== undefined) {
    const rest = segments.slice(fixed).join("/");
    if (rest === "") return undefined;
    const value = decode(rest);
    if (value === undefined) return undefined;
    params[greedy] = value;
  }
  return params;
}

/** How specific a segment is: a literal beats `{name}`, which beats `{name+}`. */
function rank(s: Segment | undefined): number {
  if (s === undefined || "greedy" in s) return 0;
  return "param" in s ? 1 : 2;
}

/** API Gateway prefers the most specific route: at the first difference, the more specific segment wins. */
function moreSpecific(a: Segment[], b: Segment[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const ra = rank(a[i]);
    const rb = rank(b[i]);
    if (ra !== rb) return ra > rb;
  }
  return false;
}

function findFor(method: string, rawPath: string, routes: readonly RouteSpec[]): RouteMatch | undefined {
  const segments = rawPath.split("/").slice(1);
  let best: { route: RouteSpec; template: Segment[]; params: Record<string, string> } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = parseTemplate(route.path);
    const params = matchTemplate(template, segments);
    if (!params) continue;
    if (!best || moreSpecific(template, best.template)) best = { route, template, params };
  }
  if (!best) return undefined;
  return {
    route: best.route,
    routeKey: `${best.route.method} ${best.route.path}`,
    pathParameters: best.params,
  };
}

/**
 * Finds the route for a request the way an HTTP API does: `{name}` is one non-empty segment, a final
 * `{name+}` (greedy path variable) is the non-empty rest of the path, values URL-decoded; a literal
 * segment beats `{name}`, which beats `{name+}`. No match (including a known path with another method)
 * is `undefined`, API Gateway's 404. HEAD uses a HEAD route if there is one, else GET's.
 * `rawPath` is the request path without its query string, still percent-encoded.
 */
export function matchRoute(
  method: string,
  rawPath: string,
  routes: readonly RouteSpec[],
): RouteMatch | undefined {
  if (!rawPath.startsWith("/")) return undefined;
  const m = method.toUpperCase();
  const found = findFor(m, rawPath, routes);
  if (found || m !== "HEAD") return found;
  return findFor("GET", rawPath, routes);
}

/**
 * The methods that have a route for this path (`[]` when none does): a request that matched no route
 * is answered 405 with them as `Allow`, or 404 when there are none.
 */
export function allowedMethods(rawPath: string, routes: readonly RouteSpec[]): string[] {
  const methods = [...new Set(routes.map((r) => r.method))];
  return methods.filter((m) => findFor(m, rawPath, routes) !== undefined).sort();
}
