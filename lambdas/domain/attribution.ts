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

/**
 * One user's conversions for one goal of one campaign, as stored: every event id counted (so an event
 * counts once per campaign even when two instances' windows hold it) and, per instance, the time of
 * the earliest counted event (the user counts once per instance, on that event's day).
 */
export interface ConversionState {
  eventIds: string[];
  firstAtByInstance: Record<string, number>;
  version: number;
}

/** An event attributed to one instance of the campaign (the window that holds it). */
export interface Attributed {
  event: AppEvent;
  instanceId: string;
  /** The instance's message sent time: primary conversions are also counted by send day. */
  sentAt: number;
}

export interface InstanceDelta extends Delta {
  instanceId: string;
}

export interface ConversionPlan {
  next: ConversionState;
  deltas: InstanceDelta[];
}

/**
 * Folds newly attributed events into a user's conversion for one goal: each event id counts once
 * (all goals); the user once per instance (unique goals), on the day of their earliest event there —
 * moved when an earlier event arrives late; revenue in exact decimals; primary goals also by send day.
 */
export function planConversion(
  state: ConversionState | null,
  items: Attributed[],
  goal: GoalSpec,
  opts: { isPrimary: boolean; isRevenue: boolean; tz: string },
): ConversionPlan | null {
  const seen = new Set(state?.eventIds ?? []);
  const fresh = items
    .filter((x) => !seen.has(x.event.eventId) && seen.add(x.event.eventId))
    .sort((a, b) => a.event.at - b.event.at);
  if (fresh.length === 0) return null;
  const deltas: InstanceDelta[] = [];
  const firstAt = { ...(state?.firstAtByInstance ?? {}) };
  for (const { event: e, instanceId, sentAt } of fresh) {
    const day = localDay(e.at, opts.tz);
    const sentDay = localDay(sentAt, opts.tz);
    const add = (d: Delta): void => {
      deltas.push({ ...d, instanceId });
    };
    add({ day, field: fields.goalEvents(goal.goalId), by: 1 });
    if (opts.isPrimary) add({ day: sentDay, field: fields.cohortEvents, by: 1 });
    if (opts.isRevenue && goal.revenueAttribute) {
      const amount = parseAmount(e.attributes[goal.revenueAttribute]);
      if (amount) add({ day, field: fields.goalRevenue(goal.goalId), by: amount.toString() });
      else add({ day, field: fields.goalEventsWithoutRevenue(goal.goalId), by: 1 });
    }
    const before = firstAt[instanceId];
    if (before === undefined) {
      add({ day, field: fields.goalUsers(goal.goalId), by: 1 });
      if (opts.isPrimary) add({ day: sentDay, field: fields.cohortUsers, by: 1 });
      firstAt[instanceId] = e.at;
    } else if (e.at < before) {
      const from = localDay(before, opts.tz);
      if (from !== day) {
        add({ day: from, field: fields.goalUsers(goal.goalId), by: -1 });
        add({ day, field: fields.goalUsers(goal.goalId), by: 1 });
      }
      firstAt[instanceId] = e.at;
    }
  }
  return {
    next: {
      eventIds: [...(state?.eventIds ?? []), ...fresh.map((x) => x.event.eventId)],
      firstAtByInstance: firstAt,
      version: (state?.version ?? 0) + 1,
    },
    deltas,
  };
}

/** Sum of exact decimal deltas (for tests and reports). */
export function sumBy(deltas: Delta[], field: string): Big {
  return deltas.filter((d) => d.field === field).reduce((s, d) => s.plus(d.by), new Big(0));
}
