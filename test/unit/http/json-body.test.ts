import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { type ApiEvent, json, jsonHandler } from "../../../lambdas/http/handler.js";
import { parseBody } from "../../../lambdas/http/validate.js";
import { appInput } from "../../../lambdas/schemas/app.js";
import { apiEvent } from "../../support/api-event.js";

// Echoes what the middleware parsed, so each test sees the body as a handler would.
const echo = jsonHandler(async (event: ApiEvent) => json(200, { parsed: event.jsonBody ?? null }), {
  auth: "public",
  maxBodyBytes: 1000,
});

function body(result: APIGatewayProxyStructuredResultV2): {
  parsed?: unknown;
  error?: Record<string, unknown>;
} {
  return JSON.parse(result.body ?? "");
}

const put = (extra: Partial<Parameters<typeof apiEvent>[0]>): ReturnType<typeof apiEvent> =>
  apiEvent({ method: "PUT", route: "/v1/apps/{appId}", params: { appId: "acme" }, ...extra });

describe("JSON body", () => {
  it("parses a JSON body", async () => {
    const result = await echo(put({ body: { name: "Acme" } }));
    expect(body(result)).toEqual({ parsed: { name: "Acme" } });
  });

  it("decodes base64 bodies", async () => {
    const result = await echo(put({ body: { name: "Åcme ✓" }, base64: true }));
    expect(body(result)).toEqual({ parsed: { name: "Åcme ✓" } });
  });

  it("accepts a JSON content type with a charset, and a body without a content type", async () => {
    const withCharset = put({
      body: '{"a":1}',
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(body(await echo(withCharset))).toEqual({ parsed: { a: 1 } });
    expect(body(await echo(put({ body: '{"a":2}' })))).toEqual({ parsed: { a: 2 } });
  });

  it("answers 400 INVALID_JSON naming the problem", async () => {
    const result = await echo(
      put({ body: '{"name": "Acme",}', headers: { "content-type": "application/json" } }),
    );
    expect(result.statusCode).toBe(400);
    const error = body(result).error;
    expect(error?.code).toBe("INVALID_JSON");
    expect(error?.details).toEqual([
      { field: "body", problem: expect.stringContaining("is not valid JSON") },
    ]);
  });

  it("answers 400 for bytes that are not UTF-8", async () => {
    const event = put({ headers: { "content-type": "application/json" } });
    event.body = Buffer.from([0x7b, 0xff, 0x7d]).toString("base64");
    event.isBase64Encoded = true;
    const result = await echo(event);
    expect(result.statusCode).toBe(400);
    expect(body(result).error?.details).toEqual([{ field: "body", problem: "is not valid UTF-8" }]);
  });

  it("answers 415 for a body with a non-JSON content type", async () => {
    const result = await echo(
      put({ body: "name=Acme", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    expect(result.statusCode).toBe(415);
    expect(body(result).error?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 413 over the size limit", async () => {
    const result = await echo(put({ body: { name: "x".repeat(1000) } }));
    expect(result.statusCode).toBe(413);
    expect(body(result).error?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("leaves no body undefined, and parseBody says the body is required", async () => {
    expect(body(await echo(put({})))).toEqual({ parsed: null });
    const strict = jsonHandler(async (event) => json(200, parseBody(appInput, event)), { auth: "public" });
    const result = await strict(put({}));
    expect(result.statusCode).toBe(400);
    expect(body(result).error?.details).toEqual([
      { field: "body", problem: "is required: send a JSON object" },
    ]);
  });
});
