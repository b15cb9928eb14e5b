import { describe, expect, it } from "vitest";
import { handler } from "../../../lambdas/handlers/public.js";
import { OPERATIONS, openApiDocument, openApiPath } from "../../../lambdas/http/openapi.js";
import { routes } from "../../../lambdas/topology/routes.js";
import { apiEvent } from "../../support/api-event.js";

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown[]; requestBody?: unknown; parameters: unknown[] }>
  >;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const SPEC_ROUTES = [
  "PUT /v1/apps/{appId}",
  "PUT /v1/apps/{appId}/connectors/{connectorId}",
  "PUT /v1/apps/{appId}/campaigns/{campaignId}",
  "GET /v1/apps/{appId}/campaigns",
  "POST /v1/apps/{appId}/campaigns/{campaignId}/instances/{instanceId}/sends",
  "POST /v1/apps/{appId}/events",
  "GET /v1/apps/{appId}/campaigns/{campaignId}/analytics",
  "GET /webhooks/dlr/{connectorId}/{token}",
  "POST /webhooks/dlr/{connectorId}/{token}",
  "GET /l/{code}",
  "HEAD /l/{code}",
  "GET /health",
  "GET /openapi.json",
];

describe("OpenAPI document", () => {
  const doc = openApiDocument() as unknown as Doc;

  it("is OpenAPI 3.1 with a bearer scheme and the error schema", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.schemas.Error).toMatchObject({ type: "object", required: ["error"] });
  });

  it("documents every route of the spec and every route in the routes table", () => {
    const keys = [...SPEC_ROUTES, ...routes.map((r) => `${r.method} ${openApiPath(r.path)}`)];
    for (const key of keys) {
      const [method, path] = key.split(" ") as [string, string];
      expect(doc.paths[path]?.[method.toLowerCase()], key).toBeDefined();
      expect(OPERATIONS[key], `${key} has its own description`).toBeDefined();
    }
  });

  it("writes a greedy path variable as a plain OpenAPI parameter", () => {
    expect(openApiPath("/l/{code+}")).toBe("/l/{code}");
    expect(doc.paths["/l/{code+}"]).toBeUndefined();
    expect(doc.paths["/l/{code}"]?.get?.parameters).toEqual([
      { name: "code", in: "path", required: true, schema: { type: "string" } },
    ]);
  });

  it("asks for a bearer key on app and admin routes only", () => {
    expect(doc.paths["/v1/apps/{appId}"]?.put?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/health"]?.get?.security).toEqual([]);
    expect(doc.paths["/webhooks/dlr/{connectorId}/{token}"]?.post?.security).toEqual([]);
  });

  it("takes request bodies and query parameters from the zod schemas", () => {
    const connectorInput = doc.components.schemas.ConnectorInput as { oneOf: unknown[] };
    expect(connectorInput.oneOf).toHaveLength(5);
    const sandbox = connectorInput.oneOf[4] as {
      properties: { sandbox: { description: string; properties: Record<string, { description?: string }> } };
    };
    expect(sandbox.properties.sandbox.description).toMatch(/Sinch/);
    for (const [name, field] of Object.entries(sandbox.properties.sandbox.properties)) {
      expect(field.description, `sandbox.${name}`).toBeTruthy();
    }
    const campaign = doc.components.schemas.CampaignInput as { required: string[] };
    expect(campaign.required).toEqual(["name", "connectorId", "goals"]);
    const analytics = doc.paths["/v1/apps/{appId}/campaigns/{campaignId}/analytics"]?.get;
    expect(analytics?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "format", in: "query" })]),
    );
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of refs) expect(doc.components.schemas[ref.split("/").pop() as string], ref).toBeDefined();
  });
});

describe("public handler", () => {
  it("answers /health", async () => {
    const result = await handler(apiEvent({ method: "GET", route: "/health" }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? "")).toEqual({ status: "ok" });
    expect(result.headers?.["x-content-type-options"]).toBe("nosniff");
  });

  it("serves the document at /openapi.json", async () => {
    const result = await handler(apiEvent({ method: "GET", route: "/openapi.json" }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? "")).toMatchObject({ openapi: "3.1.0" });
  });
});
