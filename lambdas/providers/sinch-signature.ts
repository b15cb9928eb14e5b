/** Verification of Sinch's optional HMAC-SHA256 callback signature. */

import { createHmac, timingSafeEqual } from "node:crypto";

export interface SinchSignatureInput {
  secret: string;
  /** The body exactly as received: the signature covers the raw bytes. */
  rawBody: string | Uint8Array;
  /** Request headers (any case). */
  headers: Record<string, string | undefined>;
  nowMs: number;
  toleranceSeconds?: number;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v?.trim();
  return undefined;
}

export function sinchSignature(
  secret: string,
  rawBody: string | Uint8Array,
  nonce: string,
  timestamp: string,
): string {
  return createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody)
    .update(`.${nonce}.${timestamp}`, "utf8")
    .digest("base64");
}

export function verifySinchSignature(input: SinchSignatureInput): SignatureCheck {
  const { secret, rawBody, headers, nowMs, toleranceSeconds = 300 } = input;
  const signature = header(headers, "x-sinch-webhook-signature");
  const algorithm = header(headers, "x-sinch-webhook-signature-algorithm");
  const nonce = header(headers, "x-sinch-webhook-signature-nonce");
  const timestamp = header(headers, "x-sinch-webhook-signature-timestamp");
  if (!signature) return { ok: false, reason: "missing signature header" };
  if (!nonce) return { ok: false, reason: "missing signature nonce header" };
  if (!timestamp) return { ok: false, reason: "missing signature timestamp header" };
  if (algorithm?.toLowerCase() !== "hmacsha256")
    return { ok: false, reason: "unsupported signature algorithm" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed signature timestamp" };
  // Either direction: an old timestamp is a replay, a future one a forgery or a broken clock.
  if (Math.abs(nowMs - Number(timestamp) * 1000) > toleranceSeconds * 1000) {
    return { ok: false, reason: "signature timestamp outside tolerance" };
  }
  const expected = Buffer.from(sinchSignature(secret, rawBody, nonce, timestamp), "base64");
  const given = Buffer.from(signature, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "signature mismatch" };
  }
  return { ok: true };
}
