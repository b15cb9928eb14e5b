import { randomBase62 } from "./ids.js";

/** A tracked link answers for 15 days (360 hours) after its message's sent time, then 410. */
export const LINK_LIFETIME_MS = 360 * 3_600_000;

/** 14 base62 characters ≈ 83 bits: guessing one live code is hopeless at any request rate. */
export const CODE_LENGTH = 14;
const CODE_PATTERN = /^[0-9A-Za-z]{14}$/;

/** An unguessable short code from the OS's CSPRNG. */
export function newLinkCode(): string {
  return randomBase62(CODE_LENGTH);
}

export function isLinkCode(code: string): boolean {
  return CODE_PATTERN.test(code);
}

/** http(s) URLs in a message, up to the first whitespace; trailing sentence punctuation is not part of them. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

export function findUrls(text: string): string[] {
  return [...text.matchAll(URL_PATTERN)].map((m) => m[0].replace(/[.,;:!?)\]]+$/, ""));
}

/**
 * Replaces every URL in the message with a short link; returns the text and the links to store.
 * The same URL twice in one message gets one code.
 */
export function shortenUrls(
  text: string,
  baseUrl: string,
  makeCode: () => string = newLinkCode,
): { text: string; links: Array<{ code: string; url: string }> } {
  const byUrl = new Map<string, string>();
  for (const url of findUrls(text)) if (!byUrl.has(url)) byUrl.set(url, makeCode());
  let out = text;
  // Longest first, so a URL that is a prefix of another never replaces part of it.
  for (const url of [...byUrl.keys()].sort((a, b) => b.length - a.length)) {
    out = out.split(url).join(`${baseUrl.replace(/\/$/, "")}/l/${byUrl.get(url)}`);
  }
  return { text: out, links: [...byUrl].map(([url, code]) => ({ code, url })) };
}

export type LinkState = "active" | "expired";

/** Expiry is decided here, in code, against the stored time — never by TTL deletion. */
export function linkState(expiresAt: number, now: number): LinkState {
  return now <= expiresAt ? "active" : "expired";
}

/**
 * The stored URL as a Location value. Stored URLs come from the message text (http/https, no
 * whitespace); this re-checks that and percent-encodes any non-ASCII characters as UTF-8, exactly as a
 * browser would, because a header carries ASCII only. An ASCII URL passes through unchanged.
 */
export function redirectTarget(url: string): string | null {
  if (!/^https?:\/\//i.test(url)) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u0020\u007f]/.test(url)) return null;
  try {
    return url.replace(/[^\x21-\x7e]+/gu, (s) => encodeURIComponent(s));
  } catch {
    return null; // lone surrogates cannot be encoded
  }
}
