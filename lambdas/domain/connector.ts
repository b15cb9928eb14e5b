/**
 * Connectors: how an app sends SMS. One source for provider names and their settings (the request
 * schemas in schemas/connector.ts are checked against these types; providers and stores use them).
 */

export type ProviderName = "gupshup" | "kaleyra" | "sinch" | "custom" | "sandbox";

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
 * mapping's time zone). See timeMs in providers/receipt-input.ts.
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

/**
 * Sinch's final failure statuses (PROVIDERS.md, Sinch `status`): what a sandbox failure reports. All
 * count as failed to deliver; `Unknown` under code `UNKNOWN` (PROVIDERS.md, "Normalised delivery status").
 */
export type SandboxFailureStatus =
  | "Failed"
  | "Rejected"
  | "Expired"
  | "Deleted"
  | "Aborted"
  | "Cancelled"
  | "Unknown";

/** One way a sandbox message fails to be delivered: what its final receipt says, and how often. */
export interface SandboxFailure {
  /** The receipt's `code` (Sinch sends an integer: its own 402–413, or the operator's code). */
  code: number;
  status: SandboxFailureStatus;
  /** Shown with the code in failures by code; without it the Sinch code table or the status word is used. */
  description?: string;
  /** Relative weight among the failures (any positive number; the shares are weight ÷ sum of weights). */
  weight: number;
}

/** The spread of the time from send to final receipt, seconds: a log-normal through median and p90, capped. */
export interface SandboxDelays {
  median: number;
  p90: number;
  /** No receipt comes later than this (longer draws are reported at max). */
  max: number;
}

/** The `sandbox` block of a connector, defaults filled in (see SANDBOX_DEFAULTS in domain/sandbox.ts). */
export interface SandboxConfig {
  /** Share of final receipts that report delivery (0–1); the rest report one of `failures`. */
  deliveryRate: number;
  /** Share of sent messages that never get a final receipt: they stay in transit (0–1). */
  stuckRate: number;
  failures: SandboxFailure[];
  delaySeconds: SandboxDelays;
  /** Whether a `Dispatched` receipt (in transit) comes 1–3 s after the send, before the final one. */
  inTransitReceipts: boolean;
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
  sandbox: SandboxConfig;
};

/** Settings every connector has. */
export interface ConnectorSettings {
  /** Send rate limit of this connector, messages per second. */
  sendRatePerSecond: number;
  /** How long a provider call may take, ms. */
  timeoutMs: number;
}

/** A connector's configuration: exactly the provider block matching `provider`. */
export type ConnectorConfig = ConnectorSettings &
  (
    | { provider: "gupshup"; deliveryTracking: true; gupshup: GupshupConfig }
    | { provider: "kaleyra"; deliveryTracking: true; kaleyra: KaleyraConfig }
    | { provider: "sinch"; deliveryTracking: true; sinch: SinchConfig }
    | { provider: "custom"; deliveryTracking: boolean; custom: CustomConfig }
    | { provider: "sandbox"; deliveryTracking: true; sandbox: SandboxConfig }
  );

/** Whether receipts decide attribution for this connector (integrated, or custom with tracking on). */
export function tracksDelivery(config: Pick<ConnectorConfig, "provider" | "deliveryTracking">): boolean {
  return config.provider !== "custom" || config.deliveryTracking === true;
}
