/**
 * A history: everything that happens to one app, in the order it reaches the product. The reference
 * model (model.ts) turns a history into the analytics SPEC §3 defines; the runner (run.ts) plays it
 * against the real product. Times are epoch milliseconds on the runner's virtual clock.
 *
 * A history is plain data (JSON-serialisable), so a failing one can be printed, stored and replayed.
 */

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** SPEC §3: a link expires 15 days (360 h) after its message's sent time. */
export const LINK_LIFETIME_MS = 360 * HOUR;
/** docs/decisions.md, Attribution: events are kept 720 h + 7 days. */
export const KEEP_EVENTS_MS = 720 * HOUR + 7 * DAY;
/** Brief (issue 13 §6): a window is kept 7 days after its end; later events are not attributed to it. */
export const WINDOW_GRACE_MS = 7 * DAY;

/** The campaign's one campaign id and the product's connector id in every history. */
export const CAMPAIGN_ID = "camp";
export const CONNECTOR_ID = "conn";

/** What the custom provider answers to one send request (or what stops the request being made). */
export type SendAnswer =
  /** HTTP 200 (SPEC: "HTTP status exactly 200" is sent). */
  | { kind: "accepted" }
  /** Any other status; `code` is put at the response's `/error/code` (null: none, the status counts). */
  | { kind: "error"; status: number; code: string | null }
  /** The provider reads the request and closes the connection: the outcome is unknown. */
  | { kind: "drop" }
  /** The provider answers 200 after the connector's timeout: the outcome is unknown. */
  | { kind: "timeout" }
  /** The recipient's phone is not a valid number: never sent to the provider. */
  | { kind: "invalidNumber" }
  /** The message uses `{{first_name}}` without fallback and the recipient has none. */
  | { kind: "missingAttribute" };

/**
 * A send worker killed at one point of one recipient's send (a fault of the history, modelled because
 * it changes the outcome SPEC §3 reports): `afterClaim` — the message was marked SENDING and the worker
 * died before calling the provider; `afterCall` — the provider was called and the worker died before
 * recording its answer. Both leave the send's outcome unknown (never re-sent).
 */
export type SendCrash = "afterClaim" | "afterCall";

/**
 * Receipt statuses. Custom: the mapping's lists (DELIVERED, FAILED, IN_TRANSIT) and a status in none
 * of them (UNMAPPED, counted in transit). Gupshup: SUCCESS, FAILURE, UNKNOWN (a final receipt that
 * confirms nothing; PROVIDERS.md).
 */
export type ReceiptStatus = "DELIVERED" | "FAILED" | "IN_TRANSIT" | "UNMAPPED" | "UNKNOWN";

export interface ReceiptSpec {
  status: ReceiptStatus;
  /** The provider's error code (FAILED); null: the receipt has none. May carry blanks around it. */
  code: string | null;
  /** The operator's own time (whole seconds), or null when the receipt carries none. */
  operatorAt: number | null;
  /** How the time travels (custom): ISO-8601 UTC, ISO-8601 with +05:30, 13-digit epoch ms, 10-digit epoch s. Gupshup: epoch ms. */
  timeFormat: "isoZ" | "isoOffset" | "epochMs" | "epochS";
  /** How the receipt travels: JSON POST, GET query, form POST (Gupshup: its JSON batch, its GET, its form batch). */
  wire: "json" | "query" | "form";
}

export interface Recipient {
  user: string;
  answer: SendAnswer;
  crash: SendCrash | null;
  /** Receipts the provider posts while our send call is still open (they arrive before the send is recorded). */
  early: ReceiptSpec[];
}

/** Who taps: a phone's browser, a link previewer (isbot), a client without user agent, or a HEAD request. */
export type Agent = "browser" | "bot" | "noAgent" | "head";

export type EventValue = string | number | boolean | null;

export interface EventSpec {
  eventId: string;
  user: string;
  name: string;
  /** The event's own time. */
  at: number;
  /** How the time is written: UTC `Z`, or with an offset (same instant). */
  timeOffset: "Z" | "+05:30" | "-03:00";
  attributes: Record<string, EventValue>;
}

export type Action =
  /** One sends request (`POST …/instances/{instance}/sends`). */
  | { kind: "send"; instance: string; recipients: Recipient[] }
  /** One receipt for (instance, user), posted `copies` times at once (duplicates racing). */
  | { kind: "receipt"; instance: string; user: string; receipt: ReceiptSpec; copies: number }
  /** One tap on the `link`-th tracked URL of (instance, user)'s message. */
  | { kind: "tap"; instance: string; user: string; link: number; agent: Agent; glued: string }
  /** One events request. */
  | { kind: "events"; events: EventSpec[] }
  /**
   * The campaign's conversion window changes (`PUT …/campaigns/{id}`). SPEC §2: what was counted stays
   * as it was counted — a message keeps the window of the campaign as it was when the message was sent.
   */
  | { kind: "settings"; windowHours: number };

/**
 * Facts that reach the product at the same moment. The runner does a step's actions at once and waits
 * for every queue to be empty before the next step. A step never holds two actions whose order would
 * matter for the same user (the generator keeps them apart), except copies of one receipt.
 */
export interface Step {
  at: number;
  actions: Action[];
}

export interface Goal {
  goalId: string;
  eventName: string;
  primary?: boolean;
  revenueAttribute?: string;
  filters?: Record<string, string | number | boolean>;
}

/** Faults that must not change any number (SPEC §3 "Exactly once"); see faults.ts. */
export interface FaultSpec {
  /** Seeds the per-call draws. */
  seed: number;
  /** Probability that a DynamoDB call (an attempt) fails transiently: throttled, or timed out before or after it was applied. */
  transientRate: number;
  /** Probability that a DynamoDB call kills its worker or request (before or after the call), up to `maxCrashes`. */
  crashRate: number;
  maxCrashes: number;
  /** Worker batches whose result is lost after they ran (the queue delivers them again). */
  lostResults: number;
  /** Faults injected exactly once at a given call (reproductions): function, command, text in its input. */
  forced?: Array<{
    fn: string;
    command: string;
    match: string;
    kind: "timeoutAfter" | "timeoutBefore" | "crashBefore" | "crashAfter";
  }>;
}

export interface History {
  timezone: string;
  currency: string;
  /**
   * The connector: a custom HTTP provider, or Gupshup (integrated: delivery tracking always on;
   * PROVIDERS.md formats, receipts correlated by the id its send answer gave).
   */
  provider: "custom" | "gupshup";
  /** Delivery tracking (windows open at delivery) or not (at the send; custom only). */
  tracked: boolean;
  clickTracking: boolean;
  windowHours: number;
  goals: Goal[];
  /** Valid phone numbers of the users (E.164) and their ISO country. */
  users: Record<string, { phone: string; country: string }>;
  steps: Step[];
  /** A date range (app time zone, inclusive) the analytics are also read for. */
  range: { from: string; to: string };
  faults: FaultSpec;
}

/** The message text of every send: two tracked URLs (one with a query) and a personalisation. */
export const MESSAGE =
  "Hi {{first_name}}, the sale is on: https://shop.example/sale?utm=sms and https://shop.example/b";
export const MESSAGE_URLS = ["https://shop.example/sale?utm=sms", "https://shop.example/b"];

/** User agents the generator uses, per kind of tapper. */
export const USER_AGENTS: Record<"browser" | "bot", string[]> = {
  browser: [
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  ],
  bot: [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1",
    "WhatsApp/2.23.20.0",
  ],
};
