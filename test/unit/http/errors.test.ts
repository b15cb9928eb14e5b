import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  ConflictError,
  ForbiddenError,
  HttpError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../../../lambdas/http/errors.js";
import { json, jsonHandler } from "../../../lambdas/http/handler.js";
import { setLogSink } from "../../../lambdas/platform/logger.js";
import { apiEvent } from "../../support/api-event.js";

const event = apiEvent({ method: "GET", route: "/health" });

function body(result: APIGatewayProxyStructuredResultV2): unknown {
  return JSON.parse(result.body ?? "");
}

function throwing(err: unknown): ReturnType<typeof jsonHandler> {
  return jsonHandler(
    async () => {
      throw err;
    },
    { auth: "public" },
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("error mapping", () => {
  it.each([
    [new ValidationError([{ field: "name", problem: "is required" }]), 400, "VALIDATION_FAILED"],
    [new UnauthorizedError(), 401, "UNAUTHORIZED"],
    [new ForbiddenError(), 403, "FORBIDDEN"],
    [new NotFoundError(), 404, "NOT_FOUND"],
    [new ConflictError("provider cannot change"), 409, "CONFLICT"],
  ])("maps %s to its status and the error body", async (err, status, code) => {
    const result = await throwing(err)(event);
    expect(result.statusCode).toBe(status);
    expect(body(result)).toEqual({ error: { code, message: err.message, details: err.details } });
    expect(result.body).not.toContain("at ");
  });

  it("keeps the details of a validation error", async () => {
    const err = new ValidationError([{ field: "recipients[3].phone", problem: "is required" }]);
    const result = await throwing(err)(event);
    expect(body(result)).toEqual({
      error: {
        code: "VALIDATION_FAILED",
        message: "The request is invalid",
        details: [{ field: "recipients[3].phone", problem: "is required" }],
      },
    });
  });

  it("sends www-authenticate with a 401", async () => {
    const result = await throwing(new UnauthorizedError())(event);
    expect(result.headers?.["www-authenticate"]).toBe('Bearer realm="api"');
  });

  it("maps a thrown ZodError to 400 with the field path", async () => {
    const schema = z.object({ recipients: z.array(z.object({ phone: z.string() })) });
    const parsed = schema.safeParse({ recipients: [{ phone: "1" }, { phone: 2 }] });
    const result = await throwing(parsed.error)(event);
    expect(result.statusCode).toBe(400);
    expect(body(result)).toMatchObject({
      error: { code: "VALIDATION_FAILED", details: [{ field: "recipients[1].phone" }] },
    });
  });

  it("hides anything unexpected behind a 500 and logs one line with the message and request id", async () => {
    const log = vi.fn();
    setLogSink({ error: log, log: vi.fn(), info: vi.fn(), warn: vi.fn(), debug: vi.fn(), trace: vi.fn() });
    const result = await throwing(new TypeError("cannot read x of undefined"))(event);
    expect(result.statusCode).toBe(500);
    expect(body(result)).toEqual({ error: { code: "INTERNAL", message: "Internal error", details: [] } });
    expect(result.body).not.toContain("cannot read");
    expect(log).toHaveBeenCalledTimes(1);
    const line = JSON.parse(String(log.mock.calls[0]?.[0]));
    expect(line).toMatchObject({
      level: "ERROR",
      error: "TypeError: cannot read x of undefined",
      requestId: event.requestContext.requestId,
    });
    expect(String(log.mock.calls[0]?.[0])).not.toContain("    at ");
  });

  it("treats a custom HttpError as the client's error", async () => {
    const result = await throwing(new HttpError(410, "GONE", "expired"))(event);
    expect(result.statusCode).toBe(410);
    expect(body(result)).toEqual({ error: { code: "GONE", message: "expired", details: [] } });
  });
});

describe("security headers", () => {
  it("are on successful responses", async () => {
    const ok = jsonHandler(async () => json(200, { a: 1 }), { auth: "public" });
    const result = await ok(event);
    expect(result.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
      "content-type": "application/json; charset=utf-8",
    });
  });

  it("are on error responses", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const result = await throwing(new Error("boom"))(event);
    expect(result.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
      "content-type": "application/json; charset=utf-8",
    });
  });
});
