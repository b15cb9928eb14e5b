/**
 * fast-check arbitraries for histories: sends with every provider answer and crash point, receipts
 * duplicated, reordered, early (before the send is recorded) and late, taps by people and bots around
 * the link's expiry, goal events before, inside and after (overlapping) windows, with duplicate ids,
 * late arrivals and every kind of revenue value, and a fault plan. Everything shrinks: the arbitraries
 * build a plain plan, and `toHistory` turns it into steps deterministically.
 */
import fc from "fast-check";
import {
  type Agent,
  DAY,
  type EventSpec,
  type EventValue,
  type FaultSpec,
  type Goal,
  type History,
  HOUR,
  LINK_LIFETIME_MS,
  MIN,
  type ReceiptSpec,
  type Recipient,
  type SendAnswer,
  type SendCrash,
  type Step,
} from "./history.js";

/** Days where day boundaries are tricky: DST changes (US, UK, Lord Howe's 30 min, Chatham), year end, leap day. */
const ANCHORS = [
  "2027-03-14T06:00:00Z",
  "2027-11-07T05:00:00Z",
  "2027-03-28T00:30:00Z",
  "2027-04-03T14:00:00Z",
  "2027-09-25T13:00:00Z",
  "2027-12-31T18:00:00Z",
  "2028-02-28T20:00:00Z",
].map((s) => Date.parse(s));

const TIMEZONES = [
  "UTC",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
];
const CURRENCIES = ["USD", "INR", "JPY", "KWD", "EUR"];
const WINDOW_HOURS = [1, 2, 24, 36, 72, 720];

export const USERS: Record<string, { phone: string; country: string }> = {
  u1: { phone: "+919812380001", country: "IN" },
  u2: { phone: "+12126647665", country: "US" },
  u3: { phone: "+919812380003", country: "IN" },
  u4: { phone: "+61412345678", country: "AU" },
};
const USER_IDS = Object.keys(USERS);

const GOAL_SETS: Goal[][] = [
  [{ goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" }],
  [
    { goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" },
    { goalId: "signup", eventName: "Signup", filters: { plan: "pro" } },
  ],
  [
    { goalId: "signup", eventName: "Signup", filters: { tier: 5 } },
    { goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" },
    { goalId: "anyPurchase", eventName: "Purchase" },
  ],
  [{ goalId: "signup", eventName: "Signup" }],
  [
    { goalId: "anyPurchase", eventName: "Purchase" },
    { goalId: "proSignup", eventName: "Signup", primary: true, filters: { plan: "pro", tier: 5 } },
  ],
];

const REVENUE_VALUES: Array<EventValue | undefined> = [
  19.99,
  1299,
  0.005,
  0.015,
  2.5,
  12345678.905,
  -5,
  0,
  "19.99",
  "1,299.00",
  "abc",
  "",
  true,
  null,
  undefined,
];

/** `arb`'s value about once in `n`, else null (shrinks to null). fc.option's `freq` is the other way round: nil once in `freq`. */
function sometimes<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: n - 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: arb },
  );
}

const answerArb: fc.Arbitrary<SendAnswer> = fc.oneof(
  // A timeout costs the connector's 3 s of wall time: rare.
  { weight: 180, arbitrary: fc.constant({ kind: "accepted" as const }) },
  {
    weight: 24,
    arbitrary: fc.record({
      kind: fc.constant("error" as const),
      status: fc.constantFrom(400, 422, 429, 500, 503, 201, 202),
      code: fc.constantFrom(null, "E42", " E42 ", "insufficient_funds", "17", "   "),
    }),
  },
  { weight: 12, arbitrary: fc.constant({ kind: "drop" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "timeout" as const }) },
  { weight: 12, arbitrary: fc.constant({ kind: "invalidNumber" as const }) },
  { weight: 12, arbitrary: fc.constant({ kind: "missingAttribute" as const }) },
);

const crashArb: fc.Arbitrary<SendCrash | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom<SendCrash>("afterClaim", "afterCall") },
);

