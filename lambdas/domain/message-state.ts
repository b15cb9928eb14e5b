import type { MessageBilling } from "./cost.js";
import { CONTROL_ARM } from "./experiment.js";
import type { DeliveryStatus } from "./receipts.js";

/**
 * The life of one message (one user in one instance), SPEC §3:
 * QUEUED → SENDING → SENT | UNTRACKED | NOT_SENT | OUTCOME_UNKNOWN; SENT → DELIVERED | FAILED (receipts);
 * FAILED → DELIVERED; DELIVERED is final; in-transit receipts never move a final status.
 * A receipt for an OUTCOME_UNKNOWN message proves it was sent; so does a tap on one of its links
 * (`planTap`), and a person's tap proves delivery.
 * UNTRACKED is "sent" on a custom connector without delivery tracking (pending confirmation forever).
 * CONTROL is a user of the campaign's control group: never sent, its window opens at the send request.
 */
export type MessageStatus =
  | "QUEUED"
  | "SENDING"
  | "SENT"
  | "UNTRACKED"
  | "NOT_SENT"
  | "OUTCOME_UNKNOWN"
  | "DELIVERED"
  | "FAILED"
  | "CONTROL";

/**
 * One message as stored: the fact item of a send and its receipts. Never holds the phone number.
 * Times are epoch milliseconds. Its counter contribution is a function of this record alone
 * (domain/contributions), so every change of it moves the counters by exactly the difference.
 */
export interface MessageRecord {
  appId: string;
  messageId: string;
  campaignId: string;
  instanceId: string;
  userId: string;
  connectorId: string;
  provider: string;
  /** False for a custom connector without delivery tracking: no receipts, the window opens at send. */
  tracked: boolean;
  /** The campaign's conversion window when the message was claimed, in hours. */
  windowHours: number;
  /** The app's IANA time zone when the message was claimed: its days are counted in it. */
  tz: string;
  status: MessageStatus;
  /** When the sends route claimed it. */
  queuedAt: number;
  /** When a worker took it to call the provider (null until then). */
  sendingAt: number | null;
  /** When the provider was called (the send time of every sent, failed or unknown outcome). */
  sentAt: number | null;
  /** ISO 3166 country of the number (libphonenumber-js), set when the number was parsed. */
  country: string | null;
  providerMessageId: string | null;
  deliveredAt: number | null;
  /** Time of the final failure being counted, and its code and description. */
  failedAt: number | null;
  failCode: string | null;
  failDescription: string | null;
  /** Failed-to-send detail: reason, provider code, missing personalisation attributes. */
  notSentReason: string | null;
  notSentCode: string | null;
  missing: string[] | null;
  /** The experiment variant the user was sent (null: a plain message, or a control-group user). */
  variantId?: string | null;
  /**
   * Segments and frozen price of the text as sent (domain/cost.ts), recorded with the outcome whenever
   * the provider was called; absent on messages recorded before cost existed and on those never sent.
   */
  billing?: MessageBilling | null;
  /**
   * When the fact that opened the message's window reached us (a DLR's arrival at the webhook, a tap's
   * time), recorded with the transition that opens it; absent when the window opens at the send or the
   * claim (its start), and on messages recorded before it was kept. The window's `openedAt`.
   */
  windowOpenedAt?: number;
  /** Bumped by every recorded transition: the condition that makes each one happen once. */
  version: number;
}

/** The arm a message's facts count under (domain/experiment): control, its variant, or none. */
export function armOf(m: Pick<MessageRecord, "status" | "variantId">): string | null {
  return m.status === "CONTROL" ? CONTROL_ARM : (m.variantId ?? null);
}

/** One receipt as the state machine sees it. */
export interface ReceiptInput {
  status: DeliveryStatus;
  code: string | null;
  description: string | null;
  /** Delivery/failure time, already clamped by `receiptTime`. */
  atMs: number;
}

