import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { LinkifyIt } from "linkify-it";
import { BASE62, randomBase62 } from "./ids.js";

/** A tracked link answers for 15 days (360 hours) after its message's sent time, then 410. */
export const LINK_LIFETIME_MS = 360 * 3_600_000;

/**
 * A short code is 14 base62 characters: `prefix` (5, the instance's link prefix) + 5 random + a 4-character
 * tag, HMAC-SHA256 of the first 10 under the prefix's own key. Why: link items are deleted by TTL 30 days
 * after they expire, and an expired link must still answer 410 and count `afterExpiry` after that
 * (issue 13 §2). The prefix item (one per instance, never deleted) says whose the code was; the tag
 * proves the code was issued, so guessed codes cannot inflate `afterExpiry` (one in 62⁴ ≈ 14.8 M
 * guesses passes). A live code is unguessable by its 9 characters after the prefix: ≈ 1.35 × 10¹⁶ per
 * prefix. Codes issued before prefixes existed are 14 random characters; they answer 404 once gone.
 */
export const CODE_LENGTH = 14;
export const PREFIX_LENGTH = 5;
const RANDOM_LENGTH = 5;
const TAG_LENGTH = CODE_LENGTH - PREFIX_LENGTH - RANDOM_LENGTH;
const CODE_PATTERN = /^[0-9A-Za-z]{14}$/;

/** An instance's link prefix and the key its codes are tagged with (base64url, 32 random bytes). */
export interface LinkPrefix {
  prefix: string;
  key: string;
}

/** A new random link prefix for an instance (stored with a condition: a taken prefix is drawn again). */
export function newLinkPrefix(): LinkPrefix {
  return { prefix: randomBase62(PREFIX_LENGTH), key: randomBytes(32).toString("base64url") };
}

function tag(body: string, key: string): string {
  const digest = createHmac("sha256", Buffer.from(key, "base64url")).update(body).digest();
  let n = digest.readUInt32BE(0);
  let out = "";
  for (let i = 0; i < TAG_LENGTH; i++) {
    out += BASE62[n % 62];
    n = Math.floor(n / 62);
  }
  return out;
}

/** A new code under `prefix`: unguessable (CSPRNG) and provably issued (`issuedUnder`). */
export function newLinkCode(prefix: LinkPrefix): string {
  const body = prefix.prefix + randomBase62(RANDOM_LENGTH);
  return body + tag(body, prefix.key);
}

/** The link prefix a code names (it may not exist). */
export function prefixOf(code: string): string {
  return code.slice(0, PREFIX_LENGTH);
}

/** Whether `code` was issued under `prefix` (its tag matches; constant-time compare). */
export function issuedUnder(code: string, prefix: LinkPrefix): boolean {
  if (!CODE_PATTERN.test(code) || prefixOf(code) !== prefix.prefix) return false;
  const body = code.slice(0, CODE_LENGTH - TAG_LENGTH);
  const expected = Buffer.from(tag(body, prefix.key));
  return timingSafeEqual(expected, Buffer.from(code.slice(body.length)));
}

/** Whether `code` is exactly a short code: 14 base62 characters, nothing else. */
export function isLinkCode(code: string): boolean {
  return CODE_PATTERN.test(code);
}

const CODE_AT_START = /^[0-9A-Za-z]{14}(?![0-9A-Za-z])/;

/**
 * The short code in the path value of `/l/{code+}` (URL-decoded by API Gateway), or `null` (404).
 *
 * Rule: the value's first 14 characters when they are base62 and the next character, if any, is not.
 * Why: SMS and chat apps glue characters to a tapped link — `/`, `.`, `)`, `。` (arriving as
 * `%E3%80%82`, decoded), `/more/path` — and the SPEC (§4, `GET|HEAD /l/{code}`) says such characters
 * are ignored. A code is always exactly 14 base62 characters, so where it ends is unambiguous as
 * long as what follows is not base62. A 15th base62 character is not "glued on": it makes another,
 * longer token that we never issued, so it is refused rather than cut to a code it might not be.
 * Anything in front of the code (a space, an encoded character) is refused too. Never throws.
 *
 * @example linkCodeFrom("AbCdEfGhIjKlMn。") → "AbCdEfGhIjKlMn"
 * @example linkCodeFrom("AbCdEfGhIjKlMnx") → null
 */
export function linkCodeFrom(pathValue: string): string | null {
  return CODE_AT_START.exec(pathValue)?.[0] ?? null;
}