/** A receipt relative to its message's sent time: when it arrives and what the operator says. */
interface PlanReceipt {
  status: ReceiptSpec["status"];
  code: string;
  /** Arrival after the send, minutes (+ seconds). */
  lagMin: number;
  lagSec: number;
  /** Operator time relative to the sent time, seconds; null: none. */
  opSec: number | null;
  timeFormat: ReceiptSpec["timeFormat"];
  wire: ReceiptSpec["wire"];
  copies: number;
}

const lagMinArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 180 }) },
  { weight: 3, arbitrary: fc.integer({ min: 181, max: 4 * 24 * 60 }) },
  { weight: 1, arbitrary: fc.integer({ min: 4 * 24 * 60, max: 40 * 24 * 60 }) },
);

const receiptArb: fc.Arbitrary<PlanReceipt> = fc.record({
  status: fc.constantFrom<ReceiptSpec["status"]>(
    "DELIVERED",
    "DELIVERED",
    "DELIVERED",
    "FAILED",
    "FAILED",
    "IN_TRANSIT",
    "UNMAPPED",
  ),
  code: fc.constantFrom("E1", "E2", " E3 ", "UNDELIV"),
  lagMin: lagMinArb,
  lagSec: fc.integer({ min: 0, max: 59 }),
  opSec: fc.option(fc.integer({ min: -3600, max: 4 * 24 * 3600 }), { freq: 3 }),
  timeFormat: fc.constantFrom<ReceiptSpec["timeFormat"]>("isoZ", "isoOffset", "epochMs", "epochS"),
  wire: fc.constantFrom<ReceiptSpec["wire"]>("json", "json", "query", "form"),
  copies: fc.constantFrom(1, 1, 1, 2, 3),
});

interface PlanTap {
  /** Minutes after the send; or exactly at the expiry ± 1 ms. */
  lagMin: number;
  boundary: -1 | 0 | 1 | null;
  agent: Agent;
  link: number;
  glued: string;
}

const tapArb: fc.Arbitrary<PlanTap> = fc.record({
  lagMin: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 * 24 * 60 }) },
    { weight: 2, arbitrary: fc.integer({ min: 3 * 24 * 60, max: 20 * 24 * 60 }) },
  ),
  boundary: fc.oneof(
    { weight: 20, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom<PlanTap["boundary"]>(-1, 0, 1) },
  ),
  agent: fc.constantFrom<Agent>("browser", "browser", "browser", "browser", "bot", "noAgent", "head"),
  link: fc.integer({ min: 0, max: 1 }),
  glued: fc.constantFrom("", "", "", "/", ".", "%E3%80%82"),
});

interface PlanRecipient {
  user: string;
  answer: SendAnswer;
  crash: SendCrash | null;
  early: PlanReceipt[];
  receipts: PlanReceipt[];
  taps: PlanTap[];
}

/**
 * How big histories get. `full` (the CLI's default): up to 3 instances of up to 4 recipients, 2 other
 * receipts and 2 taps per recipient, 6 events. `small` (CI): up to 2 instances of up to 3 recipients,
 * 1 other receipt and 1 tap per recipient, 4 events — the same situations, fewer of each at once.
 */
export type Size = "small" | "full";
const LIMITS: Record<
  Size,
  { instances: number; recipients: number; receipts: number; taps: number; events: number }
> = {
  full: { instances: 3, recipients: 4, receipts: 2, taps: 2, events: 6 },
  small: { instances: 2, recipients: 3, receipts: 1, taps: 1, events: 4 },
};

