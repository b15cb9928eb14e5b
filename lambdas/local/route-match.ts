import type { RouteSpec } from "../topology/routes.js";

export interface RouteMatch {
  route: RouteSpec;
  /** API Gateway's route key, e.g. `GET /v1/apps/{appId}`. */
  routeKey: string;
  /** URL-decoded values of the route's `{name}` segments (empty object when the route has none). */
  pathParameters: Record<string, string>;
}

/** Per segment: the literal text, or the parameter name for `{name}`. */
type Segment = { literal: string } | { param: string };

function parseTemplate(path: string): Segment[] {
  return path
    .split("/")
    .slice(1)
    .map((s) => (s.startsWith("{") && s.endsWith("}") ? { param: s.slice(1, -1) } : { literal: s }));
}

function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Matches one template; `undefined` when the path does not fit it. */
function matchTemplate(template: Segment[], segments: string[]): Record<string, string> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as Segment;
    const raw = segments[i] as string;
    if ("literal" in t) {
      if (t.literal !== raw) return undefined;
    } else {
      if (raw === "") return undefined;
      const value = decodeSegment(raw);
      if (value === undefined) return undefined;
      params[t.param] = value;
    }
  }
  return params;
}

/** API Gateway prefers the most specific route: a literal segment beats a parameter at the first difference. */
function moreSpecific(a: Segment[], b: Segment[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const aLit = "literal" in (a[i] as Segment);
    const bLit = "literal" in (b[i] as Segment);
    if (aLit !== bLit) return aLit;
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
 * Finds the route for a request the way an HTTP API does: `{name}` is one non-empty segment, no match
 * (including a known path with another method) is a 404. HEAD uses a HEAD route if there is one, else GET's.
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
