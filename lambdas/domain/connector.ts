/**
 * Connectors: how an app sends SMS. One source for provider names and their settings (the request
 * schemas in schemas/connector.ts are checked against these types; providers and stores use them).
 */

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
  );

/** Whether receipts decide attribution for this connector (integrated, or custom with tracking on). */
export function tracksDelivery(config: Pick<ConnectorConfig, "provider" | "deliveryTracking">): boolean {
  return config.provider !== "custom" || config.deliveryTracking === true;
}