const recipientArb = (user: string, size: Size): fc.Arbitrary<PlanRecipient> =>
  fc.record({
    user: fc.constant(user),
    answer: answerArb,
    crash: crashArb,
    early: sometimes(fc.array(receiptArb, { minLength: 1, maxLength: 2 }), 6).map((l) => l ?? []),
    // Most messages that reached the provider get a delivery receipt (conversions need open windows),
    // placed among up to two others.
    receipts: fc
      .tuple(
        fc.array(receiptArb, { maxLength: LIMITS[size].receipts }),
        fc.option(
          receiptArb.map((r) => ({ ...r, status: "DELIVERED" as const })),
          { freq: 4, nil: null },
        ),
        fc.nat({ max: 2 }),
      )
      .map(([others, delivered, at]) =>
        delivered ? [...others.slice(0, at), delivered, ...others.slice(at)] : others,
      ),
    taps: fc.array(tapArb, { maxLength: LIMITS[size].taps }),
  });

interface PlanInstance {
  /** Send time after the history's start, minutes (+ seconds). */
  atMin: number;
  atSec: number;
  recipients: PlanRecipient[];
  /** A second sends call for the same instance (a no-op for users already sent), minutes later. */
  again: { afterMin: number; users: string[] } | null;
}

const instanceArb = (size: Size): fc.Arbitrary<PlanInstance> =>
  fc.record({
    atMin: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 48 * 60 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 45 * 24 * 60 }) },
    ),
    atSec: fc.integer({ min: 0, max: 59 }),
    recipients: fc
      .subarray(USER_IDS, { minLength: 1, maxLength: LIMITS[size].recipients })
      .chain((users) => fc.tuple(...users.map((u) => recipientArb(u, size)))),
    again: sometimes(
      fc.record({
        afterMin: fc.integer({ min: 1, max: 600 }),
        users: fc.subarray(USER_IDS, { minLength: 1 }),
      }),
      5,
    ),
  });

interface PlanEvent {
  /** Whose event: the `who`-th recipient of the `anchor`-th instance (both wrapped), or anyone (`stranger`). */
  anchor: number;
  who: number;
  stranger: boolean;
  /** An event name: the `goal`-th goal's (wrapped), or one given. */
  name: { goal: number } | "Purchase" | "Signup" | "View";
  /**
   * Event time: relative to the anchor message's window start as the plan foresees it (its first
   * delivery receipt, or its send), as a fraction of the window (`inside`), or minutes around it.
   */
  at: { kind: "inside"; fraction: number } | { kind: "minutes"; minutes: number };
  offsetSec: number;
  /** Arrival after the event time, minutes; negative: the client clock runs ahead (≤ 4 min). */
  lagMin: number;
  timeOffset: EventSpec["timeOffset"];
  revenue: number;
  plan: "pro" | "free" | null;
  tier: 5 | "5" | null;
  /** The same id again later: same content (a client retry) or other content. */
  again: { lagMin: number; same: boolean } | null;
}

const eventArb: fc.Arbitrary<PlanEvent> = fc.record({
  anchor: fc.nat({ max: 5 }),
  who: fc.nat({ max: 3 }),
  stranger: fc.constantFrom(false, false, false, false, false, true),
  name: fc.oneof(
    { weight: 6, arbitrary: fc.nat({ max: 2 }).map((n) => ({ goal: n })) },
    { weight: 1, arbitrary: fc.constantFrom<PlanEvent["name"]>("Purchase", "Signup", "View") },
  ),
  at: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("inside" as const),
        fraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("minutes" as const),
        minutes: fc.integer({ min: -180, max: 180 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("minutes" as const),
        minutes: fc.integer({ min: -3 * 24 * 60, max: 45 * 24 * 60 }),
      }),
    },
  ),
  offsetSec: fc.integer({ min: 0, max: 59 }),
  lagMin: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 120 }) },
    { weight: 1, arbitrary: fc.integer({ min: -4, max: -1 }) },
    { weight: 2, arbitrary: fc.integer({ min: 120, max: 10 * 24 * 60 }) },
    { weight: 1, arbitrary: fc.integer({ min: 10 * 24 * 60, max: 50 * 24 * 60 }) },
  ),
  timeOffset: fc.constantFrom<EventSpec["timeOffset"]>("Z", "Z", "+05:30", "-03:00"),
  revenue: fc.nat({ max: REVENUE_VALUES.length - 1 }),
  plan: fc.constantFrom<PlanEvent["plan"]>("pro", "pro", "free", null),
  tier: fc.constantFrom<PlanEvent["tier"]>(5, 5, "5", null),
  again: sometimes(fc.record({ lagMin: fc.integer({ min: 0, max: 3 * 24 * 60 }), same: fc.boolean() }), 4),
});

