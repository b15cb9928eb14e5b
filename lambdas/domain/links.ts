import { randomBytes } from "node:crypto";

/** A tracked link answers for 15 days (360 hours) after its message's sent time, then 410. */
export const LINK_LIFETIME_MS = 360 * 3_600_000;

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 14 base62 characters ≈ 83 bits: guessing one live code is hopeless at any request rate. */
export const CODE_LENGTH = 14;
const CODE_PATTERN = /^[0-9A-Za-z]{14}$/;

/** An unguessable short code from the OS's CSPRNG (rejection sampling keeps every symbol equally likely). */
export function newLinkCode(): string {
  let code = "";
  while (code.length < CODE_LENGTH) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && code.length < CODE_LENGTH) code += ALPHABET[byte % 62];
    }
  }
  return code;
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
