import type { ConnectorPricing } from "./cost.js";

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
  /** Prices per SMS segment (domain/cost.ts), applied when a message is sent; absent: cost unknown. */
  pricing?: ConnectorPricing;
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

type WithOptional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/**
 * A connector's configuration as a client sends it: credentials may be missing on an update (the
 * stored ones are kept, `withStoredCredentials`); a create without them is refused (`missingCredentials`).
 */
export type ConnectorConfigInput = ConnectorSettings &
  (
    | { provider: "gupshup"; deliveryTracking: true; gupshup: WithOptional<GupshupConfig, "password"> }
    | { provider: "kaleyra"; deliveryTracking: true; kaleyra: WithOptional<KaleyraConfig, "apiKey"> }
    | {
        provider: "sinch";
        deliveryTracking: true;
        sinch: WithOptional<SinchConfig, "apiToken" | "servicePlanId">;
      }
    | { provider: "custom"; deliveryTracking: boolean; custom: CustomConfig }
    | { provider: "sandbox"; deliveryTracking: true; sandbox: SandboxConfig }
  );

/** Whether receipts decide attribution for this connector (integrated, or custom with tracking on). */
export function tracksDelivery(config: Pick<ConnectorConfig, "provider" | "deliveryTracking">): boolean {
  return config.provider !== "custom" || config.deliveryTracking === true;
}

/** A connector as stored (credentials included: for the workers only, never for a response). */
export type Connector = ConnectorConfig & {
  appId: string;
  connectorId: string;
  createdAt: string;
  updatedAt: string;
  /** When it was archived (no live campaign may use it); null while live. */
  archivedAt: string | null;
};

/** Credential fields of each provider block: never shown, and kept when an update omits them. */
export const SECRET_FIELDS: Record<ProviderName, readonly string[]> = {
  gupshup: ["password"],
  // The service plan id is half of Sinch's credentials (it names the account in every API path).
  sinch: ["servicePlanId", "apiToken", "webhookSecret"],
  kaleyra: ["apiKey"],
  custom: [],
  sandbox: [],
};

/**
 * Provider and delivery tracking decide how receipts are read and what attribution counts from;
 * changing them under running campaigns would silently change their numbers (SPEC §2).
 */
export function connectorChangeConflicts(
  existing: Pick<ConnectorConfig, "provider" | "deliveryTracking">,
  next: Pick<ConnectorConfig, "provider" | "deliveryTracking">,
): { message: string; details: Array<{ field: string; problem: string }> } | null {
  if (existing.provider !== next.provider) {
    return {
      message: "A connector's provider cannot change; create a new connector instead",
      details: [
        { field: "provider", problem: `is "${existing.provider}" for this connector and cannot change` },
      ],
    };
  }
  if (existing.deliveryTracking !== next.deliveryTracking) {
    return {
      message: "A connector's delivery tracking cannot change; create a new connector instead",
      details: [
        {
          field: "deliveryTracking",
          problem: `is ${existing.deliveryTracking} for this connector and cannot change`,
        },
      ],
    };
  }
  return null;
}

const SET = { set: true } as const;
const UNSET = { set: false } as const;

/** A URL with every query value hidden (gateways often take keys in the query): names stay readable. */
function maskedUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const name of [...new Set(u.searchParams.keys())]) u.searchParams.set(name, "***");
    return u.toString().replaceAll("%2A%2A%2A", "***");
  } catch {
    return "***";
  }
}

/** A URL without user info, query or fragment: enough to recognise the endpoint, nothing secret. */
function endpointOnly(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "***";
  }
}

/**
 * A connector's configuration without credentials (GET routes): secrets appear only as
 * `{ "set": true | false }`; a custom connector's headers by name, its body template as set or not,
 * and the values in its URL's query hidden (they often hold keys).
 */
export function publicConfig(c: ConnectorConfig): Record<string, unknown> {
  const block = (c as unknown as Record<string, Record<string, unknown>>)[c.provider] ?? {};
  const shown: Record<string, unknown> = {};
  if (c.provider === "custom") {
    const { request, response, receipt } = c.custom;
    shown.request = {
      method: request.method,
      url: maskedUrl(request.url),
      headers: Object.fromEntries(Object.keys(request.headers ?? {}).map((h) => [h, SET])),
      body: request.body === undefined ? UNSET : SET,
    };
    if (response) shown.response = response;
    if (receipt) shown.receipt = receipt;
  } else {
    for (const [field, value] of Object.entries(block)) {
      if (SECRET_FIELDS[c.provider].includes(field)) shown[field] = value ? SET : UNSET;
      else shown[field] = field === "baseUrl" && typeof value === "string" ? endpointOnly(value) : value;
    }
    for (const field of SECRET_FIELDS[c.provider]) if (!(field in shown)) shown[field] = UNSET;
  }
  return {
    provider: c.provider,
    deliveryTracking: c.deliveryTracking,
    sendRatePerSecond: c.sendRatePerSecond,
    timeoutMs: c.timeoutMs,
    pricing: c.pricing ?? null,
    [c.provider]: shown,
  };
}

/**
 * An update that omits credentials keeps the stored ones (a client need not resend a password to
 * change a sender id). Fields present in `next` win; for a custom connector, omitted headers are kept.
 */
export function withStoredCredentials(
  existing: ConnectorConfig | undefined,
  next: ConnectorConfigInput,
): ConnectorConfigInput {
  if (!existing || existing.provider !== next.provider) return next;
  if (next.provider === "custom" && existing.provider === "custom") {
    if (next.custom.request.headers !== undefined) return next;
    const headers = existing.custom.request.headers;
    return headers
      ? { ...next, custom: { ...next.custom, request: { ...next.custom.request, headers } } }
      : next;
  }
  const stored = (existing as unknown as Record<string, Record<string, unknown>>)[existing.provider] ?? {};
  const given = (next as unknown as Record<string, Record<string, unknown>>)[next.provider] ?? {};
  const merged = { ...given };
  for (const field of SECRET_FIELDS[next.provider]) {
    if (merged[field] === undefined && stored[field] !== undefined) merged[field] = stored[field];
  }
  return { ...next, [next.provider]: merged } as ConnectorConfigInput;
}

/** Credential fields a connector still lacks (on create, or an update that could not keep them). */
export function missingCredentials(c: ConnectorConfigInput): string[] {
  if (c.provider === "custom") return [];
  const block = (c as unknown as Record<string, Record<string, unknown>>)[c.provider] ?? {};
  const required: Record<ProviderName, readonly string[]> = {
    gupshup: ["password"],
    sinch: ["apiToken"],
    kaleyra: ["apiKey"],
    custom: [],
    sandbox: [],
  };
  return required[c.provider].filter((f) => !block[f]).map((f) => `${c.provider}.${f}`);
}