export interface Plan {
  start: number;
  timezone: string;
  currency: string;
  tracked: boolean;
  /** Gupshup instead of a custom connector (then delivery tracking is on). */
  gupshup: boolean;
  clickTracking: boolean;
  windowHours: number;
  goals: Goal[];
  instances: PlanInstance[];
  events: PlanEvent[];
  /** Round action times to the minute, so that actions of different users meet in one step. */
  coarse: boolean;
  /** The campaign's window changes to `windowHours` at `atMin` after the start. */
  windowChange: { atMin: number; windowHours: number } | null;
  range: { fromDay: number; days: number };
  faults: FaultSpec;
}

export const faultArb: fc.Arbitrary<FaultSpec> = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  transientRate: fc.constantFrom(0, 0, 0.03, 0.1, 0.25),
  crashRate: fc.constantFrom(0, 0, 0.02, 0.05),
  maxCrashes: fc.integer({ min: 0, max: 2 }),
  lostResults: fc.integer({ min: 0, max: 2 }),
});

export const planArb = (size: Size): fc.Arbitrary<Plan> =>
  fc.record({
    start: fc
      .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: 0, max: 72 * 60 }))
      .map(([anchor, minutes]) => anchor - minutes * MIN),
    timezone: fc.constantFrom(...TIMEZONES),
    currency: fc.constantFrom(...CURRENCIES),
    tracked: fc.boolean(),
    gupshup: fc.constantFrom(false, false, false, true),
    clickTracking: fc.constantFrom(true, true, true, false),
    windowHours: fc.constantFrom(...WINDOW_HOURS),
    goals: fc.constantFrom(...GOAL_SETS),
    instances: fc.array(instanceArb(size), { minLength: 1, maxLength: LIMITS[size].instances }),
    events: fc.array(eventArb, { maxLength: LIMITS[size].events }),
    coarse: fc.boolean(),
    windowChange: sometimes(
      fc.record({
        atMin: fc.integer({ min: 1, max: 3 * 24 * 60 }),
        windowHours: fc.constantFrom(...WINDOW_HOURS),
      }),
      5,
    ),
    range: fc.record({ fromDay: fc.integer({ min: -1, max: 25 }), days: fc.integer({ min: 0, max: 12 }) }),
    faults: faultArb,
  });

const GUPSHUP_CODES = ["003", "3", "00A", "012", "1"];

function receiptSpec(r: PlanReceipt, sentAt: number, gupshup: boolean): ReceiptSpec {
  // Gupshup has no in-transit receipt: its other statuses are UNKNOWN (a final receipt).
  const status = gupshup && (r.status === "IN_TRANSIT" || r.status === "UNMAPPED") ? "UNKNOWN" : r.status;
  const code = gupshup ? (GUPSHUP_CODES[r.code.length % GUPSHUP_CODES.length] as string) : r.code;
  return {
    status,
    code: status === "FAILED" ? code : null,
    // Whole seconds: every time format carries them exactly.
    operatorAt: r.opSec === null ? null : Math.floor(sentAt / 1000) * 1000 + r.opSec * 1000,
    timeFormat: gupshup ? "epochMs" : r.timeFormat,
    wire: r.wire,
  };
}

/** Who the provider has seen (and so may send receipts for, and whose links exist and reached a phone). */
function reachedProvider(r: PlanRecipient): boolean {
  return reachedProviderKind(r);
}

