import Big from "big.js";
import { DateTime } from "luxon";
import type { CountedFor, KeptEvent, WindowRecord } from "./attribution.js";
import { localDay } from "./calendar.js";
import type { ClickerRecord, Tap, TapRecord } from "./clicks.js";
import { costContribution } from "./cost.js";
import { fields } from "./counter-fields.js";
import { latencyBucket } from "./latency.js";
import { armOf, type MessageRecord } from "./message-state.js";

/**
 * What each fact item adds to the daily counters, as a function of the item alone. The counters are
 * the sum of every fact item's contribution; a write that changes an item moves them by exactly
 * `contribution(after) − contribution(before)`, applied once per write by the counting flow (from the
 * table's change stream). So a fact counts once however often its write is retried, and a state change
 * (in transit → delivered, a later earlier tap, a late earlier event) moves the counters by itself.
 */

/** A fact item as stored, told apart by `fact`. */
export type FactItem =
  | ({ fact: "message" } & MessageRecord)
  | ({ fact: "window" } & WindowRecord)
  | ({ fact: "clicker" } & ClickerRecord)
  | ({ fact: "tap" } & TapRecord)
  | ({ fact: "event" } & KeptEvent);

export type FactKind = FactItem["fact"];
export const FACT_KINDS: readonly FactKind[] = ["message", "window", "clicker", "tap", "event"];

/**
 * One counter movement: `field` of the app-local `day` bucket of an instance (and so of its campaign),
 * and of the experiment arm the fact belongs to (domain/experiment: a variant id, `control`, or null).
 */
export interface CounterDelta {
  campaignId: string;
  instanceId: string;
  arm: string | null;
  day: string;
  field: string;
  /** A count, or an exact decimal (money), as a decimal string. */
  by: string;
}

type Add = (day: string, field: string, by?: number | string) => void;

const utcHour = (ms: number): string =>
  DateTime.fromMillis(ms, { zone: "UTC" }).startOf("hour").toISO() as string;

function messageContribution(m: MessageRecord, add: Add): void {
  if (m.status === "CONTROL") {
    add(localDay(m.queuedAt, m.tz), fields.held);
    return;
  }
  if (m.sentAt === null) return;
  const sentDay = localDay(m.sentAt, m.tz);
  const breakdown = (day: string, metric: "sent" | "delivered" | "failedToDeliver"): void => {
    add(day, fields.byProvider(m.provider, metric));
    if (m.country) add(day, fields.byCountry(m.country, metric));
  };
  switch (m.status) {
    case "QUEUED":
    case "SENDING":
      return;
    case "NOT_SENT":
    case "OUTCOME_UNKNOWN":
      add(sentDay, fields.failedToSend);
      add(sentDay, fields.failedToSendBy(m.notSentReason ?? "SEND_OUTCOME_UNKNOWN", m.notSentCode));
      return;
  }
  add(sentDay, fields.sent);
  breakdown(sentDay, "sent");
  // Accepted by the provider: its segments cost, delivered or not (domain/cost.ts).
  costContribution(m.billing, (field, by) => add(sentDay, field, by));
  switch (m.status) {
    case "SENT":
      add(sentDay, fields.inTransit);
      add(sentDay, fields.inTransitSince(utcHour(m.sentAt)));
      return;
    case "UNTRACKED":
      add(sentDay, fields.pendingConfirmation);
      return;
    case "DELIVERED": {
      const at = m.deliveredAt ?? m.sentAt;
      const day = localDay(at, m.tz);
      add(day, fields.delivered);
      add(day, fields.latency(latencyBucket(at - m.sentAt)));
      breakdown(day, "delivered");
      return;
    }
    case "FAILED": {
      const day = localDay(m.failedAt ?? m.sentAt, m.tz);
      add(day, fields.failedToDeliver);
      add(day, fields.failedToDeliverBy(m.failCode ?? "UNSPECIFIED", m.failDescription));
      breakdown(day, "failedToDeliver");
      return;
    }
  }
}

function windowContribution(w: WindowRecord, add: Add): void {
  add(localDay(w.startAt, w.tz), fields.windowCloses(utcHour(w.endAt)));
  for (const [goalId, first] of Object.entries(w.firsts)) {
    add(localDay(first.at, w.tz), fields.goalUsers(goalId));
    if (first.primary) add(localDay(w.sentAt, w.tz), fields.cohortUsers);
  }
}

