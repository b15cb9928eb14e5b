import type { SendContext, SendOutcome } from "./types.js";

export interface ProviderResponse {
  status: number;
  text: string;
}

// Errors raised before a single byte reached the provider: the message certainly was not sent.
const NEVER_REACHED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NODATA",
  "EAI_NONAME",
  "EAI_FAIL",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

function errorCodes(err: unknown, depth = 0): string[] {
  if (depth > 4 || err === null || typeof err !== "object") return [];
  const codes: string[] = [];
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") codes.push(code);
  codes.push(...errorCodes((err as { cause?: unknown }).cause, depth + 1));
  // Happy-eyeballs connects to several addresses and reports an AggregateError.
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested)) for (const e of nested) codes.push(...errorCodes(e, depth + 1));
  return codes;
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
}

/** Maps a thrown fetch error to an outcome. Only errors that prove the request never left are failures. */
export function outcomeForError(err: unknown): SendOutcome {
  if (isTimeout(err))
    return { kind: "unknown", code: "TIMEOUT", description: "no answer within the timeout" };
  const codes = errorCodes(err);
  const reached = codes.find((c) => NEVER_REACHED.has(c));
  if (reached !== undefined) {
    return { kind: "failed", reason: "PROVIDER_ERROR", code: "CONNECTION_FAILED", description: reached };
  }
  return {
    kind: "unknown",
    code: "CONNECTION_LOST",
    description: codes[0] ?? (err instanceof Error ? err.name : "error"),
  };
}

/**
 * One HTTP call to a provider, with the whole exchange (headers and body) bounded by the timeout.
 * Returns the response, or the outcome to record when there is no usable response.
 */
export async function callProvider(
  ctx: SendContext,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<ProviderResponse | { outcome: SendOutcome }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { outcome: { kind: "failed", reason: "PROVIDER_ERROR", code: "INVALID_URL" } };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { outcome: { kind: "failed", reason: "PROVIDER_ERROR", code: "INVALID_URL" } };
  }
  const doFetch = ctx.fetch ?? fetch;
  try {
    const res = await doFetch(parsed, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: "manual",
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, text };
  } catch (err) {
    return { outcome: outcomeForError(err) };
  }
}

export function isOutcome(r: ProviderResponse | { outcome: SendOutcome }): r is { outcome: SendOutcome } {
  return "outcome" in r;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Strips trailing slashes so `${base}/path` never doubles them. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, "");
}
