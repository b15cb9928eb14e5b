import type { MiddlewareObj } from "@middy/core";
import type { ApiEvent } from "./api-event.js";
import { InvalidJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from "./errors.js";
import type { ApiResult } from "./response.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `application/json`, `application/merge-patch+json` etc., with any parameters (charset=utf-8). */
function isJsonType(contentType: string): boolean {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

function header(event: ApiEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * Parses a JSON request body into `event.jsonBody` (decoding base64 bodies). No body leaves it
 * undefined; a body with a non-JSON content type is 415 (a missing content type is read as JSON).
 */
export function jsonBody(options: { maxBytes?: number } = {}): MiddlewareObj<ApiEvent, ApiResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  return {
    name: "jsonBody",
    before: (request): void => {
      const event = request.event;
      event.jsonBody = undefined;
      if (event.body === undefined || event.body === null || event.body === "") return;
      const contentType = header(event, "content-type");
      if (contentType !== undefined && !isJsonType(contentType))
        throw new UnsupportedMediaTypeError(contentType);
      const bytes = event.isBase64Encoded
        ? Buffer.from(event.body, "base64")
        : Buffer.from(event.body, "utf8");
      if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        throw new InvalidJsonError("is not valid UTF-8");
      }
      if (text.trim() === "") return;
      try {
        event.jsonBody = JSON.parse(text);
      } catch (err) {
        throw new InvalidJsonError(
          `is not valid JSON (${err instanceof Error ? err.message : "parse error"})`,
        );
      }
    },
  };
}
