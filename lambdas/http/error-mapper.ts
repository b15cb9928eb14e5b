import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { z } from "zod";
import {
  ConflictError,
  type DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
} from "../domain/errors.js";
import { logger } from "../platform/logger.js";
import { issueDetails } from "../schemas/issues.js";
import { HttpError } from "./errors.js";
import { type ApiResult, errorResponse } from "./response.js";

/** One structured line per unexpected error: message and request id only (no stack, body or headers). */
function logUnexpected(err: unknown, event: APIGatewayProxyEventV2, awsRequestId: string | undefined): void {
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  logger.error("unhandled error", {
    error,
    routeKey: event.routeKey,
    requestId: event.requestContext?.requestId,
    awsRequestId,
  });
}

/** Recognised by shape, not `instanceof`: importing zod here would put all of it into every bundle. */
function isZodError(err: unknown): err is z.core.$ZodError {
  return (
    err instanceof Error && err.name === "ZodError" && Array.isArray((err as { issues?: unknown }).issues)
  );
}

/** Each domain failure's HTTP status and error code, in one place. */
const DOMAIN_STATUS: Array<[new (...args: never[]) => DomainError, number, string]> = [
  [InvalidInputError, 400, "VALIDATION_FAILED"],
  [UnauthenticatedError, 401, "UNAUTHORIZED"],
  [ForbiddenError, 403, "FORBIDDEN"],
  [NotFoundError, 404, "NOT_FOUND"],
  [ConflictError, 409, "CONFLICT"],
  [UnavailableError, 503, "UNAVAILABLE"],
];

/**
 * Maps a thrown error to the API error body: HttpError as is, domain errors by kind, ZodError as 400,
 * anything else undefined (a 500).
 */
export function toErrorResponse(err: unknown): ApiResult | undefined {
  if (err instanceof HttpError)
    return errorResponse(err.status, err.code, err.message, err.details, err.headers);
  for (const [kind, status, code] of DOMAIN_STATUS) {
    if (err instanceof kind) {
      const headers: Record<string, string> =
        status === 401 ? { "www-authenticate": 'Bearer realm="api"' } : {};
      return errorResponse(status, code, err.message, (err as DomainError).details, headers);
    }
  }
  if (isZodError(err)) {
    return errorResponse(400, "VALIDATION_FAILED", "The request is invalid", issueDetails(err.issues));
  }
  return undefined;
}

export function httpErrors(): MiddlewareObj<APIGatewayProxyEventV2, ApiResult> {
  return {
    name: "httpErrors",
    onError: (request): void => {
      const mapped = toErrorResponse(request.error);
      if (mapped) {
        request.response = mapped;
        return;
      }
      logUnexpected(request.error, request.event, request.context?.awsRequestId);
      request.response = errorResponse(500, "INTERNAL", "Internal error");
    },
  };
}
