import { isSuspectedBot } from "../domain/clicks.js";
import { randomBase62 } from "../domain/ids.js";
import { issuedUnder, linkCodeFrom, linkState, prefixOf, redirectTarget } from "../domain/links.js";
import { countMetric, logger } from "../platform/logger.js";
import { TtlCache } from "../platform/ttl-cache.js";
import type { ClickMessageBody } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import { getLink, getLinkPrefix, type LinkPrefixRecord, type LinkRecord } from "../store/links.js";

/**
 * Following a short link (`GET|HEAD /l/{code+}`): 302 to exactly the stored URL, 410 once expired, 404
 * for unknown or malformed codes. Nothing from the request ever reaches the Location header. Every
 * tap on a known link (GET or HEAD, active or expired) is queued once for the click worker, which
 * decides how it counts; the queueing never fails the answer and waits at most one bounded enqueue.
 *
 * Gone links: a link item is deleted (TTL) 30 days after its link expired. A code without an item is
 * then told apart from a guess by its prefix and tag (`domain/links`): issued under its instance's
 * prefix, it answers 410 and its tap counts `afterExpiry` for that instance; otherwise 404.
 */

export type LinkAnswer =
  | { kind: "redirect"; location: string }
  | { kind: "expired" }
  | { kind: "not-found" }
  | { kind: "unavailable" };

/**
 * Link records per container: links never change once written, so entries only age out to keep memory
 * fresh; expiry is decided on every request against the clock, never by the cache. Unknown codes are
 * not cached (a code that does not exist yet costs one read; the cache holds only real links).
 */
const links = new TtlCache<LinkRecord | null>(60_000, 5_000);

/** Link prefixes per container (they never change; a missing one is not remembered). */
const prefixes = new TtlCache<LinkPrefixRecord | null>(600_000, 1_000);

/** Tests start each case from a cold cache. */
export function clearLinkCache(): void {
  links.clear();
  prefixes.clear();
}

/**
 * The instance of a code whose link item is gone, when the code was issued (its tag matches its
 * prefix's key) and its item is really gone (a strongly consistent read: a link written a moment ago
 * is not mistaken for a gone one). Null for codes never issued.
 * @throws DynamoDB errors
 */
async function goneLinkOwner(code: string, nowMs: number): Promise<LinkPrefixRecord | null> {
  const owner = await prefixes.get(
    prefixOf(code),
    nowMs,
    () => getLinkPrefix(prefixOf(code)),
    (p) => p !== null,
  );
  if (!owner || !issuedUnder(code, owner)) return null;
  return (await getLink(code, { consistent: true })) ? null : owner;
}

/** Longest the redirect waits for the one enqueue; a late success is harmless (each click id counts once). */
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
 * Queues the click; never throws. On failure one log line carries the whole click (recoverable: send
 * its `click` back to the clicks queue — the worker counts each click id once) and a metric counts it.
 */
async function recordClick(click: ClickMessageBody): Promise<void> {
  try {
    await withTimeout(queue().send("clicks", [JSON.stringify(click)]), ENQUEUE_TIMEOUT_MS);
  } catch (err) {
    const e = err as Error;
    logger.error("click not recorded", {
      marker: "CLICK_NOT_RECORDED",
      click,
      error: `${e?.name ?? "Error"}: ${String(e?.message ?? "").slice(0, 200)}`,
    });
    countMetric("ClicksNotRecorded");
  }
}

/**
 * What a tap gets, and the click it queues. `path` is what follows `/l/`: characters glued after the
 * code (`/l/{code}/`, `/l/{code}%E3%80%82`) are ignored (`linkCodeFrom`).
 */
export async function followLink(
  path: string,
  method: string,
  userAgent: string | undefined,
  nowMs: number,
): Promise<LinkAnswer> {
  const code = linkCodeFrom(path);
  if (code === null) return { kind: "not-found" };
  let link: LinkRecord | null;
  try {
    link = await links.get(
      code,
      nowMs,
      () => getLink(code),
      (l) => l !== null,
    );
  } catch (err) {
    logger.error("link lookup failed", { error: (err as Error).name });
    return { kind: "unavailable" };
  }
  if (!link) {
    let owner: LinkPrefixRecord | null;
    try {
      owner = await goneLinkOwner(code, nowMs);
    } catch (err) {
      logger.error("link prefix lookup failed", { error: (err as Error).name });
      return { kind: "unavailable" };
    }
    if (!owner) return { kind: "not-found" };
    await recordClick({
      id: randomBase62(16),
      at: nowMs,
      bot: isSuspectedBot(method, userAgent),
      expired: true,
      appId: owner.appId,
      campaignId: owner.campaignId,
      instanceId: owner.instanceId,
      userId: "",
      url: "",
      country: null,
      provider: "",
      expiresAt: nowMs,
    });
    return { kind: "expired" };
  }
  // Number(): the stored value may come back as an exact-number wrapper, depending on the client.
  const expiresAt = Number(link.expiresAt);
  const expired = linkState(expiresAt, nowMs) === "expired";
  const location = expired ? null : redirectTarget(link.url);
  if (!expired && location === null) {
    // Cannot happen for links made by the sender; refuse rather than emit an unsafe header.
    logger.error("stored link URL is not a safe Location", { code });
    return { kind: "not-found" };
  }
  await recordClick({
    id: randomBase62(16),
    at: nowMs,
    bot: isSuspectedBot(method, userAgent),
    expired,
    appId: link.appId,
    campaignId: link.campaignId,
    instanceId: link.instanceId,
    userId: link.userId,
    messageId: link.messageId,
    variantId: link.variantId ?? null,
    url: link.url,
    country: link.country ?? null,
    provider: link.provider,
    expiresAt,
  });
  return expired ? { kind: "expired" } : { kind: "redirect", location: location as string };
}
