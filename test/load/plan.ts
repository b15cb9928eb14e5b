import { type BuiltReceipt, gupshupPostReceipt, gupshupQueryReceipt } from "../simulators/index.js";

/**
 * The load plan, pure: which users exist, which receipts and events each gets, the deliberate
 * duplicates, the shuffled order, and the analytics a correct product must answer. Seeded, so a failing
 * run can be replayed exactly.
 */

/** mulberry32: small, fast, good enough to shuffle and pick. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function shuffle<T>(list: T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export const userId = (i: number): string => `u${i}`;
/** A valid Indian mobile number per user (98 + 8 digits). */
export const phoneOf = (i: number): string => `+9198${String(i).padStart(8, "0")}`;

type Outcome = "delivered" | "failed" | "failedThenDelivered" | "none";
const FAILURES = [
  { code: "003", cause: "UNKNOWN_SUBSCRIBER" },
  { code: "005", cause: "ABSENT_SUBSCRIBER" },
  { code: "010", cause: "MEMORY_CAPACITY_EXCEEDED" },
];

export interface PlannedEvent {
  eventId: string;
  userId: string;
  name: string;
  time: string;
  attributes?: Record<string, string | number>;
}

/** One HTTP request of the load: a receipt to the webhook, or a batch of events. */
export type WorkItem =
  | { kind: "receipt"; key: string; receipt: BuiltReceipt; duplicate: boolean }
  | { kind: "events"; key: string; events: PlannedEvent[]; duplicates: number };

export interface Expected {
  sent: number;
  delivered: number;
  failedToDeliver: number;
  inTransit: number;
  failuresByCode: Record<string, number>;
  conversionEvents: number;
  conversions: number;
  eventsWithoutRevenue: number;
  /** Exact, two decimals (USD). */
  revenue: string;
}

export interface LoadPlan {
  /** Users to send to (seed) before the load. */
  users: number;
  work: WorkItem[];
  receiptRequests: number;
  receiptDuplicates: number;
  eventSubmissions: number;
  eventDuplicates: number;
  expected: Expected;
}

function planOutcome(r: number): Outcome {
  if (r < 0.55) return "delivered";
  if (r < 0.7) return "failed";
  if (r < 0.8) return "failedThenDelivered";
  return "none";
}

