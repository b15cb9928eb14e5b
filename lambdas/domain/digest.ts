import { createHash } from "node:crypto";

/**
 * SHA-256 (FIPS 180-4) of UTF-8 text: the one digest of the product — API keys and webhook tokens are
 * stored as their digest, message ids and URL keys are digests of what identifies them.
 */
export function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** SHA-256 as lower-case hex (stored key and token hashes). */
export const sha256Hex = (text: string): string => sha256(text).toString("hex");

/** SHA-256 as base64url, optionally cut to `length` characters (ids and keys derived from content). */
export const sha256Base64Url = (text: string, length?: number): string => {
  const full = sha256(text).toString("base64url");
  return length === undefined ? full : full.slice(0, length);
};
