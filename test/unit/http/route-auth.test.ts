import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { bearerKey } from "../../../lambdas/http/auth.js";
import { UnauthorizedError } from "../../../lambdas/http/errors.js";
import { json, jsonHandler } from "../../../lambdas/http/handler.js";
import { apiEvent } from "../../support/api-event.js";

const ok = jsonHandler(async () => json(200, { reached: true }));

function error(result: APIGatewayProxyStructuredResultV2): { code?: string } {
  return (JSON.parse(result.body ?? "") as { error?: { code?: string } }).error ?? {};
}

describe("route auth (decided by the routes table)", () => {
  it("refuses a route that is not in the table", async () => {
    const result = await ok(apiEvent({ method: "GET", route: "/v1/secret" }));
    expect(result.statusCode).toBe(404);
    expect(error(result).code).toBe("NOT_FOUND");
  });

  it("lets public routes through without a key", async () => {
    const result = await ok(apiEvent({ method: "GET", route: "/health" }));
    expect(result.statusCode).toBe(200);
  });

  it("answers 401 on app and admin routes without an Authorization header, before reading the body", async () => {
    const app = apiEvent({ method: "GET", route: "/v1/apps/{appId}/campaigns", params: { appId: "acme" } });
    const admin = apiEvent({
      method: "PUT",
      route: "/v1/apps/{appId}",
      params: { appId: "acme" },
      body: "{",
    });
    for (const event of [app, admin]) {
      const result = await ok(event);
      expect(result.statusCode).toBe(401);
      expect(error(result).code).toBe("UNAUTHORIZED");
    }
  });
});

describe("bearerKey", () => {
  const withHeader = (value: string): ReturnType<typeof apiEvent> =>
    apiEvent({ method: "GET", route: "/health", headers: { authorization: value } });

  it("reads Bearer <key>, case-insensitively for the scheme", () => {
    expect(bearerKey(withHeader("Bearer sk_abc"))).toBe("sk_abc");
    expect(bearerKey(withHeader("bearer sk_abc"))).toBe("sk_abc");
  });

  it.each(["sk_abc", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", `Bearer ${"k".repeat(513)}`])(
    "rejects %j with 401",
    (value) => {
      expect(() => bearerKey(withHeader(value))).toThrow(UnauthorizedError);
    },
  );
});
