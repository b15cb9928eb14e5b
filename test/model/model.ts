/**
 * The reference model: a plain, pure function from a history to the analytics the product must report.
 * Written from SPEC.md (§2 concepts, §3 metric definitions, §4 response) and, where SPEC is silent,
 * from the rules the product documents (README metric dictionary, docs/decisions.md). It imports
 * nothing from the product: it is an independent check (see SPEC-silent points in `RULES`).
 *
 * Shape: `model(history)` folds the history, step by step in arrival order, into a ledger of counted
 * facts (each with its instance, its app-local day and the user it belongs to); `report(ledger,
 * scope, range)` aggregates the ledger into the analytics response of one scope (the campaign or an
 * instance) and, optionally, one date range.
 */
import Big from "big.js";
import { DateTime } from "luxon";
import {
  type Action,
  type EventSpec,
  type EventValue,
  type Goal,
  type History,
  HOUR,
  KEEP_EVENTS_MS,
  LINK_LIFETIME_MS,
  MESSAGE_URLS,
  type ReceiptSpec,
  type Recipient,
  WINDOW_GRACE_MS,
} from "./history.js";

/**
 * Every rule the model had to pick where SPEC §2–§4 does not say, with where it comes from. The test
 * report prints these; keep them in sync with the code below.
 */
export const RULES: string[] = [
  "Sent time = the moment the provider is called (docs/decisions.md Sending); a failed or unknown send counts on that attempt day (README delivery.failedToSend).",
  "A crashed send (worker died after marking the message SENDING) is SEND_OUTCOME_UNKNOWN, except when no provider call could ever be made: an invalid number stays INVALID_NUMBER and a missing personalisation attribute PERSONALIZATION_FAILED (SPEC §3 defines SEND_OUTCOME_UNKNOWN as 'the provider was called').",
  "Provider error code: custom — the response's errorCodePointer value trimmed; blank or absent → the HTTP status (SPEC §3 'HTTP status when there is no code'; decisions 'custom: trimmed as given'). Gupshup — the code of its `error | code | text` line, lower case, 1–2 hex digits zero-padded to 3 (decisions.md 'One provider code, one string'); a non-200 answer → the HTTP status.",
  "A Gupshup UNKNOWN receipt is a final failure with code UNKNOWN; a later delivery still wins (PROVIDERS.md).",
  "Receipt time = operator time when present, clamped to [sent time, arrival] (decisions.md Receipts, brief).",
  "The first final failure keeps its code and day until a delivery replaces it (decisions.md Receipts).",
  "A custom status in none of the mapping's lists is in transit (decisions.md Receipts).",
  "Any receipt (also in transit) for a SEND_OUTCOME_UNKNOWN message proves it sent; it counts as sent on its original sent day (SPEC §3, README delivery.sent).",
  "failedToDeliver counts on the day of the failure being counted; delivered on the delivery day; inTransit and pendingDeliveryConfirmation on the sent day (README, decisions.md cohort fields).",
  "A tap is after expiry when it comes more than 360 h after the sent time (README clicks.afterExpiry); a bot tap on an expired link is a bot (decisions.md Clicks).",
  "Bots: HEAD, no user agent, or a link previewer's user agent; suspectedBots and afterExpiry count by tap day.",
  "Taps prove sends (docs/decisions.md Taps prove sends): any tap, also a bot's or an expired one, on a message whose outcome is unknown moves it to sent (in transit, or pending confirmation without tracking, which opens its window at the sent time); a person's tap on a tracked message not yet delivered (unknown, in transit, failed) makes it delivered at max(sent, tap), opening its window then; a later delivery receipt changes nothing.",
  "Window = [start, start + W h); start = delivery time (tracked) or sent time (untracked); W is the campaign's window when the message was sent (a later change of the campaign's window does not move it: SPEC §2 'what was counted stays as it was counted').",
  "An arriving event counts, per goal, to the window holding it that started last, if that window is still kept (arrival < end + 7 d) and the event is not yet counted for (campaign, goal).",
  "A window that opens takes the user's kept events it holds (event time ≥ opening − (720 h + 7 d)) not yet counted for (campaign, goal) (decisions.md Attribution).",
  "Event ids: the first content to arrive owns the id; the same id again (same or other content) adds nothing (decisions.md Attribution).",
  "Events whose name no goal counts are ignored (not kept).",
  'Filters compare strictly: 5 is not "5" (decisions.md Attribution).',
  'Revenue (docs/decisions.md Revenue values, README revenue.*): JSON numbers and plain decimal strings ("19.99", "1e3") count, each event\'s amount rounded half-even to the currency\'s minor unit, then summed. Missing, null or empty (blank) → eventsWithoutRevenue; negative → eventsWithNegativeRevenue (not summed: refunds are not netted); anything else (booleans, words, "1,299.00") → eventsWithUnreadableRevenue. Each is still a conversion event.',
  "Average order value = total ÷ the revenue goal's counted events (with or without revenue); per user = total ÷ its unique users; both rounded half-even to the minor unit; null when the divisor is 0.",
  "Rates: × 100, rounded half-up to 2 decimals (docs/decisions.md Experiments 'like every rate'); deliveryRate null without delivery tracking.",
  "Unique figures (clickers, converters, unique goals) count once per instance and the campaign figure is their sum; each on the day of the user's first qualifying fact; with a range, users whose first fact is in the range (SPEC §4, README).",
  "conversionsBySendDate: primary-goal events and per-instance converters by the app-local day their message was sent; with a range, the send days in the range (with all of their conversions) (docs/decisions.md cohort fields).",
  "byUrl lists the URL exactly as written in the message (with its query).",
];

