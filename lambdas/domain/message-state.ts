import type { DeliveryStatus } from "../providers/types.js";

/**
 * The life of one message (one user in one instance), SPEC §3:
 * QUEUED → SENDING → SENT | NOT_SENT | OUTCOME_UNKNOWN; SENT → DELIVERED | FAILED (receipts);
 * FAILED → DELIVERED; DELIVERED is final; in-transit receipts never move a final status.
 * A receipt for an OUTCOME_UNKNOWN message proves it was sent.
 * UNTRACKED is "sent" on a custom connector without delivery tracking (pending confirmation forever).
 */
export type MessageStatus =
  | "QUEUED"
  | "SENDING"
  | "SENT"
  | "UNTRACKED"
  | "NOT_SENT"
  | "OUTCOME_UNKNOWN"
  | "DELIVERED"
  | "FAILED";

/** The parts of a message record that decide transitions and counters. */
export interface MessageSnapshot {
  status: MessageStatus;
  /** When the provider accepted it (or was called, for OUTCOME_UNKNOWN). */
  sentAt: number | null;
  /** Of the final failure being counted, to move it out of the right bucket. */
  failedAt: number | null;
  failCode: string | null;
  failDescription: string | null;
}

export interface ReceiptInput {
  status: DeliveryStatus;
  code: string | null;
  description: string | null;
  /** Delivery/failure time already clamped by `receiptTime`. */
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

/** What a receipt does to a message. Pure: the delivery worker turns "apply" into one fact. */
export function decideReceipt(message: MessageSnapshot, receipt: ReceiptInput): ReceiptDecision {
  const { status } = message;
  if (status === "QUEUED" || status === "SENDING") return { kind: "not-ready" };
  if (status === "NOT_SENT") return { kind: "noop", reason: "message was not sent" };
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
