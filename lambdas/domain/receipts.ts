/**
 * Delivery receipts as every provider module normalises them (PROVIDERS.md: "Normalised delivery
 * status"). The provider modules parse their own wire formats into these; the domain decides what
 * they do to a message.
 */

/** Normalised delivery status. `UNKNOWN` is a final receipt that confirms nothing. */
export type DeliveryStatus = "DELIVERED" | "FAILED" | "IN_TRANSIT" | "UNKNOWN";

/** How a receipt names its message: by our reference, or by the provider's own id. */
export type ReceiptRef =
  | { kind: "ours"; messageId: string }
  | { kind: "provider"; providerMessageId: string };

export interface NormalizedReceipt {
  ref: ReceiptRef;
  /** A second way to find the message when `ref` finds nothing (e.g. Kaleyra `sid` next to `custom`). */
  fallbackRef?: ReceiptRef;
  status: DeliveryStatus;
  /** The provider's code as an opaque string (`"000"`, `"00a"`, `"DELIVRD"`), or null. */
  code: string | null;
  description: string | null;
  /** The operator's own delivery/status time (epoch ms) when the receipt carries one. */
  operatorTimeMs: number | null;
  /** A custom receipt's status that its mapping does not list (counted as in transit), as received. */
  unmappedStatus?: string;
}
