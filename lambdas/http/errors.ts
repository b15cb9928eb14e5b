import type { FieldError } from "../schemas/issues.js";

export type ErrorDetail = FieldError;

/** An error the client caused (or may know about): mapped to its status and the API error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Extra response headers, e.g. `www-authenticate` on 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export class ValidationError extends HttpError {
  constructor(details: ErrorDetail[], message = "The request is invalid") {
    super(400, "VALIDATION_FAILED", message, details);
    this.name = "ValidationError";
  }
}

export class InvalidJsonError extends HttpError {
  constructor(problem: string) {
    super(400, "INVALID_JSON", "The request body is not valid JSON", [{ field: "body", problem }]);
    this.name = "InvalidJsonError";
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = "A valid API key is required: Authorization: Bearer <key>") {
    super(401, "UNAUTHORIZED", message, [], { "www-authenticate": 'Bearer realm="api"' });
    this.name = "UnauthorizedError";
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = "This key may not access this resource") {
    super(403, "FORBIDDEN", message);
    this.name = "ForbiddenError";
  }
}

export class NotFoundError extends HttpError {
  constructor(message = "Not found") {
    super(404, "NOT_FOUND", message);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(409, "CONFLICT", message, details);
    this.name = "ConflictError";
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, "PAYLOAD_TOO_LARGE", `The request body exceeds ${limitBytes} bytes`);
    this.name = "PayloadTooLargeError";
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(contentType: string) {
    super(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type ${JSON.stringify(contentType)} is not supported; send application/json`,
      [{ field: "content-type", problem: "must be application/json" }],
    );
    this.name = "UnsupportedMediaTypeError";
  }
}
