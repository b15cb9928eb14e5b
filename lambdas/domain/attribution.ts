import { type Amount, readAmount } from "./money.js";

/**
 * Attribution (SPEC §3): an app event counts for a campaign when it falls inside a conversion window
 * of one of the campaign's messages to that user, `windowStart <= event.time < windowStart + window`.
 * Windows are items of their own (one per user, campaign and instance); events are kept with their
 * user for windows that open later. Every rule here is pure; times are epoch milliseconds.
 */

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
  primary?: boolean;
}

/** The earliest counted event of the user for one goal in one instance: the unique conversion. */
export interface FirstConversion {
  eventId: string;
  at: number;
  /** The campaign's primary goal when counted (conversions by send date follow the primary goal). */
  primary: boolean;
}

/**
 * A conversion window: opened by a delivery (DLR-based attribution) or by the send (no tracking),
 * one per (user, campaign, instance). It also holds the user's first conversion per goal in that
 * instance, so a user counts once per instance whatever the number of events (bounded: one entry per goal).
 */
export interface WindowRecord {
  appId: string;
  userId: string;
  campaignId: string;
  instanceId: string;
  messageId: string;
  /** The app's time zone when the window opened. */
  tz: string;
  startAt: number;
  endAt: number;
  /** The message's send time (a control-group user's: the send request's): conversions by send day. */
  sentAt: number;
  /** The experiment arm its conversions count under (domain/experiment `CONTROL_ARM`, a variant, or null). */
  arm?: string | null;
  firsts: Record<string, FirstConversion>;
  /**
   * Epoch ms when the fact that opened it reached us (the message's `windowOpenedAt`, else its start);
   * absent on windows stored before it was recorded.
   */
  openedAt?: number;
  version: number;
}

/** What counting an event for one goal of one campaign added (kept on the event: one entry per campaign and goal). */
export interface CountedFor {
  instanceId: string;
  /** The holding window's end (its key) and its message's send time. */
  windowEndAt: number;
  sentAt: number;
  /** The holding window's experiment arm. */
  arm?: string | null;
  primary: boolean;
  /** Revenue of the campaign's revenue goal: an exact amount, or why none was counted; null on other goals. */
  revenue: Amount | null;
}

/**
 * An event kept with its user, with the campaigns and goals it was counted for (`campaignId#goalId`).
 * The `counted` entries make each event count at most once per campaign and goal, whichever window
 * (or retry) gets there first; bounded by the campaigns whose windows held the event.
 */
export interface KeptEvent extends AppEvent {
  appId: string;
  tz: string;
  counted: Record<string, CountedFor>;
  /** Epoch ms when the events route received the event: its arrival for the grace rule (absent on older items). */
  keptAt?: number;
  version: number;
}

/** Longest conversion window a campaign may have, in hours. */
export const MAX_WINDOW_HOURS = 720;
/**
 * Events are kept for the longest window plus a week, from their own time: a window that opens later
 * (its receipt arrived after the purchase) considers only events younger than this, so the result
 * never depends on whether TTL has deleted an older one yet.
 */
export const KEEP_EVENTS_MS = (MAX_WINDOW_HOURS + 7 * 24) * 3_600_000;
/**
 * An event reaching us more than a week after the close of a window that was already open is not
 * attributed to it (decided in code, never by TTL; `graceAllows`).
 */
export const WINDOW_GRACE_MS = 7 * 24 * 3_600_000;

/**
 * The grace rule, the same wherever a window meets an event (`attributeEvent`, `attributeToWindow`): an
 * event that reached us no later than the fact that opened the window (a DLR, a tap, the send) waits for
 * it (SPEC §3: event time decides, not arrival); one that reached us after counts only until
 * `WINDOW_GRACE_MS` after the window's end. Both times are arrivals recorded on the stored items
 * (`keptAt` from the events route, `openedAt` from the opening fact), so whether a late event counts
 * never depends on which side met the other first, on a crash or redelivery, or on retry timing. An
 * event kept before its arrival was recorded (no `keptAt`) counts as it did.
 */
export function graceAllows(
  w: Pick<WindowRecord, "endAt" | "openedAt">,
  keptAt: number | undefined,
): boolean {
  if (keptAt === undefined) return true;
  return keptAt < w.endAt + WINDOW_GRACE_MS || (w.openedAt !== undefined && keptAt <= w.openedAt);
}

export function windowEnd(startAt: number, windowHours: number): number {
  return startAt + windowHours * 3_600_000;
}

/** `start <= t < end`: the end is excluded, exactly at 36 h is outside. */
export function inWindow(w: { startAt: number; endAt: number }, at: number): boolean {
  return w.startAt <= at && at < w.endAt;
}

