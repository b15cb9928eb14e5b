import { isbot } from "isbot";
import { localDay } from "./calendar.js";
import { fields } from "./counter-fields.js";
import type { Delta } from "./message-counters.js";

/**
 * Clicks: what the redirect decides about a tap, the message it queues, and how the click worker folds
 * taps into a clicker's state and the counter deltas they move. Pure: no I/O, time passed in.
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
  url: string;
  country: string | null;
  provider: string;
  /** The link's expiry, epoch ms: bounds how long the clicker item must be kept. */
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

/** What the click worker knows about one user's taps in one instance (the clicker item). */
export interface ClickerState {
  /** Every click id counted so far: bots and expired taps included, so a redelivery counts nothing. */
  clickIds: Set<string>;
  /** Time of the user's earliest real tap (not bot, not expired); null while there is none. */
  firstAt: number | null;
  /** Per URL, the time of the user's earliest real tap on it. */
  urlFirstAt: Record<string, number>;
  /** Optimistic-lock version: 0 for an item not yet written. */
  version: number;
}

export function emptyClickerState(): ClickerState {
  return { clickIds: new Set(), firstAt: null, urlFirstAt: {}, version: 0 };
}

export interface ClickPlan {
  next: ClickerState;
  /** Counter movements, summed per (day, field), zeros dropped. */
  deltas: Delta[];
  /** Click ids this plan counts (new ones only). */
  counted: string[];
}

/**
 * Moves a "first tap" unique (clickers, per-URL clickers) to the earliest tap seen: taps arrive out of
 * order, and a unique belongs to the day of the user's first qualifying tap (SPEC §4: with a date range,
 * uniques count users whose first qualifying fact is in range).
 */
function moveFirst(
  previous: number | null | undefined,
  at: number,
  field: string,
  timezone: string,
  out: Delta[],
): number {
  if (previous === null || previous === undefined) {
    out.push({ day: localDay(at, timezone), field, by: 1 });
    return at;
  }
  if (at >= previous) return previous;
  out.push(
    { day: localDay(previous, timezone), field, by: -1 },
    { day: localDay(at, timezone), field, by: 1 },
  );
  return at;
}

function sumDeltas(deltas: Delta[]): Delta[] {
  const sums = new Map<string, Delta>();
  for (const d of deltas) {
    const key = `${d.day}\u0000${d.field}`;
    const entry = sums.get(key);
    if (entry) entry.by = Number(entry.by) + Number(d.by);
    else sums.set(key, { ...d });
  }
  return [...sums.values()].filter((d) => d.by !== 0);
}

/**
 * Folds new taps into a clicker's state. Every new click id counts exactly once, as one of:
 * - a suspected bot (`suspectedBots`), whether or not the link had expired — a bot tap is never a tap;
 * - an expired tap (`afterExpiry`);
 * - a real tap: `clicks`, per-URL clicks and the country/provider breakdowns on its tap day; the user's
 *   first real tap in the instance adds a unique clicker, their first real tap on a URL a per-URL unique.
 * Days are app-local days of the tap time. Ids already in the state (or repeated in `clicks`) count nothing.
 */
export function planClicks(state: ClickerState, clicks: ClickMessage[], timezone: string): ClickPlan {
  const clickIds = new Set(state.clickIds);
  const urlFirstAt = { ...state.urlFirstAt };
  let firstAt = state.firstAt;
  const deltas: Delta[] = [];
  const counted: string[] = [];
  // Earliest first, so a batch needs no first-tap moves among its own taps.
  const ordered = [...clicks].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of ordered) {
    if (clickIds.has(c.id)) continue;
    clickIds.add(c.id);
    counted.push(c.id);
    const day = localDay(c.at, timezone);
    if (c.bot) {
      deltas.push({ day, field: fields.suspectedBots, by: 1 });
      continue;
    }
    if (c.expired) {
      deltas.push({ day, field: fields.afterExpiry, by: 1 });
      continue;
    }
    deltas.push(
      { day, field: fields.clicks, by: 1 },
      { day, field: fields.urlClicks(c.url), by: 1 },
      { day, field: fields.byProvider(c.provider, "clicks"), by: 1 },
    );
    if (c.country) deltas.push({ day, field: fields.byCountry(c.country, "clicks"), by: 1 });
    firstAt = moveFirst(firstAt, c.at, fields.clickers, timezone, deltas);
    urlFirstAt[c.url] = moveFirst(urlFirstAt[c.url], c.at, fields.urlClickers(c.url), timezone, deltas);
  }
  return {
    next: { clickIds, firstAt, urlFirstAt, version: state.version + 1 },
    deltas: sumDeltas(deltas),
    counted,
  };
}

/** Distinct days a plan's deltas touch (each costs two counter items in the transaction). */
export function planDays(plan: ClickPlan): number {
  return new Set(plan.deltas.map((d) => d.day)).size;
}

/** Parses and checks a queued click body; null when it is not a well-formed click message. */
export function parseClickMessage(body: string): ClickMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const str = (k: string): boolean => typeof o[k] === "string" && (o[k] as string).length > 0;
  const num = (k: string): boolean => typeof o[k] === "number" && Number.isFinite(o[k]);
  const ok =
    ["id", "appId", "campaignId", "instanceId", "userId", "url", "provider"].every(str) &&
    num("at") &&
    num("expiresAt") &&
    typeof o.bot === "boolean" &&
    typeof o.expired === "boolean" &&
    (o.country === null || str("country"));
  if (!ok) return null;
  return {
    id: o.id as string,
    at: o.at as number,
    bot: o.bot as boolean,
    expired: o.expired as boolean,
    appId: o.appId as string,
    campaignId: o.campaignId as string,
    instanceId: o.instanceId as string,
    userId: o.userId as string,
    url: o.url as string,
    country: o.country as string | null,
    provider: o.provider as string,
    expiresAt: o.expiresAt as number,
  };
}