export type Scope = string | null;

export interface Range {
  from: string;
  to: string;
}

/** The analytics fields the model predicts (SPEC §4), as the product names them. */
export interface Analytics {
  delivery: {
    sent: number;
    failedToSend: number;
    delivered: number;
    failedToDeliver: number;
    inTransit: number;
    pendingDeliveryConfirmation: number;
    deliveryRate: number | null;
  };
  clicks: {
    total: number;
    unique: number;
    clickThroughRate: number | null;
    suspectedBots: number;
    afterExpiry: number;
    byUrl: Array<{ url: string; total: number; unique: number }>;
  };
  conversions: {
    goalId: string;
    attributionBasis: "delivered" | "sent";
    conversionEvents: number;
    conversions: number;
    conversionRate: number | null;
  };
  revenue: {
    goalId: string | null;
    total: string;
    averageOrderValue: string | null;
    averageRevenuePerUser: string | null;
    eventsWithoutRevenue: number;
    eventsWithUnreadableRevenue: number;
    eventsWithNegativeRevenue: number;
  };
  goals: Array<{
    goalId: string;
    eventName: string;
    allGoals: number;
    uniqueGoals: number;
    revenue?: string;
  }>;
  failures: {
    failedToSend: Array<{ reason: string; code: string | null; count: number }>;
    failedToDeliver: Array<{ code: string; count: number }>;
  };
  series: Array<{
    date: string;
    sent: number;
    delivered: number;
    clicks: number;
    conversionEvents: number;
    conversions: number;
    revenue: string;
  }>;
  breakdowns: {
    byCountry: Array<{
      country: string;
      sent: number;
      delivered: number;
      failedToDeliver: number;
      clicks: number;
    }>;
    byProvider: Array<{
      provider: string;
      sent: number;
      delivered: number;
      failedToDeliver: number;
      clicks: number;
    }>;
  };
  conversionsBySendDate: Array<{ date: string; conversionEvents: number; conversions: number }>;
}

type MessageStatus = "sent" | "delivered" | "failed" | "pending" | "notSent" | "unknown";

interface Message {
  instance: string;
  user: string;
  sentAt: number;
  /** The campaign's conversion window when the message was sent, hours. */
  windowHours: number;
  country: string | null;
  status: MessageStatus;
  notSentReason: string | null;
  notSentCode: string | null;
  deliveredAt: number | null;
  failedAt: number | null;
  failCode: string | null;
}

interface Window {
  instance: string;
  start: number;
  end: number;
}

interface KeptEvent {
  spec: EventSpec;
  /** goalId → the instance it counted for. */
  counted: Map<string, string>;
}

interface Tap {
  instance: string;
  user: string;
  url: string;
  at: number;
  kind: "click" | "bot" | "expired";
  country: string | null;
}

interface Conversion {
  instance: string;
  user: string;
  goalId: string;
  eventId: string;
  at: number;
  /** Rounded to the minor unit; null: the event carries no usable revenue (revenue goal only). */
  amount: Big | null;
  /** Why a revenue-goal event adds no revenue (null: it does, or another goal). */
  excluded: "missing" | "unreadable" | "negative" | null;
  /** The sent time of the message whose window counted it. */
  sentAt: number;
}