export type ReceiptDecision =
  | { kind: "apply"; from: MessageStatus; to: "DELIVERED" | "FAILED" | "SENT"; provedSent: boolean }
  | { kind: "noop"; reason: string }
  | { kind: "not-ready" };

/** The time a receipt stands for: the operator's timestamp when present, never before sending nor after arrival. */
export function receiptTime(operatorTimeMs: number | null, arrivalMs: number, sentAt: number | null): number {
  const t = operatorTimeMs ?? arrivalMs;
  const notAfterArrival = Math.min(t, arrivalMs);
  return sentAt === null ? notAfterArrival : Math.max(sentAt, notAfterArrival);
}

/** What a receipt does to a message in `status`. */
export function decideReceipt(message: { status: MessageStatus }, receipt: ReceiptInput): ReceiptDecision {
  const { status } = message;
  if (status === "QUEUED" || status === "SENDING") return { kind: "not-ready" };
  if (status === "NOT_SENT") return { kind: "noop", reason: "message was not sent" };
  if (status === "CONTROL") return { kind: "noop", reason: "control-group users are not sent" };
  if (status === "UNTRACKED") return { kind: "noop", reason: "connector has no delivery tracking" };
  if (status === "DELIVERED") return { kind: "noop", reason: "already delivered" };
  const provedSent = status === "OUTCOME_UNKNOWN";
  if (receipt.status === "DELIVERED") return { kind: "apply", from: status, to: "DELIVERED", provedSent };
  if (receipt.status === "IN_TRANSIT") {
    return provedSent
      ? { kind: "apply", from: status, to: "SENT", provedSent }
      : { kind: "noop", reason: "in transit" };
  }
  // FAILED or UNKNOWN: a final failure; the first one counted stays until a delivery replaces it.
  if (status === "FAILED") return { kind: "noop", reason: "already failed" };
  return { kind: "apply", from: status, to: "FAILED", provedSent };
}

/** Code and description a final failure is counted under (UNKNOWN counts with code "UNKNOWN"). */
export function failureCode(receipt: ReceiptInput): { code: string; description: string | null } {
  if (receipt.status === "UNKNOWN") {
    const own = [receipt.code, receipt.description].filter(Boolean).join(" ");
    return { code: "UNKNOWN", description: own || null };
  }
  return { code: receipt.code ?? "UNSPECIFIED", description: receipt.description };
}

/** A receipt with the time it reached us (epoch ms). */
export interface ArrivedReceipt {
  status: DeliveryStatus;
  code: string | null;
  description: string | null;
  /** The operator's own time, when the receipt carries one. */
  operatorTimeMs: number | null;
  arrivedAt: number;
}

export interface ReceiptPlan {
  /** The fields that change, or null when the receipts change nothing. */
  changes: Partial<MessageRecord> | null;
  /** Some receipt came before the send was recorded: retry it later. */
  notReady: boolean;
}

/**
 * Folds one message's receipts, in arrival order, through the state machine into one net change
 * (one conditional write). Pure; the counters follow from the record's new state.
 */
export function planReceipts(m: MessageRecord, receipts: readonly ArrivedReceipt[]): ReceiptPlan {
  let state: Pick<MessageRecord, "status" | "sentAt"> = { status: m.status, sentAt: m.sentAt };
  const changes: Partial<MessageRecord> = {};
  let notReady = false;
  for (const r of receipts) {
    const at = receiptTime(r.operatorTimeMs, r.arrivedAt, state.sentAt);
    const input: ReceiptInput = { status: r.status, code: r.code, description: r.description, atMs: at };
    const decision = decideReceipt(state, input);
    if (decision.kind === "not-ready") {
      notReady = true;
      continue;
    }
    if (decision.kind === "noop") continue;
    const next: Partial<MessageRecord> = { status: decision.to };
    if (decision.provedSent) Object.assign(next, { notSentReason: null, notSentCode: null });
    if (decision.to === "DELIVERED") Object.assign(next, { deliveredAt: at, windowOpenedAt: r.arrivedAt });
    if (decision.to === "FAILED") {
      const failure = failureCode(input);
      Object.assign(next, { failedAt: at, failCode: failure.code, failDescription: failure.description });
    }
    Object.assign(changes, next);
    state = { ...state, status: decision.to };
  }
  return { changes: Object.keys(changes).length > 0 ? changes : null, notReady };
}

