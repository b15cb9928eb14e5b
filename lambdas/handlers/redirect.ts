import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { nowMs } from "../clock.js";
import { type ClickMessage, isSuspectedBot } from "../domain/clicks.js";
import { linkCodeFrom, linkState } from "../domain/links.js";
import { linkExpiredPage, linkNotFoundPage, linkUnavailablePage } from "../http/pages.js";
import type { ApiResult } from "../http/response.js";
import { queue } from "../queue/index.js";
import { getLink, type LinkRecord } from "../store/links.js";

/**
 * `GET|HEAD /l/{code+}`: 302 to exactly the stored URL, 410 once expired, 404 for unknown or malformed
 * codes. Characters glued after the code (`/l/{code}/`, `/l/{code}.`, `/l/{code}%E3%80%82`,
 * `/l/{code}/foo`) are ignored: the code is read with `linkCodeFrom`, so such taps redirect and count
 * exactly like the clean link. Nothing from the request ever reaches the Location header: only the
 * stored URL does. Every tap on a known link (GET or HEAD, active or expired) is queued once for the
 * click worker, which decides how it counts; the queueing never fails or delays the answer beyond one
 * bounded enqueue.
 */

/**
 * Bounded LRU of link records. Links never change once written, so the age limit only keeps memory
 * fresh; expiry is decided on every request against the clock, never by the cache.
 */
export class LinkCache {
  private readonly entries = new Map<string, { link: LinkRecord; storedAt: number }>();

  constructor(
    private readonly maxEntries = 5_000,
    private readonly maxAgeMs = 60_000,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  get(code: string): LinkRecord | undefined {
    const entry = this.entries.get(code);
    if (!entry) return undefined;
    this.entries.delete(code);
    if (this.monotonicNow() - entry.storedAt > this.maxAgeMs) return undefined;
    this.entries.set(code, entry); // most recently used last
    return entry.link;
  }

  set(code: string, link: LinkRecord): void {
    this.entries.delete(code);
    this.entries.set(code, { link, storedAt: this.monotonicNow() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Unknown codes are not cached: a code that does not exist yet costs one read, and the cache holds only real links. */
const links = new LinkCache();

/** Tests start each case from a cold cache. */
export function clearLinkCache(): void {
  links.clear();
}

async function lookup(code: string): Promise<LinkRecord | null> {
  const hit = links.get(code);
  if (hit) return hit;
  const link = await getLink(code);
  if (link) links.set(code, link);
  return link;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** 16 base62 characters (≈ 95 bits) from the CSPRNG: compact, and collisions are out of the question. */
export function newClickId(): string {
  let id = "";
  while (id.length < 16) {
    for (const byte of randomBytes(24)) if (byte < 248 && id.length < 16) id += BASE62[byte % 62];
  }
  return id;
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

/** Longest the redirect waits for the one enqueue; a late success is harmless (the worker dedups by click id). */
const ENQUEUE_TIMEOUT_MS = 1_500;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error("enqueue timed out"), { name: "TimeoutError" })),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Queues the click; never throws. On failure, one log line carries the whole click (recoverable: send
 * its `click` back to the clicks queue — the worker counts each click id once) and one Embedded Metric
 * Format line counts it.
 */
async function recordClick(click: ClickMessage): Promise<void> {
  const body = JSON.stringify(click);
  try {
    await withTimeout(queue().send("clicks", [body]), ENQUEUE_TIMEOUT_MS);
  } catch (err) {
    const e = err as Error;
    console.error(
      JSON.stringify({
        level: "error",
        marker: "CLICK_NOT_RECORDED",
        click,
        error: `${e?.name ?? "Error"}: ${String(e?.message ?? "").slice(0, 200)}`,
      }),
    );
    console.log(
      JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: "SmsAnalytics",
              Dimensions: [[]],
              Metrics: [{ Name: "ClicksNotRecorded", Unit: "Count" }],
            },
          ],
        },
        ClicksNotRecorded: 1,
      }),
    );
  }
}

const REDIRECT_HEADERS: Record<string, string> = {
  // Every tap must reach us: no browser or proxy may replay the redirect from cache.
  "cache-control": "no-store",
  // The short code is a bearer of the user's identity for counting: never leak it to the destination.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-robots-tag": "noindex, nofollow",
};

/** HEAD answers the same status and headers as GET, without a body. */
function answer(result: ApiResult, head: boolean): ApiResult {
  if (!head) return result;
  const { body: _body, ...rest } = result;
  return rest;
}

export const handler = async (event: APIGatewayProxyEventV2): Promise<ApiResult> => {
  const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
  const head = method === "HEAD";
  const code = linkCodeFrom(event.pathParameters?.code ?? "");
  if (code === null) return answer(linkNotFoundPage(), head);

  let link: LinkRecord | null;
  try {
    link = await lookup(code);
  } catch (err) {
    console.error(
      JSON.stringify({ level: "error", marker: "LINK_LOOKUP_FAILED", error: (err as Error).name }),
    );
    return answer(linkUnavailablePage(), head);
  }
  if (!link) return answer(linkNotFoundPage(), head);

  const at = nowMs();
  // Number(): the stored value may come back as an exact-number wrapper, depending on the client.
  const expiresAt = Number(link.expiresAt);
  const expired = linkState(expiresAt, at) === "expired";
  const location = expired ? null : redirectTarget(link.url);
  if (!expired && location === null) {
    // Cannot happen for links made by the sender; refuse rather than emit an unsafe header.
    console.error(JSON.stringify({ level: "error", marker: "LINK_URL_UNSAFE", code }));
    return answer(linkNotFoundPage(), head);
  }

  const userAgent = event.headers?.["user-agent"] ?? event.requestContext?.http?.userAgent;
  await recordClick({
    id: newClickId(),
    at,
    bot: isSuspectedBot(method, userAgent),
    expired,
    appId: link.appId,
    campaignId: link.campaignId,
    instanceId: link.instanceId,
    userId: link.userId,
    url: link.url,
    country: link.country ?? null,
    provider: link.provider,
    expiresAt,
  });

  if (expired) return answer(linkExpiredPage(), head);
  return { statusCode: 302, headers: { location: location as string, ...REDIRECT_HEADERS } };
};
