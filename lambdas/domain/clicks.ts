import { isbot } from "isbot";
import { sha256Base64Url } from "./digest.js";

/**
 * Clicks: what the redirect decides about a tap, and how the click worker records taps so each counts
 * exactly once with bounded state. A user's earliest real tap (and earliest per URL) is held in one
 * clicker item per (user, instance) — it makes the unique clicker count; every other tap (later taps,
 * bots, taps after expiry) is an item of its own. Pure: no I/O, time passed in.
 */

/** One tap as queued by the redirect and counted by the click worker (each id counts once). */
export interface ClickMessage {
  /** The tap's own id, minted by the redirect. */
  id: string;
  /** Tap time, epoch ms. */
  at: number;
  /** Not a human tap (preview fetcher, scanner, crawler, HEAD, no user agent): reported as suspectedBots. */
  bot: boolean;
  /** The link was past its expiry when tapped (answered 410). */
  expired: boolean;
  appId: string;
  campaignId: string;
  instanceId: string;
  userId: string;
  /** The message whose SMS carried the link (its send is proven by the tap: `planTap`). */
  messageId?: string;
  /** The experiment variant the SMS was (null or absent: a plain message). */
  variantId?: string | null;
  url: string;
  country: string | null;
  provider: string;
  /** The link's expiry, epoch ms. */
  expiresAt: number;
}

/**
 * Suspected bot: a HEAD request (browsers follow a tapped link with GET; HEAD comes from scanners and
 * link checkers), no or blank user agent (every phone browser sends one), or a user agent on the
 * maintained `isbot` list (messaging apps' preview fetchers, security scanners, crawlers, HTTP libraries).
 */
export function isSuspectedBot(method: string, userAgent: string | undefined): boolean {
  if (method.toUpperCase() === "HEAD") return true;
  if (!userAgent || userAgent.trim() === "") return true;
  return isbot(userAgent);
}

/** A real tap as counted. */
export interface Tap {
  id: string;
  at: number;
  url: string;
  country: string | null;
  provider: string;
}

/** Whose taps: one user in one instance. */
export interface ClickerId {
  appId: string;
  campaignId: string;
  instanceId: string;
  userId: string;
}

/**
 * The clicker item: the user's earliest real tap in the instance and earliest per URL (keyed by a
 * digest of the URL), the taps themselves by id. Bounded by the links of one message.
 */
export interface ClickerRecord extends ClickerId {
  tz: string;
  /** The experiment variant of the user's SMS (null: a plain message). */
  variantId?: string | null;
  taps: Record<string, Tap>;
  /** Id of the earliest real tap; null while there is none. */
  first: string | null;
  /** URL digest → id of the earliest real tap on that URL. */
  urlFirst: Record<string, string>;
  /** 0 for a clicker not stored yet. */
  version: number;
}

/** A tap recorded as an item of its own. */
export interface TapRecord extends ClickerId, Tap {
  tz: string;
  variantId?: string | null;
  bot: boolean;
  expired: boolean;
}

export function emptyClicker(id: ClickerId, tz: string): ClickerRecord {
  return { ...id, tz, taps: {}, first: null, urlFirst: {}, version: 0 };
}

/** A short stable key for a URL (clicker items key their per-URL slot by it). */
export function urlKey(url: string): string {
  return sha256Base64Url(url, 16);
}

export interface ClickPlan {
  /** The clicker's new state, or null when it does not change. */
  clicker: ClickerRecord | null;
  /** New taps to record as items of their own. */
  tapItems: TapRecord[];
  /**
   * Taps the stored clicker held that lose their slot to an earlier tap: they must become tap items
   * in the same transaction as the clicker write, so they stay counted exactly once.
   */
  displaced: TapRecord[];
  /** Click ids this plan records (new ones only). */
  counted: string[];
}

function before(a: Tap, b: Tap | undefined): boolean {
  return b === undefined || a.at < b.at || (a.at === b.at && a.id < b.id);
}

/**
 * Folds new taps into a clicker. `known` are click ids already recorded (held by the clicker or stored
 * as tap items): they count nothing again. A real tap earlier than the clicker's first (overall or on
 * its URL) takes that slot; every other new tap becomes a tap item.
 */
export function planClicks(
  stored: ClickerRecord,
  clicks: readonly ClickMessage[],
  known: ReadonlySet<string>,
): ClickPlan {
  const taps: Record<string, Tap> = { ...stored.taps };
  let first = stored.first;
  const urlFirst = { ...stored.urlFirst };
  const seen = new Set(known);
  for (const id of Object.keys(stored.taps)) seen.add(id);
  const counted: string[] = [];
  const fresh: ClickMessage[] = [];
  const ordered = [...clicks].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of ordered) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    counted.push(c.id);
    fresh.push(c);
    if (c.bot || c.expired) continue;
    const tap: Tap = { id: c.id, at: c.at, url: c.url, country: c.country, provider: c.provider };
    const key = urlKey(c.url);
    const takesFirst = before(tap, first ? taps[first] : undefined);
    const takesUrl = before(tap, urlFirst[key] ? taps[urlFirst[key] as string] : undefined);
    if (!takesFirst && !takesUrl) continue;
    taps[tap.id] = tap;
    if (takesFirst) first = tap.id;
    if (takesUrl) urlFirst[key] = tap.id;
  }
  // Taps no slot holds any more leave the clicker.
  const held = new Set([first, ...Object.values(urlFirst)].filter((id): id is string => id !== null));
  for (const id of Object.keys(taps)) if (!held.has(id)) delete taps[id];

  const id: ClickerId = {
    appId: stored.appId,
    campaignId: stored.campaignId,
    instanceId: stored.instanceId,
    userId: stored.userId,
  };
  // One clicker is one user's SMS in one instance: one variant.
  const variantId = stored.variantId ?? clicks.find((c) => c.variantId)?.variantId ?? null;
  const asItem = (c: Tap & { bot?: boolean; expired?: boolean }): TapRecord => ({
    ...id,
    tz: stored.tz,
    variantId,
    id: c.id,
    at: c.at,
    url: c.url,
    country: c.country,
    provider: c.provider,
    bot: c.bot ?? false,
    expired: c.expired ?? false,
  });
  const tapItems = fresh.filter((c) => !held.has(c.id)).map(asItem);
  // A displaced tap already stored as an item of its own (what the race that flows/clicks.ts `round`
  // now avoids could leave behind) is counted by that item: it leaves the clicker without a second one.
  const displaced = Object.values(stored.taps)
    .filter((t) => !held.has(t.id) && !known.has(t.id))
    .map(asItem);
  const changed =
    first !== stored.first ||
    Object.keys(taps).length !== Object.keys(stored.taps).length ||
    Object.keys(taps).some((k) => !Object.hasOwn(stored.taps, k));
  return {
    clicker: changed ? { ...stored, variantId, taps, first, urlFirst, version: stored.version + 1 } : null,
    tapItems,
    displaced,
    counted,
  };
}
