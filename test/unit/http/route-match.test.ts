import { describe, expect, it } from "vitest";
import { matchRoute } from "../../../lambdas/http/route-match.js";
import { type RouteSpec, routes } from "../../../lambdas/topology/routes.js";

const table: RouteSpec[] = [
  { method: "GET", path: "/health", fn: "public", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/v1/apps/{appId}/campaigns", fn: "management", auth: "app", rateLimit: 1 },
  {
    method: "GET",
    path: "/v1/apps/{appId}/campaigns/{campaignId}",
    fn: "analytics",
    auth: "app",
    rateLimit: 1,
  },
  { method: "GET", path: "/v1/apps/{appId}/campaigns/latest", fn: "management", auth: "app", rateLimit: 1 },
  { method: "PUT", path: "/v1/apps/{appId}", fn: "management", auth: "admin", rateLimit: 1 },
  { method: "HEAD", path: "/only-head", fn: "public", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/only-head", fn: "analytics", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/l/{code+}", fn: "redirect", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/files/{rest+}", fn: "public", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/files/{name}", fn: "analytics", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/files/special/{rest+}", fn: "management", auth: "public", rateLimit: 1 },
];

describe("matchRoute", () => {
  it("matches a literal route and gives API Gateway's route key", () => {
    const m = matchRoute("GET", "/health", table);
    expect(m?.routeKey).toBe("GET /health");
    expect(m?.route.fn).toBe("public");
    expect(m?.pathParameters).toEqual({});
  });

  it("extracts URL-decoded path parameters", () => {
    const m = matchRoute("GET", "/v1/apps/my%20app/campaigns/c%2F1", table);
    expect(m?.routeKey).toBe("GET /v1/apps/{appId}/campaigns/{campaignId}");
    expect(m?.pathParameters).toEqual({ appId: "my app", campaignId: "c/1" });
  });

  it("treats {name} as exactly one non-empty segment", () => {
    expect(matchRoute("GET", "/v1/apps//campaigns", table)).toBeUndefined();
    expect(matchRoute("GET", "/v1/apps/a/b/campaigns", table)).toBeUndefined();
    expect(matchRoute("GET", "/v1/apps/a/campaigns/", table)).toBeUndefined();
    expect(matchRoute("GET", "/health/", table)).toBeUndefined();
  });

  it("prefers a literal segment over a parameter, whatever the table order", () => {
    expect(matchRoute("GET", "/v1/apps/a/campaigns/latest", table)?.routeKey).toBe(
      "GET /v1/apps/{appId}/campaigns/latest",
    );
    expect(matchRoute("GET", "/v1/apps/a/campaigns/other", table)?.pathParameters).toEqual({
      appId: "a",
      campaignId: "other",
    });
  });

  it("answers no match for a known path with another method (API Gateway's 404)", () => {
    expect(matchRoute("POST", "/health", table)).toBeUndefined();
    expect(matchRoute("GET", "/v1/apps/a", table)).toBeUndefined();
    expect(matchRoute("put", "/v1/apps/a", table)?.routeKey).toBe("PUT /v1/apps/{appId}");
  });

  it("routes HEAD to a HEAD route when there is one, else to GET", () => {
    expect(matchRoute("HEAD", "/only-head", table)?.route.fn).toBe("public");
    expect(matchRoute("HEAD", "/health", table)?.routeKey).toBe("GET /health");
    expect(matchRoute("HEAD", "/nowhere", table)).toBeUndefined();
  });

  it("leaves a malformed escape unmatched instead of throwing", () => {
    expect(matchRoute("PUT", "/v1/apps/%E0%A4%A", table)).toBeUndefined();
  });

  it("treats a final {name+} as the rest of the path: one or more segments, URL-decoded", () => {
    const code = "AbCdEfGhIjKlMn";
    const cases: Array<[string, string]> = [
      [`/l/${code}`, code],
      [`/l/${code}/`, `${code}/`],
      [`/l/${code}.`, `${code}.`],
      [`/l/${code})`, `${code})`],
      [`/l/${code}/foo/bar`, `${code}/foo/bar`],
      [`/l/${code}%E3%80%82`, `${code}。`],
      [`/l/${code}%2Fx%20y`, `${code}/x y`],
      [`/l/${code}//`, `${code}//`],
    ];
    for (const [path, value] of cases) {
      const m = matchRoute("GET", path, table);
      expect(m?.routeKey, path).toBe("GET /l/{code+}");
      expect(m?.pathParameters, path).toEqual({ code: value });
    }
    expect(matchRoute("HEAD", `/l/${code}/`, table)?.pathParameters).toEqual({ code: `${code}/` });
  });

  it("does not match a greedy variable to nothing, nor a malformed escape", () => {
    expect(matchRoute("GET", "/l", table)).toBeUndefined();
    expect(matchRoute("GET", "/l/", table)).toBeUndefined();
    expect(matchRoute("GET", "/l/abc%E3%80", table)).toBeUndefined();
    expect(matchRoute("GET", "/l/abc/%ZZ", table)).toBeUndefined();
  });

  it("prefers a literal, then {name}, over {name+}", () => {
    expect(matchRoute("GET", "/files/a", table)?.routeKey).toBe("GET /files/{name}");
    expect(matchRoute("GET", "/files/a/b", table)?.pathParameters).toEqual({ rest: "a/b" });
    expect(matchRoute("GET", "/files/special/x", table)?.routeKey).toBe("GET /files/special/{rest+}");
    expect(matchRoute("GET", "/files/special", table)?.routeKey).toBe("GET /files/{name}");
    expect(matchRoute("GET", "/files/specialx/y", table)?.routeKey).toBe("GET /files/{rest+}");
  });

  it("matches every route of the product's table to itself", () => {
    for (const r of routes) {
      const path = r.path.replace(/\{(\w+)\+?\}/g, "x-$1");
      const m = matchRoute(r.method, path, routes);
      expect(m?.route).toBe(r);
    }
  });
});