/** Early receipts come while the provider call is open: only with a prompt answer (the local queues retry an unmatched receipt within milliseconds, not over the half hour SQS takes). */
function answersPromptly(r: PlanRecipient): boolean {
  return r.answer.kind === "accepted" || r.answer.kind === "drop";
}

function reachedProviderKind(r: PlanRecipient): boolean {
  const a = r.answer.kind;
  return (a === "accepted" || a === "drop" || a === "timeout") && r.crash !== "afterClaim";
}

type Timed = { at: number; action: Step["actions"][number]; users: string[] };

/** A settings change touches every user: it always has a step of its own. */
const EVERYONE = "*";

/** Where the plan expects a message's window to start: its first delivery receipt's time, else the send. */
function windowStartGuess(p: Plan, r: PlanRecipient, sentAt: number): number {
  if (!p.tracked && !p.gupshup) return sentAt;
  const delivered = r.receipts.find((x) => x.status === "DELIVERED");
  if (!delivered) return sentAt;
  const arrival = sentAt + delivered.lagMin * MIN + delivered.lagSec * 1000;
  const op = delivered.opSec === null ? arrival : Math.floor(sentAt / 1000) * 1000 + delivered.opSec * 1000;
  return Math.max(sentAt, Math.min(op, arrival));
}

/** Puts actions into steps: same time → one step, unless two touch one user (then the later moves 1 s on). */
function toSteps(timed: Timed[]): Step[] {
  const sorted = [...timed].sort((a, b) => a.at - b.at);
  const steps: Step[] = [];
  const usersOf: Array<Set<string>> = [];
  for (const t of sorted) {
    let at = t.at;
    for (;;) {
      const i = steps.findIndex((s) => s.at === at);
      if (i < 0) {
        steps.push({ at, actions: [t.action] });
        usersOf.push(new Set(t.users));
        break;
      }
      const step = steps[i] as Step;
      const users = usersOf[i] as Set<string>;
      const last = step.actions[step.actions.length - 1];
      if (t.action.kind === "events" && last?.kind === "events" && step.actions.length === 1) {
        // Events at the same moment travel in one request (a batch may hold one user's events together).
        last.events.push(...t.action.events);
        for (const u of t.users) users.add(u);
        break;
      }
      if (t.users.some((u) => users.has(u) || u === EVERYONE) || users.has(EVERYONE)) {
        at += 1000;
        continue;
      }
      step.actions.push(t.action);
      for (const u of t.users) users.add(u);
      break;
    }
  }
  return steps.sort((a, b) => a.at - b.at);
}

