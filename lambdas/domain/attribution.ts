import Big from "big.js";
import { localDay } from "./calendar.js";
import { fields } from "./counter-fields.js";
import type { Delta } from "./message-counters.js";
import type { MessageStatus } from "./message-state.js";
import { parseAmount } from "./money.js";

/** An app event as the attribution worker keeps it. */
export interface AppEvent {
  eventId: string;
  userId: string;
  name: string;
  /** Epoch ms of the event's own time (its time decides, not its arrival). */
  at: number;
  attributes: Record<string, string | number | boolean | null>;
}

export interface GoalSpec {
  goalId: string;
  eventName: string;
  filters?: Record<string, string | number | boolean>;
  revenueAttribute?: string;
}

/** A conversion window: opened by delivery (DLR-based attribution) or by the send (no tracking). */
export interface Window {
  start: number;
  end: number;
}

/** The window a message opened, if any. */
export function windowOf(m: {
  status: MessageStatus;
  deliveredAt: number | null;
  sentAt: number | null;
  windowHours: number;
}): Window | null {
  const start = m.status === "DELIVERED" ? m.deliveredAt : m.status === "UNTRACKED" ? m.sentAt : null;
  if (start === null) return null;
  return { start, end: start + m.windowHours * 3_600_000 };
}

/** `start <= t < start + window`: the end is excluded, exactly at 36 h is outside. */
export function inWindow(w: Window, at: number): boolean {
  return w.start <= at && at < w.end;
}

/** Goals an event counts for: same name, and every filter attribute equal (strictly: 5 is not "5"). */
export function matchingGoals<G extends GoalSpec>(goals: G[], e: AppEvent): G[] {
  return goals.filter(
    (g) =>
      g.eventName === e.name &&
      Object.entries(g.filters ?? {}).every(
        ([k, v]) => Object.hasOwn(e.attributes, k) && e.attributes[k] === v,
      ),
  );
}

/** One user's conversions for one goal in one instance, as stored. */
export interface ConversionState {
  eventIds: string[];
  /** The earliest counted event's time: the user counts once, on that event's day. */
  firstAt: number;
  version: number;
}

export interface ConversionPlan {
  next: ConversionState;
  deltas: Delta[];
}

/**
 * Folds newly attributed events into a user's conversion for one goal: each event id counts once
 * (all goals); the user counts once (unique goals), on the day of their earliest event — moved if an
 * earlier event arrives late; revenue in exact decimals; primary goals also count by the send day.
 */
export function planConversion(
  state: ConversionState | null,
  events: AppEvent[],
  goal: GoalSpec,
  opts: { isPrimary: boolean; isRevenue: boolean; sentAt: number; tz: string },
): ConversionPlan | null {
  const seen = new Set(state?.eventIds ?? []);
  const fresh = events.filter((e) => !seen.has(e.eventId) && seen.add(e.eventId)).sort((a, b) => a.at - b.at);
  if (fresh.length === 0) return null;
  const deltas: Delta[] = [];
  const sentDay = localDay(opts.sentAt, opts.tz);
  for (const e of fresh) {
    const day = localDay(e.at, opts.tz);
    deltas.push({ day, field: fields.goalEvents(goal.goalId), by: 1 });
    if (opts.isPrimary) deltas.push({ day: sentDay, field: fields.cohortEvents, by: 1 });
    if (opts.isRevenue && goal.revenueAttribute) {
      const amount = parseAmount(e.attributes[goal.revenueAttribute]);
      if (amount) deltas.push({ day, field: fields.goalRevenue(goal.goalId), by: amount.toString() });
      else deltas.push({ day, field: fields.goalEventsWithoutRevenue(goal.goalId), by: 1 });
    }
  }
  const earliest = fresh[0] as AppEvent;
  const firstAt = state ? Math.min(state.firstAt, earliest.at) : earliest.at;
  if (!state) {
    deltas.push({ day: localDay(firstAt, opts.tz), field: fields.goalUsers(goal.goalId), by: 1 });
    if (opts.isPrimary) deltas.push({ day: sentDay, field: fields.cohortUsers, by: 1 });
  } else if (firstAt < state.firstAt) {
    const from = localDay(state.firstAt, opts.tz);
    const to = localDay(firstAt, opts.tz);
    if (from !== to) {
      deltas.push({ day: from, field: fields.goalUsers(goal.goalId), by: -1 });
      deltas.push({ day: to, field: fields.goalUsers(goal.goalId), by: 1 });
    }
  }
  return {
    next: {
      eventIds: [...(state?.eventIds ?? []), ...fresh.map((e) => e.eventId)],
      firstAt,
      version: (state?.version ?? 0) + 1,
    },
    deltas,
  };
}

/** Sum of exact decimal deltas (for tests and reports). */
export function sumBy(deltas: Delta[], field: string): Big {
  return deltas.filter((d) => d.field === field).reduce((s, d) => s.plus(d.by), new Big(0));
}