/** What the history leaves counted, plus the settings the report needs. */
export interface Ledger {
  history: History;
  messages: Message[];
  taps: Tap[];
  conversions: Conversion[];
  /** Events that two windows with the same start could both claim (the product's choice is not defined). */
  ambiguous: string[];
  /**
   * A message whose receipts include two final failures with different codes at the same arrival
   * instant (early receipts, all held until the send is recorded): which is "the first final failure"
   * is not defined (SPEC §3: queues deliver out of order), so failure codes are compared without codes.
   */
  failureCodeTie: boolean;
  /** Situations the history went through (for coverage statistics): "overlapping windows", … */
  tags: Set<string>;
}

/** Currency minor digits from the runtime's ICU data (Intl), e.g. USD 2, JPY 0, KWD 3. */
export function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

function money(value: Big, digits: number): string {
  return value.round(digits, Big.roundHalfEven).toFixed(digits);
}

function rate(numerator: number, base: number): number | null {
  if (base === 0) return null;
  return Number(new Big(numerator).times(100).div(base).round(2, Big.roundHalfUp).toString());
}

export function dayOf(at: number, timezone: string): string {
  return DateTime.fromMillis(at, { zone: timezone }).toISODate() as string;
}

/**
 * A revenue attribute as counted (see RULES): an exact, non-negative decimal, or why none is counted.
 * Plain decimal notation: optional sign, digits with an optional fraction, an optional exponent.
 */
export function revenueAmount(
  value: EventValue | undefined,
): { amount: Big } | { excluded: "missing" | "unreadable" | "negative" } {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === ""))
    return { excluded: "missing" };
  let amount: Big | null = null;
  if (typeof value === "number" && Number.isFinite(value)) amount = new Big(String(value));
  if (typeof value === "string" && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()))
    amount = new Big(value.trim());
  if (amount === null) return { excluded: "unreadable" };
  return amount.lt(0) ? { excluded: "negative" } : { amount };
}

function primaryGoal(goals: Goal[]): Goal {
  return goals.find((g) => g.primary === true) ?? (goals[0] as Goal);
}

function goalMatches(goal: Goal, e: EventSpec): boolean {
  if (goal.eventName !== e.name) return false;
  for (const [k, v] of Object.entries(goal.filters ?? {})) {
    if (!Object.hasOwn(e.attributes, k) || e.attributes[k] !== v) return false;
  }
  return true;
}