/**
 * URL detection is linkify-it's (the linkifier behind markdown-it), limited to what the product
 * shortens: `http://` and `https://` URLs written with their scheme. No schemeless links
 * (`shop.example/x`), no e-mail addresses, no `ftp:`, `mailto:` or protocol-relative `//` links.
 * `urlAuth` keeps `https://user:pw@host/` whole (without it linkify-it stops at `https://user`).
 *
 * linkify-it ends a URL before any punctuation outside ASCII (`。` `、` `！` `？` `」` `،` `।` `…` `»`
 * …: its path stops at Unicode P), before `.` `,` `;` `!` `?` `'` `"` followed by whitespace or the
 * end, and before a `)` `]` `}` with no opener inside the URL, so
 * `https://wiki.example.org/wiki/Sale_(retail)` keeps its `)`. test/unit/domain/links.test.ts pins
 * this down script by script.
 */
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, urlAuth: true })
  .add("ftp:", null)
  .add("mailto:", null)
  .add("//", null);

/**
 * The one post-step: what linkify-it keeps at the end of a URL but a message never means as part of
 * it, taken off the end.
 * - Other punctuation (Unicode Po) except the URL syntax linkify-it allows on purpose (`#` `%` `&`
 *   `*` `/` `@` `\`). linkify-it keeps `.` `,` `!` `?` `;` `'` `"` when punctuation rather than
 *   whitespace follows (`(see https://a.example/x.)`, `…/x.」`, `…/x!?` would keep `.` or `!`), and
 *   allows `:` anywhere (`…/x: 20% off` would keep it).
 * - Emoji (`…/sale🎉` would send the tap to a page that does not exist) and invisible format
 *   characters (Unicode Cf: the right-to-left mark Arabic and Hebrew texts put after a URL,
 *   zero-width space and joiner). A path that really ends in an emoji loses it: rare, and far better
 *   than the common case going to a 404.
 * Non-ASCII closers and final quotes (Pe, Pf) never need it: linkify-it already stops before them.
 */
const TRAILING_NOT_URL =
  /(?:(?![#%&*/@\\])\p{Po}|[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\p{Cf}]|\uFE0E|\uFE0F)+$/u;

/** Where a URL sits in the text: `text.slice(start, end) === url`. */
interface UrlSpan {
  start: number;
  end: number;
  url: string;
}

/**
 * The http(s) URLs of a message with their positions, in order, never overlapping. After a trim,
 * linkify-it decides the end again on what is left, so a result is always a URL linkify-it itself
 * finds there (a quote left unpaired by the trim goes too); repeated until nothing changes.
 */
function urlSpans(text: string): UrlSpan[] {
  if (!linkify.test(text)) return [];
  const spans: UrlSpan[] = [];
  for (const m of linkify.match(text) ?? []) {
    let url: string | null = m.raw;
    for (let trimmed = url.replace(TRAILING_NOT_URL, ""); trimmed !== url; ) {
      url = linkify.matchAtStart(trimmed)?.raw ?? null;
      if (url === null) break;
      trimmed = url.replace(TRAILING_NOT_URL, "");
    }
    if (url) spans.push({ start: m.index, end: m.index + url.length, url });
  }
  return spans;
}

/**
 * The http(s) URLs written in a message, in order of appearance (repeats included), each exactly as
 * written. Detection rules: see `linkify` and `TRAILING_NOT_URL` above. Never throws (lone
 * surrogates included: the property test feeds it arbitrary UTF-16).
 *
 * @example findUrls("セール https://shop.example/sale。詳細") → ["https://shop.example/sale"]
 */
export function findUrls(text: string): string[] {
  return urlSpans(text).map((s) => s.url);
}

/**
 * Replaces every URL in the message (as `findUrls` finds them) with `{baseUrl}/l/{code}` and
 * returns the new text and the links to store, in order of first appearance. The same URL twice in
 * one message gets one code. Replacement is by position: every character outside the URLs, and a
 * URL that is a prefix of another, stays exactly as written. Never throws; `makeCode` is called once
 * per distinct URL.
 */
export function shortenUrls(
  text: string,
  baseUrl: string,
  makeCode: () => string,
): { text: string; links: Array<{ code: string; url: string }> } {
  const base = `${baseUrl.replace(/\/$/, "")}/l/`;
  const byUrl = new Map<string, string>();
  let out = "";
  let at = 0;
  for (const { start, end, url } of urlSpans(text)) {
    let code = byUrl.get(url);
    if (code === undefined) {
      code = makeCode();
      byUrl.set(url, code);
    }
    out += text.slice(at, start) + base + code;
    at = end;
  }
  out += text.slice(at);
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