/** Goals an event counts for: same name, and every filter attribute equal (strictly: 5 is not "5"). */
export function matchingGoals<G extends GoalSpec>(goals: readonly G[], e: AppEvent): G[] {
  return goals.filter(
    (g) =>
      g.eventName === e.name &&
      Object.entries(g.filters ?? {}).every(
        ([k, v]) => Object.hasOwn(e.attributes, k) && e.attributes[k] === v,
      ),
  );
}

export const countedKey = (campaignId: string, goalId: string): string => `${campaignId}#${goalId}`;

/** A campaign as attribution needs it. */
export interface AttributionCampaign {
  campaignId: string;
  goals: GoalSpec[];
  primaryGoalId: string;
  revenueGoalId: string | null;
  /** The app's currency: revenue is counted in its minor units. */
  currency: string;
}

/** One (event, campaign, goal) to count in one window. */
export interface Attribution {
  campaignId: string;
  goalId: string;
  window: WindowRecord;
  entry: CountedFor;
}

function attribution(
  e: AppEvent,
  w: WindowRecord,
  campaign: AttributionCampaign,
  goal: GoalSpec,
): Attribution {
  const isRevenue = goal.goalId === campaign.revenueGoalId && goal.revenueAttribute !== undefined;
  return {
    campaignId: campaign.campaignId,
    goalId: goal.goalId,
    window: w,
    entry: {
      instanceId: w.instanceId,
      windowEndAt: w.endAt,
      sentAt: w.sentAt,
      arm: w.arm ?? null,
      primary: goal.goalId === campaign.primaryGoalId,
      revenue: isRevenue
        ? readAmount(e.attributes[goal.revenueAttribute as string], campaign.currency)
        : null,
    },
  };
}

/**
 * An event arrived (at `keptAt`, epoch ms; undefined for an event kept before arrivals were recorded):
 * where it counts among the user's windows. For each
 * campaign, the window that holds it and started last (last touch) takes it, once per matching goal;
 * goals already counted for the campaign (`counted`) are skipped. Windows the grace rule
 * (`graceAllows`) does not allow are ignored.
 */
export function attributeEvent(
  e: AppEvent,
  windows: readonly WindowRecord[],
  campaigns: ReadonlyMap<string, AttributionCampaign>,
  counted: Readonly<Record<string, CountedFor>>,
  keptAt: number | undefined,
): Attribution[] {
  const out: Attribution[] = [];
  const byCampaign = new Map<string, WindowRecord>();
  for (const w of windows) {
    if (!inWindow(w, e.at) || !graceAllows(w, keptAt)) continue;
    const best = byCampaign.get(w.campaignId);
    if (!best || w.startAt > best.startAt || (w.startAt === best.startAt && w.instanceId > best.instanceId))
      byCampaign.set(w.campaignId, w);
  }
  for (const [campaignId, w] of byCampaign) {
    const campaign = campaigns.get(campaignId);
    if (!campaign) continue;
    for (const goal of matchingGoals(campaign.goals, e)) {
      if (Object.hasOwn(counted, countedKey(campaignId, goal.goalId))) continue;
      out.push(attribution(e, w, campaign, goal));
    }
  }
  return out;
}

/**
 * A window opened (or is re-driven): which of the user's kept events it takes. An event already
 * counted for the campaign and goal (by another instance's window, or a retry) stays where it was
 * counted; events older than the keeping horizon are ignored whether or not TTL has deleted them yet,
 * and so are events the grace rule (`graceAllows`) does not allow.
 */
export function attributeToWindow(
  w: WindowRecord,
  events: readonly KeptEvent[],
  campaign: AttributionCampaign,
  nowMs: number,
): Array<Attribution & { event: KeptEvent }> {
  const out: Array<Attribution & { event: KeptEvent }> = [];
  for (const e of events) {
    if (!inWindow(w, e.at) || e.at < nowMs - KEEP_EVENTS_MS || !graceAllows(w, e.keptAt)) continue;
    for (const goal of matchingGoals(campaign.goals, e)) {
      if (Object.hasOwn(e.counted, countedKey(campaign.campaignId, goal.goalId))) continue;
      out.push({ ...attribution(e, w, campaign, goal), event: e });
    }
  }
  return out;
}

/**
 * The window's first conversions after counting `events` for `goalId`s: the earliest event per goal
 * (moved when an earlier one arrives late). Null when nothing changes.
 */
export function nextFirsts(
  w: WindowRecord,
  counted: ReadonlyArray<{ goalId: string; eventId: string; at: number; primary: boolean }>,
): Record<string, FirstConversion> | null {
  const firsts = { ...w.firsts };
  let changed = false;
  for (const c of counted) {
    const before = firsts[c.goalId];
    if (
      before === undefined ||
      c.at < before.at ||
      (c.at === before.at && c.eventId < before.eventId && c.eventId !== before.eventId)
    ) {
      firsts[c.goalId] = { eventId: c.eventId, at: c.at, primary: c.primary };
      changed = true;
    }
  }
  return changed ? firsts : null;
}