/** Same event content: id, user, name, instant and attributes (key order does not matter). */
function sameContent(a: EventSpec, b: EventSpec): boolean {
  const attrs = (e: EventSpec) =>
    JSON.stringify(Object.entries(e.attributes).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return (
    a.eventId === b.eventId &&
    a.user === b.user &&
    a.name === b.name &&
    a.at === b.at &&
    attrs(a) === attrs(b)
  );
}

/** A provider's code as one string (decisions.md: custom trimmed as given; Gupshup lower case, zero-padded to 3). */
export function providerCode(provider: History["provider"], code: string): string {
  const s = code.trim();
  if (provider === "custom") return s;
  const lower = s.toLowerCase();
  return /^[0-9a-f]{1,2}$/.test(lower) ? lower.padStart(3, "0") : lower;
}

/** The outcome of one recipient's send: what the message is after the send step. */
function sendOutcome(
  r: Recipient,
  provider: History["provider"],
): Pick<Message, "status" | "notSentReason" | "notSentCode"> {
  const notSent = (reason: string, code: string | null = null) => ({
    status: "notSent" as const,
    notSentReason: reason,
    notSentCode: code,
  });
  const unknown = { status: "unknown" as const, notSentReason: "SEND_OUTCOME_UNKNOWN", notSentCode: null };
  const a = r.answer;
  if (a.kind === "invalidNumber") return notSent("INVALID_NUMBER");
  if (a.kind === "missingAttribute") return notSent("PERSONALIZATION_FAILED");
  if (r.crash !== null) return unknown;
  switch (a.kind) {
    case "accepted":
      return { status: "sent", notSentReason: null, notSentCode: null };
    case "error": {
      const code = a.code?.trim();
      return notSent("PROVIDER_ERROR", code ? providerCode(provider, code) : String(a.status));
    }
    case "drop":
    case "timeout":
      return unknown;
  }
}

/** Folds a history into the ledger of what counts (pure). */
export function model(history: History): Ledger {
  let windowHours = history.windowHours;
  const messages = new Map<string, Message>();
  const windows = new Map<string, Window[]>();
  const kept = new Map<string, KeptEvent[]>();
  const owners = new Map<string, EventSpec>();
  const taps: Tap[] = [];
  const conversions: Conversion[] = [];
  const ambiguous: string[] = [];
  let failureCodeTie = false;
  const tags = new Set<string>();
  const revenueGoal = history.goals.find((g) => g.revenueAttribute !== undefined);
  const digits = minorDigits(history.currency);
  const relevant = new Set(history.goals.map((g) => g.eventName));

  const msgKey = (instance: string, user: string) => `${instance}\n${user}`;

  const count = (e: EventSpec, goal: Goal, w: Window): void => {
    const m = messages.get(msgKey(w.instance, e.user)) as Message;
    let amount: Big | null = null;
    let excluded: Conversion["excluded"] = null;
    if (goal === revenueGoal) {
      const raw = revenueAmount(e.attributes[goal.revenueAttribute as string]);
      if ("amount" in raw) amount = raw.amount.round(digits, Big.roundHalfEven);
      else excluded = raw.excluded;
    }
    conversions.push({
      instance: w.instance,
      user: e.user,
      goalId: goal.goalId,
      eventId: e.eventId,
      at: e.at,
      amount,
      excluded,
      sentAt: m.sentAt,
    });
  };

  const openWindow = (m: Message, start: number, openedAt: number): void => {
    const { user, instance } = m;
    const w: Window = { instance, start, end: start + m.windowHours * HOUR };
    const list = windows.get(user) ?? [];
    list.push(w);
    windows.set(user, list);
    for (const k of kept.get(user) ?? []) {
      const at = k.spec.at;
      if (at < w.start || at >= w.end) continue;
      if (at < openedAt - KEEP_EVENTS_MS) {
        tags.add("kept event too old for a window opening late");
        continue;
      }
      for (const goal of history.goals) {
        if (!goalMatches(goal, k.spec)) continue;
        if (k.counted.has(goal.goalId)) {
          tags.add("window opening finds an event already counted");
          continue;
        }
        tags.add("event counted by a window opening after it");
        k.counted.set(goal.goalId, instance);
        count(k.spec, goal, w);
      }
    }
  };

  const applyReceipt = (m: Message, r: ReceiptSpec, arrival: number): void => {
    if (m.status === "notSent" || m.status === "pending") return;
    if (m.status === "unknown") {
      tags.add("receipt proves an unknown send");
      m.status = "sent";
      m.notSentReason = null;
    }
    const t = Math.max(m.sentAt, Math.min(r.operatorAt ?? arrival, arrival));
    if (r.operatorAt !== null && r.operatorAt < m.sentAt) tags.add("operator time before the send");
    if (r.operatorAt !== null && r.operatorAt > arrival) tags.add("operator time after arrival");
    if (r.status === "DELIVERED" && m.status === "failed") tags.add("failed, then delivered");
    if (r.status === "UNKNOWN") tags.add("UNKNOWN receipt (Gupshup)");
    if (m.status === "delivered") tags.add("receipt after delivery");
    if (r.status === "DELIVERED" && (m.status === "sent" || m.status === "failed")) {
      m.status = "delivered";
      m.deliveredAt = t;
      openWindow(m, t, arrival);
    } else if ((r.status === "FAILED" || r.status === "UNKNOWN") && m.status === "sent") {
      m.status = "failed";
      m.failedAt = t;
      m.failCode =
        r.status === "UNKNOWN" ? "UNKNOWN" : r.code === null ? null : providerCode(history.provider, r.code);
    }
  };

  /** What a tap proves about its message (see RULES, "Taps prove sends"). */
  const proveByTap = (m: Message, at: number, bot: boolean): void => {
    if (m.status === "unknown") {
      tags.add(bot ? "bot tap proves an unknown send" : "tap proves an unknown send");
      m.status = history.tracked ? "sent" : "pending";
      m.notSentReason = null;
      if (m.status === "pending") openWindow(m, m.sentAt, at);
    }
    if (!history.tracked || bot) return;
    if (m.status === "sent" || m.status === "failed") {
      tags.add(m.status === "failed" ? "tap proves a failed message delivered" : "tap proves delivery");
      m.status = "delivered";
      m.deliveredAt = Math.max(m.sentAt, at);
      openWindow(m, m.deliveredAt, at);
    }
  };

  const arrive = (e: EventSpec, arrival: number): void => {
    const owner = owners.get(e.eventId);
    if (owner) {
      // A retry of the same content, or another event reusing the id: nothing new.
      tags.add(sameContent(owner, e) ? "event id again, same content" : "event id again, other content");
      return;
    }
    owners.set(e.eventId, e);
    if (!relevant.has(e.name)) return;
    const k: KeptEvent = { spec: e, counted: new Map() };
    const list = kept.get(e.user) ?? [];
    list.push(k);
    kept.set(e.user, list);
    const inside = (windows.get(e.user) ?? []).filter((w) => w.start <= e.at && e.at < w.end);
    const holding = inside.filter((w) => arrival < w.end + WINDOW_GRACE_MS);
    if (holding.length < inside.length) tags.add("event too late for its window");
    if (holding.length > 1) tags.add("event in overlapping windows");
    if (holding.length === 0) return;
    const latest = Math.max(...holding.map((w) => w.start));
    const last = holding.filter((w) => w.start === latest);
    if (last.length > 1) ambiguous.push(e.eventId);
    const w = last[0] as Window;
    for (const goal of history.goals) {
      if (!goalMatches(goal, e)) continue;
      k.counted.set(goal.goalId, w.instance);
      count(e, goal, w);
    }
  };

  const apply = (a: Action, at: number): void => {
    switch (a.kind) {
      case "send":
        for (const r of a.recipients) {
          const key = msgKey(a.instance, r.user);
          if (messages.has(key)) continue; // SPEC §2: sending the same user twice in one instance is a no-op
          const outcome = sendOutcome(r, history.provider);
          const m: Message = {
            instance: a.instance,
            user: r.user,
            sentAt: at,
            windowHours,
            country: r.answer.kind === "invalidNumber" ? null : (history.users[r.user]?.country ?? null),
            ...outcome,
            deliveredAt: null,
            failedAt: null,
            failCode: null,
          };
          if (m.status === "sent" && !history.tracked) m.status = "pending";
          messages.set(key, m);
          if (m.status === "pending") openWindow(m, at, at);
          if (r.crash) tags.add(`send crash ${r.crash}`);
          if (history.tracked && r.early.length > 0) tags.add("receipt before the send is recorded");
          if (history.tracked) {
            const codes = new Set(
              r.early
                .filter((x) => x.status === "FAILED" || x.status === "UNKNOWN")
                .map((x) =>
                  x.status === "UNKNOWN" ? "UNKNOWN" : providerCode(history.provider, x.code ?? ""),
                ),
            );
            if (codes.size > 1) {
              failureCodeTie = true;
              tags.add("two early final failures, one instant");
            }
            for (const early of r.early) applyReceipt(m, early, at);
          }
        }
        return;
      case "receipt": {
        const m = messages.get(msgKey(a.instance, a.user));
        if (m && history.tracked) applyReceipt(m, a.receipt, at);
        return;
      }
      case "tap": {
        const m = messages.get(msgKey(a.instance, a.user));
        if (!m || !history.clickTracking) return;
        const bot = a.agent !== "browser";
        const expired = at - m.sentAt > LINK_LIFETIME_MS;
        tags.add(`tap: ${bot ? "bot" : expired ? "after expiry" : "counted"}`);
        if (Math.abs(at - m.sentAt - LINK_LIFETIME_MS) <= 1) tags.add("tap at the expiry boundary");
        taps.push({
          instance: a.instance,
          user: a.user,
          url: MESSAGE_URLS[a.link] as string,
          at,
          kind: bot ? "bot" : expired ? "expired" : "click",
          country: m.country,
        });
        proveByTap(m, at, bot);
        return;
      }
      case "events":
        for (const e of a.events) arrive(e, at);
        return;
      case "settings":
        if (a.windowHours !== windowHours) tags.add("window changed between sends");
        windowHours = a.windowHours;
        return;
    }
  };

  for (const step of history.steps) {
    // Window-opening actions before events: the generator never puts both for one user in a step.
    for (const a of step.actions) apply(a, step.at);
  }
  if (conversions.some((c) => c.amount !== null)) tags.add("revenue");
  if (new Set(conversions.map((c) => c.instance)).size > 1) tags.add("conversions in several instances");
  return { history, messages: [...messages.values()], taps, conversions, ambiguous, failureCodeTie, tags };
}

function* daysBetween(from: string, to: string): Generator<string> {
  let d = DateTime.fromISO(from, { zone: "UTC" });
  const end = DateTime.fromISO(to, { zone: "UTC" });
  while (d <= end) {
    yield d.toISODate() as string;
    d = d.plus({ days: 1 });
  }
}

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of items) out.set(key(t), (out.get(key(t)) ?? 0) + 1);
  return out;
}

