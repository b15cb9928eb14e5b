/** Provider-facing types shared by the per-provider send and receipt modules. */

export type ProviderName = "gupshup" | "kaleyra" | "sinch" | "custom";

export interface GupshupConfig {
  userId: string;
  password: string;
  /** Sender id. */
  mask?: string;
  baseUrl?: string;
}

export interface SinchConfig {
  servicePlanId: string;
  apiToken: string;
  from: string;
  baseUrl?: string;
  /** When set, receipts must carry a valid `x-sinch-webhook-signature`. */
  webhookSecret?: string;
}

export interface KaleyraConfig {
  apiKey: string;
  sender: string;
  baseUrl?: string;
}

export interface CustomRequestTemplate {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface CustomResponseMapping {
  /** RFC 6901 pointer to the provider's message id in a 200 response. */
  messageIdPointer?: string;
  /** RFC 6901 pointer to the provider's error code in a non-200 response. */
  errorCodePointer?: string;
}

/**
 * How a receipt writes its time: `epochSeconds` / `epochMillis` since 1970-01-01T00:00Z, `iso8601`
 * (an offset, or else the mapping's time zone), `smpp` (SMPP v3.4 "done date" `YYMMDDhhmm[ss]` in the
 * mapping's time zone). See timeMs in receipt-input.ts.
 */
export type ReceiptTimeFormat = "epochSeconds" | "epochMillis" | "iso8601" | "smpp";

/** Where a receipt's fields are: a top-level JSON field, a JSON pointer ("/a/b"), or a query/form name. */
export interface CustomReceiptMapping {
  messageId: string;
  status: string;
  errorCode?: string;
  time?: string;
  /**
   * How `time` is written; the value must then be exactly that (else the arrival time is used).
   * Without it only unambiguous times are read: ISO-8601 with an offset, 13-digit epoch ms, 10-digit
   * epoch seconds.
   */
  timeFormat?: ReceiptTimeFormat;
  /** IANA time zone of SMPP dates and of ISO times without an offset; default "UTC". */
  timeZone?: string;
  delivered: string[];
  failed: string[];
  inTransit?: string[];
}

/** The `custom` block of a connector. */
export interface CustomConfig {
  request: CustomRequestTemplate;
  response?: CustomResponseMapping;
  receipt?: CustomReceiptMapping;
}

export interface CustomConnector {
  provider: "custom";
  deliveryTracking: boolean;
  custom: CustomConfig;
}

export type ProviderConfig = {
  gupshup: GupshupConfig;
  kaleyra: KaleyraConfig;
  sinch: SinchConfig;
  custom: CustomConfig;
};

export interface OutgoingSms {
  /** Ours: ≤128 chars, no PII; sent to the provider as its client reference where it has one. */
  messageId: string;
  phoneE164: string;
  /** Already personalised message text. */
  text: string;
  userId: string;
  attributes: Record<string, string | number | boolean>;
}

export interface SendContext {
  /** Our receipt webhook URL for this connector (holds the secret token). */
  webhookUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export type SendOutcome =
  | { kind: "sent"; providerMessageId?: string }
  | {
      kind: "failed";
      reason: "PROVIDER_ERROR" | "PERSONALIZATION_FAILED";
      code: string;
      description?: string;
      missing?: string[];
    }
  // The provider may have accepted the message: never re-sent, counted as SEND_OUTCOME_UNKNOWN.
  // TIMEOUT: no answer in time; CONNECTION_LOST: the connection broke after the request went out.
  | { kind: "unknown"; code: "TIMEOUT" | "CONNECTION_LOST"; description?: string };

export type DeliveryStatus = "DELIVERED" | "FAILED" | "IN_TRANSIT" | "UNKNOWN";

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
  /**
   * Set when the provider's status is in none of the connector's status lists (custom receipts: e.g.
   * SMPP `ENROUTE`, `ACCEPTD`, `BUFFERED`): the status as received (trimmed). Such a receipt is
   * `IN_TRANSIT` — it proves nothing final — and the worker makes the unmapped value visible to the
   * operator, who can add it to a list.
   */
  unmappedStatus?: string;
}

export interface ReceiptRequest {
  method: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

export interface ParsedReceipts {
  receipts: NormalizedReceipt[];
  /** How many events in the request were deliberately not turned into receipts. */
  ignored: number;
  ignoredReason?: string;
}