function eventContribution(
  e: KeptEvent,
  addTo: (campaignId: string, instanceId: string, arm: string | null) => Add,
): void {
  const day = localDay(e.at, e.tz);
  for (const [key, c] of Object.entries(e.counted) as Array<[string, CountedFor]>) {
    const cut = key.lastIndexOf("#");
    const campaignId = key.slice(0, cut);
    const goalId = key.slice(cut + 1);
    const add = addTo(campaignId, c.instanceId, c.arm ?? null);
    add(day, fields.goalEvents(goalId));
    if (c.primary) add(localDay(c.sentAt, e.tz), fields.cohortEvents);
    if (c.revenue === null) continue;
    if ("amount" in c.revenue) add(day, fields.goalRevenue(goalId), c.revenue.amount);
    else if (c.revenue.excluded === "missing") add(day, fields.goalEventsWithoutRevenue(goalId));
    else if (c.revenue.excluded === "negative") add(day, fields.goalEventsWithNegativeRevenue(goalId));
    else add(day, fields.goalEventsWithUnreadableRevenue(goalId));
  }
}

function realTap(t: Tap, tz: string, add: Add): void {
  const day = localDay(t.at, tz);
  add(day, fields.clicks);
  add(day, fields.urlClicks(t.url));
  add(day, fields.byProvider(t.provider, "clicks"));
  if (t.country) add(day, fields.byCountry(t.country, "clicks"));
}

function clickerContribution(c: ClickerRecord, add: Add): void {
  for (const tap of Object.values(c.taps)) realTap(tap, c.tz, add);
  const first = c.first ? c.taps[c.first] : undefined;
  if (first) add(localDay(first.at, c.tz), fields.clickers);
  for (const id of Object.values(c.urlFirst)) {
    const tap = c.taps[id];
    if (tap) add(localDay(tap.at, c.tz), fields.urlClickers(tap.url));
  }
}

function tapContribution(t: TapRecord, add: Add): void {
  if (t.bot) add(localDay(t.at, t.tz), fields.suspectedBots);
  else if (t.expired) add(localDay(t.at, t.tz), fields.afterExpiry);
  else realTap(t, t.tz, add);
}

/** Everything an item currently adds to the counters (unsummed). */
export function contributionOf(item: FactItem): CounterDelta[] {
  const out: CounterDelta[] = [];
  const addTo =
    (campaignId: string, instanceId: string, arm: string | null): Add =>
    (day, field, by = 1) =>
      out.push({ campaignId, instanceId, arm, day, field, by: String(by) });
  switch (item.fact) {
    case "message":
      messageContribution(item, addTo(item.campaignId, item.instanceId, armOf(item)));
      break;
    case "window":
      windowContribution(item, addTo(item.campaignId, item.instanceId, item.arm ?? null));
      break;
    case "clicker":
      clickerContribution(item, addTo(item.campaignId, item.instanceId, item.variantId ?? null));
      break;
    case "tap":
      tapContribution(item, addTo(item.campaignId, item.instanceId, item.variantId ?? null));
      break;
    case "event":
      eventContribution(item, addTo);
      break;
  }
  return out;
}

const deltaKey = (d: Omit<CounterDelta, "by">): string =>
  `${d.campaignId}\u0000${d.instanceId}\u0000${d.arm ?? ""}\u0000${d.day}\u0000${d.field}`;

/** Sums deltas per (campaign, instance, arm, day, field), dropping those that cancel out. */
export function sumDeltas(deltas: Iterable<CounterDelta>): CounterDelta[] {
  const sums = new Map<string, { d: CounterDelta; by: Big }>();
  for (const d of deltas) {
    const k = deltaKey(d);
    const entry = sums.get(k);
    if (entry) entry.by = entry.by.plus(d.by);
    else sums.set(k, { d, by: new Big(d.by) });
  }
  return [...sums.values()].filter((s) => !s.by.eq(0)).map(({ d, by }) => ({ ...d, by: by.toString() }));
}

/** How a write moved the counters: `contribution(after) − contribution(before)`, summed. */
export function changeBetween(before: FactItem | null, after: FactItem | null): CounterDelta[] {
  const negated = (before ? contributionOf(before) : []).map((d) => ({
    ...d,
    by: new Big(d.by).times(-1).toString(),
  }));
  return sumDeltas([...negated, ...(after ? contributionOf(after) : [])]);
}