/** Turns a plan into a history (deterministic, so shrinking the plan shrinks the history). */
export function toHistory(p: Plan): History {
  const tracked = p.tracked || p.gupshup;
  // Receipts name Gupshup messages by the id its answer gave: only a message it answered can have any.
  const canHaveReceipts = (r: PlanRecipient) =>
    reachedProvider(r) && (!p.gupshup || r.answer.kind === "accepted");
  const timed: Timed[] = [];
  const quantise = (t: number) => (p.coarse ? Math.round(t / MIN) * MIN : t);
  const sentAt: number[] = [];
  // Instance send times: distinct, in order of the plan's offsets.
  const order = p.instances
    .map((inst, i) => ({ i, at: p.start + inst.atMin * MIN + inst.atSec * 1000 }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  let previous = Number.NEGATIVE_INFINITY;
  for (const { i, at } of order) {
    const t = Math.max(quantise(at), previous + 1000);
    sentAt[i] = t;
    previous = t;
  }
  p.instances.forEach((inst, i) => {
    const instance = `i${i + 1}`;
    const t0 = sentAt[i] as number;
    const recipients: Recipient[] = inst.recipients.map((r) => ({
      user: r.user,
      answer: r.answer,
      crash: r.crash,
      early:
        tracked && r.crash === null && answersPromptly(r) && canHaveReceipts(r)
          ? r.early.map((e) => receiptSpec(e, t0, p.gupshup))
          : [],
    }));
    timed.push({
      at: t0,
      action: { kind: "send", instance, recipients },
      users: recipients.map((r) => r.user),
    });
    if (inst.again) {
      const answers = new Map(recipients.map((r) => [r.user, r]));
      const again: Recipient[] = inst.again.users.map((user) => ({
        user,
        // A user already sent keeps nothing of this answer (the send is a no-op); a new one is sent now.
        answer: answers.get(user)?.answer.kind === "accepted" ? { kind: "drop" } : { kind: "accepted" },
        crash: null,
        early: [],
      }));
      timed.push({
        at: quantise(t0 + inst.again.afterMin * MIN),
        action: { kind: "send", instance, recipients: again },
        users: again.map((r) => r.user),
      });
    }
    for (const r of inst.recipients) {
      if (!reachedProvider(r)) continue;
      if (tracked && canHaveReceipts(r)) {
        for (const pr of r.receipts) {
          timed.push({
            at: quantise(t0 + pr.lagMin * MIN + pr.lagSec * 1000),
            action: {
              kind: "receipt",
              instance,
              user: r.user,
              receipt: receiptSpec(pr, t0, p.gupshup),
              copies: pr.copies,
            },
            users: [r.user],
          });
        }
      }
      if (p.clickTracking) {
        for (const tap of r.taps) {
          const at =
            tap.boundary === null ? quantise(t0 + tap.lagMin * MIN) : t0 + LINK_LIFETIME_MS + tap.boundary;
          timed.push({
            at,
            action: {
              kind: "tap",
              instance,
              user: r.user,
              link: tap.link,
              agent: tap.agent,
              glued: tap.glued,
            },
            users: [r.user],
          });
        }
      }
    }
  });
  p.events.forEach((e, n) => {
    const i = e.anchor % p.instances.length;
    const inst = p.instances[i] as PlanInstance;
    const r = inst.recipients[e.who % inst.recipients.length] as PlanRecipient;
    const user = e.stranger ? (USER_IDS[(e.who + 1) % USER_IDS.length] as string) : r.user;
    const start = windowStartGuess(p, r, sentAt[i] as number);
    const at =
      (e.at.kind === "inside"
        ? start + Math.floor(e.at.fraction * p.windowHours * 60) * MIN
        : start + e.at.minutes * MIN) +
      e.offsetSec * 1000;
    const value = REVENUE_VALUES[e.revenue];
    const attributes: Record<string, EventValue> = {};
    if (value !== undefined) attributes.order_value = value;
    if (e.plan !== null) attributes.plan = e.plan;
    if (e.tier !== null) attributes.tier = e.tier;
    const name =
      typeof e.name === "string" ? e.name : (p.goals[e.name.goal % p.goals.length] as Goal).eventName;
    const spec: EventSpec = { eventId: `e${n + 1}`, user, name, at, timeOffset: e.timeOffset, attributes };
    const arrival = quantise(at + e.lagMin * MIN);
    timed.push({ at: arrival, action: { kind: "events", events: [spec] }, users: [user] });
    if (e.again) {
      const copy: EventSpec = e.again.same
        ? { ...spec, timeOffset: spec.timeOffset === "Z" ? "+05:30" : "Z" }
        : {
            ...spec,
            name: name === "Purchase" ? "Signup" : "Purchase",
            attributes: { ...attributes, order_value: 7 },
          };
      timed.push({
        at: quantise(arrival + e.again.lagMin * MIN),
        action: { kind: "events", events: [copy] },
        users: [user],
      });
    }
  });
  if (p.windowChange) {
    timed.push({
      at: p.start + p.windowChange.atMin * MIN + 500,
      action: { kind: "settings", windowHours: p.windowChange.windowHours },
      users: [EVERYONE],
    });
  }
  const steps = toSteps(timed);
  const users: History["users"] = {};
  for (const s of steps)
    for (const a of s.actions) {
      const ids =
        a.kind === "send"
          ? a.recipients.map((r) => r.user)
          : a.kind === "events"
            ? a.events.map((e) => e.user)
            : a.kind === "settings"
              ? []
              : [a.user];
      for (const u of ids) users[u] = USERS[u] as { phone: string; country: string };
    }
  const startDay = new Date(p.start + p.range.fromDay * DAY).toISOString().slice(0, 10);
  const endDay = new Date(p.start + (p.range.fromDay + p.range.days) * DAY).toISOString().slice(0, 10);
  return {
    timezone: p.timezone,
    currency: p.currency,
    provider: p.gupshup ? "gupshup" : "custom",
    tracked,
    clickTracking: p.clickTracking,
    windowHours: p.windowHours,
    goals: p.goals,
    users,
    steps,
    range: { from: startDay, to: endDay },
    faults: p.faults,
  };
}

export const historyArb = (size: Size = "full"): fc.Arbitrary<History> => planArb(size).map(toHistory);

/** A readable history: one line per action, times as offsets from the first step and as UTC. */
export function describe(h: History): string {
  const t0 = h.steps[0]?.at ?? 0;
  const rel = (t: number) => {
    const d = t - t0;
    const sign = d < 0 ? "-" : "+";
    const a = Math.abs(d);
    return `${sign}${Math.floor(a / DAY)}d${String(Math.floor((a % DAY) / HOUR)).padStart(2, "0")}:${String(Math.floor((a % HOUR) / MIN)).padStart(2, "0")}:${String(Math.floor((a % MIN) / 1000)).padStart(2, "0")}.${String(a % 1000).padStart(3, "0")}`;
  };
  const iso = (t: number) => new Date(t).toISOString();
  const receipt = (r: ReceiptSpec) =>
    `${r.status}${r.code !== null ? ` code=${JSON.stringify(r.code)}` : ""} op=${r.operatorAt === null ? "none" : `${rel(r.operatorAt)}`} (${r.timeFormat}, ${r.wire})`;
  const lines = [
    `app tz=${h.timezone} currency=${h.currency}; connector ${h.provider} tracked=${h.tracked}; campaign clickTracking=${h.clickTracking} window=${h.windowHours}h goals=${JSON.stringify(h.goals)}`,
    `range ${h.range.from}..${h.range.to}; faults ${JSON.stringify(h.faults)}`,
  ];
  for (const s of h.steps) {
    for (const a of s.actions) {
      const head = `${rel(s.at)} [${iso(s.at)}]`;
      switch (a.kind) {
        case "send":
          lines.push(
            `${head} send ${a.instance}: ${a.recipients
              .map(
                (r) =>
                  `${r.user}=${r.answer.kind === "error" ? `error(${r.answer.status},${JSON.stringify(r.answer.code)})` : r.answer.kind}${r.crash ? ` crash:${r.crash}` : ""}${r.early.length ? ` early[${r.early.map(receipt).join("; ")}]` : ""}`,
              )
              .join(", ")}`,
          );
          break;
        case "receipt":
          lines.push(
            `${head} receipt ${a.instance}/${a.user} ${receipt(a.receipt)}${a.copies > 1 ? ` x${a.copies}` : ""}`,
          );
          break;
        case "tap":
          lines.push(
            `${head} tap ${a.instance}/${a.user} link${a.link} ${a.agent}${a.glued ? ` glued=${JSON.stringify(a.glued)}` : ""}`,
          );
          break;
        case "settings":
          lines.push(`${head} campaign window changed to ${a.windowHours} h`);
          break;
        case "events":
          for (const e of a.events)
            lines.push(
              `${head} event ${e.eventId} ${e.user} ${e.name} at ${rel(e.at)} [${iso(e.at)}] ${JSON.stringify(e.attributes)}`,
            );
          break;
      }
    }
  }
  return lines.join("\n");
}