/**
 * Firsts: for each group key (user within an instance, …) the earliest item; used for unique counts,
 * which count a user once per instance on the day of the first qualifying fact.
 */
function firsts<T extends { at: number }>(items: T[], key: (t: T) => string): T[] {
  const best = new Map<string, T>();
  for (const t of items) {
    const b = best.get(key(t));
    if (!b || t.at < b.at) best.set(key(t), t);
  }
  return [...best.values()];
}

/** The analytics of one scope (`null` = the campaign) and, optionally, one date range. */
export function report(ledger: Ledger, scope: Scope, range?: Range): Analytics {
  const h = ledger.history;
  const tz = h.timezone;
  const digits = minorDigits(h.currency);
  const day = (at: number) => dayOf(at, tz);
  const inRange = (d: string) => !range || (range.from <= d && d <= range.to);
  const inScope = (instance: string) => scope === null || scope === instance;
  const primary = primaryGoal(h.goals);
  const revenueGoal = h.goals.find((g) => g.revenueAttribute !== undefined) ?? null;

  const msgs = ledger.messages.filter((m) => inScope(m.instance));
  const isSent = (m: Message) =>
    m.status === "sent" || m.status === "delivered" || m.status === "failed" || m.status === "pending";
  const sentMsgs = msgs.filter((m) => isSent(m) && inRange(day(m.sentAt)));
  const notSent = msgs.filter(
    (m) => (m.status === "notSent" || m.status === "unknown") && inRange(day(m.sentAt)),
  );
  const delivered = msgs.filter((m) => m.status === "delivered" && inRange(day(m.deliveredAt as number)));
  const failed = msgs.filter((m) => m.status === "failed" && inRange(day(m.failedAt as number)));
  const inTransit = sentMsgs.filter((m) => m.status === "sent");
  const pending = sentMsgs.filter((m) => m.status === "pending");
  const base = h.tracked ? delivered.length : sentMsgs.length;

  const taps = ledger.taps.filter((t) => inScope(t.instance));
  const clicks = taps.filter((t) => t.kind === "click");
  const clickUser = (t: Tap) => `${t.instance}\n${t.user}`;
  const clickers = firsts(clicks, clickUser).filter((t) => inRange(day(t.at)));
  const rangedClicks = clicks.filter((t) => inRange(day(t.at)));

  const convs = ledger.conversions.filter((c) => inScope(c.instance));
  const goalUser = (c: Conversion) => `${c.instance}\n${c.user}`;
  const goalStats = (goalId: string) => {
    const all = convs.filter((c) => c.goalId === goalId);
    return {
      events: all.filter((c) => inRange(day(c.at))),
      users: firsts(all, goalUser).filter((c) => inRange(day(c.at))),
    };
  };
  const primaryStats = goalStats(primary.goalId);
  const revenueStats = revenueGoal ? goalStats(revenueGoal.goalId) : { events: [], users: [] };
  const sum = (cs: Conversion[]) => cs.reduce((s, c) => (c.amount ? s.plus(c.amount) : s), new Big(0));
  const revenueTotal = sum(revenueStats.events);

  const failedToSend = [...countBy(notSent, (m) => JSON.stringify([m.notSentReason, m.notSentCode]))].map(
    ([k, count]) => {
      const [reason, code] = JSON.parse(k) as [string, string | null];
      return { reason, code, count };
    },
  );

  const seriesDays = new Set<string>();
  if (range) for (const d of daysBetween(range.from, range.to)) seriesDays.add(d);
  else {
    for (const m of sentMsgs) seriesDays.add(day(m.sentAt));
    for (const m of delivered) seriesDays.add(day(m.deliveredAt as number));
    for (const t of clicks) seriesDays.add(day(t.at));
    for (const c of [...primaryStats.events, ...revenueStats.events]) seriesDays.add(day(c.at));
  }
  const series = [...seriesDays].sort().map((date) => ({
    date,
    sent: sentMsgs.filter((m) => day(m.sentAt) === date).length,
    delivered: delivered.filter((m) => day(m.deliveredAt as number) === date).length,
    clicks: clicks.filter((t) => day(t.at) === date).length,
    conversionEvents: primaryStats.events.filter((c) => day(c.at) === date).length,
    conversions: primaryStats.users.filter((c) => day(c.at) === date).length,
    revenue: money(sum(revenueStats.events.filter((c) => day(c.at) === date)), digits),
  }));

  const countries = new Set(msgs.map((m) => m.country).filter((c): c is string => c !== null));
  const breakdownRow = (pick: (country: string | null) => boolean) => ({
    sent: sentMsgs.filter((m) => pick(m.country)).length,
    delivered: delivered.filter((m) => pick(m.country)).length,
    failedToDeliver: failed.filter((m) => pick(m.country)).length,
    clicks: rangedClicks.filter((t) => pick(t.country)).length,
  });

  const cohorts = new Map<string, { conversionEvents: number; users: Set<string> }>();
  for (const c of convs.filter((x) => x.goalId === primary.goalId)) {
    const d = day(c.sentAt);
    if (!inRange(d)) continue;
    const slot = cohorts.get(d) ?? { conversionEvents: 0, users: new Set<string>() };
    slot.conversionEvents++;
    slot.users.add(goalUser(c));
    cohorts.set(d, slot);
  }

  return {
    delivery: {
      sent: sentMsgs.length,
      failedToSend: notSent.length,
      delivered: delivered.length,
      failedToDeliver: failed.length,
      inTransit: inTransit.length,
      pendingDeliveryConfirmation: pending.length,
      deliveryRate: h.tracked ? rate(delivered.length, sentMsgs.length) : null,
    },
    clicks: {
      total: rangedClicks.length,
      unique: clickers.length,
      clickThroughRate: h.clickTracking ? rate(clickers.length, base) : null,
      suspectedBots: taps.filter((t) => t.kind === "bot" && inRange(day(t.at))).length,
      afterExpiry: taps.filter((t) => t.kind === "expired" && inRange(day(t.at))).length,
      byUrl: MESSAGE_URLS.map((url) => {
        const onUrl = clicks.filter((t) => t.url === url);
        return {
          url,
          total: onUrl.filter((t) => inRange(day(t.at))).length,
          unique: firsts(onUrl, clickUser).filter((t) => inRange(day(t.at))).length,
        };
      }),
    },
    conversions: {
      goalId: primary.goalId,
      attributionBasis: h.tracked ? "delivered" : "sent",
      conversionEvents: primaryStats.events.length,
      conversions: primaryStats.users.length,
      conversionRate: rate(primaryStats.users.length, base),
    },
    revenue: {
      goalId: revenueGoal?.goalId ?? null,
      total: money(revenueTotal, digits),
      averageOrderValue:
        revenueStats.events.length === 0 ? null : money(revenueTotal.div(revenueStats.events.length), digits),
      averageRevenuePerUser:
        revenueStats.users.length === 0 ? null : money(revenueTotal.div(revenueStats.users.length), digits),
      eventsWithoutRevenue: revenueStats.events.filter((c) => c.excluded === "missing").length,
      eventsWithUnreadableRevenue: revenueStats.events.filter((c) => c.excluded === "unreadable").length,
      eventsWithNegativeRevenue: revenueStats.events.filter((c) => c.excluded === "negative").length,
    },
    goals: h.goals.map((g) => {
      const s = goalStats(g.goalId);
      return {
        goalId: g.goalId,
        eventName: g.eventName,
        allGoals: s.events.length,
        uniqueGoals: s.users.length,
        ...(g === revenueGoal ? { revenue: money(revenueTotal, digits) } : {}),
      };
    }),
    failures: {
      failedToSend,
      failedToDeliver: [...countBy(failed, (m) => m.failCode ?? "")].map(([code, count]) => ({
        code,
        count,
      })),
    },
    series,
    breakdowns: {
      byCountry: [...countries].map((country) => ({ country, ...breakdownRow((c) => c === country) })),
      byProvider: [{ provider: h.provider, ...breakdownRow(() => true) }],
    },
    conversionsBySendDate: [...cohorts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([date, s]) => ({ date, conversionEvents: s.conversionEvents, conversions: s.users.size })),
  };
}