/** What the provider call (or the checks before it) decided. */
export type SendResult =
  | { status: "SENT"; providerMessageId: string | null }
  | { status: "NOT_SENT"; reason: string; code: string | null; missing?: string[] | null }
  | { status: "OUTCOME_UNKNOWN" };

/**
 * The change that records a send attempt's result on a SENDING message. A sent message is SENT when
 * receipts will follow, UNTRACKED otherwise; `sentAt` is the moment the provider was called.
 */
export function sendOutcome(
  m: MessageRecord,
  result: SendResult,
  country: string | null,
): Partial<MessageRecord> {
  const sentAt = m.sendingAt ?? m.queuedAt;
  switch (result.status) {
    case "SENT":
      return {
        status: m.tracked ? "SENT" : "UNTRACKED",
        sentAt,
        country,
        providerMessageId: result.providerMessageId,
      };
    case "NOT_SENT":
      return {
        status: "NOT_SENT",
        sentAt,
        country,
        notSentReason: result.reason,
        notSentCode: result.code,
        missing: result.missing ?? null,
      };
    case "OUTCOME_UNKNOWN":
      return {
        status: "OUTCOME_UNKNOWN",
        sentAt,
        country,
        notSentReason: "SEND_OUTCOME_UNKNOWN",
        notSentCode: null,
      };
  }
}

/**
 * A message that has opened its conversion window: delivered, sent without delivery tracking, or held
 * back in the control group (its window starts when it would have been sent: the send request).
 */
export function windowStart(
  m: Pick<MessageRecord, "status" | "deliveredAt" | "sentAt" | "queuedAt">,
): number | null {
  if (m.status === "DELIVERED") return m.deliveredAt;
  if (m.status === "UNTRACKED") return m.sentAt;
  if (m.status === "CONTROL") return m.queuedAt;
  return null;
}

/** A tap on one of a message's tracked links, as the message's state machine sees it. */
export interface TapProof {
  /** Tap time, epoch ms. */
  at: number;
  /** A suspected bot (preview fetcher, scanner): proves the SMS left the provider, not that a phone got it. */
  bot: boolean;
}

/**
 * What a tap proves about its message (issue 13 §3: unique clickers never exceed sent, and the
 * click-through rate — unique clickers ÷ attribution base — never exceeds 100 %). The link exists only
 * inside the SMS, so any tap proves the SMS was sent: an OUTCOME_UNKNOWN message becomes SENT (tracked)
 * or UNTRACKED. A person's tap also proves delivery: a tracked message not yet delivered (unknown,
 * in transit, or reported failed) becomes DELIVERED at the tap time, which opens its window then. A
 * later receipt changes nothing (DELIVERED is final). Null when the tap proves nothing new.
 */
export function planTap(m: MessageRecord, tap: TapProof): Partial<MessageRecord> | null {
  const provedSent = m.status === "OUTCOME_UNKNOWN";
  const unsent = provedSent ? { notSentReason: null, notSentCode: null } : {};
  if (!m.tracked) return provedSent ? { status: "UNTRACKED", windowOpenedAt: tap.at, ...unsent } : null;
  const undelivered = provedSent || m.status === "SENT" || m.status === "FAILED";
  if (!undelivered) return null;
  if (tap.bot) return provedSent ? { status: "SENT", ...unsent } : null;
  const at = m.sentAt === null ? tap.at : Math.max(m.sentAt, tap.at);
  return { status: "DELIVERED", deliveredAt: at, windowOpenedAt: tap.at, ...unsent };
}