function cents(total: bigint): string {
  const s = total.toString().padStart(3, "0");
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

export interface PlanOptions {
  /** Receipt requests in all, duplicates included. */
  receipts: number;
  /** Event submissions in all (events inside batches), duplicates included. */
  events: number;
  /** Share of both that repeats an earlier request or event. Default 0.3. */
  duplicateShare?: number;
  eventsPerRequest?: number;
  seed?: number;
}

/** Users and their outcomes only: the seed needs the count before the provider ids exist. */
export function planUsers(options: PlanOptions): { users: number; outcomes: Outcome[] } {
  const random = seededRandom(options.seed ?? 1);
  const share = options.duplicateShare ?? 0.3;
  const uniqueReceipts = options.receipts - Math.round(options.receipts * share);
  const outcomes: Outcome[] = [];
  let receipts = 0;
  while (receipts < uniqueReceipts) {
    let o = planOutcome(random());
    // The last user takes a single receipt so the unique count lands exactly.
    if (o === "failedThenDelivered" && receipts + 2 > uniqueReceipts) o = "delivered";
    outcomes.push(o);
    receipts += o === "none" ? 0 : o === "failedThenDelivered" ? 2 : 1;
  }
  return { users: outcomes.length, outcomes };
}

/**
 * Builds the whole load once the sends are recorded: `providerIdOf(i)` is the Gupshup id user i's
 * receipts carry, `t0` the operator's delivery time on every receipt (after every send, before any
 * receipt arrives, so each delivered user's window opens exactly at `t0`).
 */
export function planLoad(options: PlanOptions, providerIdOf: (i: number) => string, t0: number): LoadPlan {
  const { users, outcomes } = planUsers(options);
  const random = seededRandom((options.seed ?? 1) * 7919 + 17);
  const share = options.duplicateShare ?? 0.3;
  const receiptDuplicates = Math.round(options.receipts * share);

  const unique: WorkItem[] = [];
  const failuresByCode: Record<string, number> = {};
  let delivered = 0;
  let failed = 0;
  const deliveredUsers = new Set<string>();
  const receiptFor = (i: number, status: "SUCCESS" | "FAIL", n: number): WorkItem => {
    const failure = FAILURES[i % FAILURES.length] as (typeof FAILURES)[number];
    const fields =
      status === "SUCCESS"
        ? { status, cause: "SUCCESS", errCode: "000" }
        : { status, cause: failure.cause, errCode: failure.code };
    const externalId = providerIdOf(i);
    // Both formats Gupshup uses: the GET query (most accounts) and the POST batch.
    const receipt =
      random() < 0.8
        ? gupshupQueryReceipt({ externalId, deliveredTS: t0, ...fields })
        : gupshupPostReceipt(
            [
              {
                externalId,
                eventType: status === "SUCCESS" ? "DELIVERED" : "FAILED",
                eventTs: t0,
                cause: fields.cause,
                errCode: fields.errCode,
              },
            ],
            { wrap: random() < 0.5 },
          );
    return { kind: "receipt", key: `r${i}.${n}`, receipt, duplicate: false };
  };
  outcomes.forEach((o, i) => {
    if (o === "delivered" || o === "failedThenDelivered") {
      delivered++;
      deliveredUsers.add(userId(i));
    }
    if (o === "failed") {
      failed++;
      const code = (FAILURES[i % FAILURES.length] as (typeof FAILURES)[number]).code;
      failuresByCode[code] = (failuresByCode[code] ?? 0) + 1;
    }
    if (o === "delivered") unique.push(receiptFor(i, "SUCCESS", 0));
    if (o === "failed") unique.push(receiptFor(i, "FAIL", 0));
    // Shuffled below: the failure may arrive after the delivery, which must then not move anything.
    if (o === "failedThenDelivered") unique.push(receiptFor(i, "FAIL", 0), receiptFor(i, "SUCCESS", 1));
  });
  const receiptItems = [...unique];
  for (let d = 0; d < receiptDuplicates; d++) {
    const original = unique[Math.floor(random() * unique.length)] as WorkItem;
    receiptItems.push({ ...original, key: `${original.key}.dup${d}`, duplicate: true } as WorkItem);
  }

  // Events: purchases in and before the window, other names, users never sent, no revenue.
  const eventDuplicates = Math.round(options.events * share);
  const uniqueEvents: PlannedEvent[] = [];
  let conversionEvents = 0;
  let eventsWithoutRevenue = 0;
  let revenue = 0n;
  const converters = new Set<string>();
  for (let k = 0; k < options.events - eventDuplicates; k++) {
    const u = random() < 0.05 ? `nobody${k}` : userId(Math.floor(random() * users));
    const name = random() < 0.8 ? "Purchase" : "Browse";
    const inWindow = random() < 0.85;
    const at = inWindow ? t0 + Math.floor(random() * 60_000) : t0 - 1 - Math.floor(random() * 7_200_000);
    const valueCents = BigInt(1 + Math.floor(random() * 50_000));
    const noRevenue = random() < 0.03;
    const value = random() < 0.7 ? cents(valueCents) : Number(cents(valueCents));
    const event: PlannedEvent = {
      eventId: `e${k}`,
      userId: u,
      name,
      time: new Date(at).toISOString(),
      ...(noRevenue ? { attributes: { channel: "app" } } : { attributes: { order_value: value } }),
    };
    uniqueEvents.push(event);
    if (name === "Purchase" && inWindow && deliveredUsers.has(u)) {
      conversionEvents++;
      converters.add(u);
      if (noRevenue) eventsWithoutRevenue++;
      else revenue += valueCents;
    }
  }
  const submissions = [...uniqueEvents];
  for (let d = 0; d < eventDuplicates; d++) {
    submissions.push(uniqueEvents[Math.floor(random() * uniqueEvents.length)] as PlannedEvent);
  }
  const perRequest = options.eventsPerRequest ?? 20;
  const shuffledEvents = shuffle(submissions, random);
  const eventItems: WorkItem[] = [];
  for (let i = 0; i < shuffledEvents.length; i += perRequest) {
    const events = shuffledEvents.slice(i, i + perRequest);
    eventItems.push({ kind: "events", key: `ev${i / perRequest}`, events, duplicates: 0 });
  }

  return {
    users,
    work: shuffle([...receiptItems, ...eventItems], random),
    receiptRequests: receiptItems.length,
    receiptDuplicates,
    eventSubmissions: submissions.length,
    eventDuplicates,
    expected: {
      sent: users,
      delivered,
      failedToDeliver: failed,
      inTransit: users - delivered - failed,
      failuresByCode,
      conversionEvents,
      conversions: converters.size,
      eventsWithoutRevenue,
      revenue: cents(revenue),
    },
  };
}
