/** Provider-facing types shared by the per-provider send and receipt modules. */

import type { NormalizedReceipt } from "../domain/receipts.js";

export type {
  CustomConfig,
  CustomConnector,
  CustomReceiptMapping,
  CustomRequestTemplate,
  CustomResponseMapping,
  GupshupConfig,
  KaleyraConfig,
  ProviderConfig,
  ProviderName,
  ReceiptTimeFormat,
  SandboxConfig,
  SandboxFailure,
  SinchConfig,
} from "../domain/connector.js";
export type { DeliveryStatus, NormalizedReceipt, ReceiptRef } from "../domain/receipts.js";

export interface OutgoingSms {
  /** Ours: ≤128 chars, no PII; sent to the provider as its client reference where it has one. */
  messageId: string;
  phoneE164: string;
  /** Already personalised message text. */
  text: string;
  userId: string;
  attributes: Record<string, string | number | boolean>;
}

/** A receipt request the sandbox wants POSTed to the connector's webhook URL later. */
export interface ScheduledReceipt {
  request: ReceiptRequest;
  /** Whole seconds from now (any length: the scheduler splits what its queue cannot delay at once). */
  delaySeconds: number;
}

export interface SendContext {
  /** Our receipt webhook URL for this connector (holds the secret token). */
  webhookUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** When the provider is called (epoch ms, the flow's clock); default the wall clock. */
  nowMs?: number;
  /**
   * The sandbox's way to send receipts later: the send flow passes it (providers do no I/O of their
   * own beyond the provider call). Resolves once the receipts are durably scheduled.
   * @throws Error when they could not be scheduled
   */
  scheduleReceipts?(receipts: ScheduledReceipt[]): Promise<void>;
  /**
   * The sandbox's handset: keeps a message the sandbox will report delivered, as the phone shows it, so
   * its links can be tapped (the send flow passes it). Resolves once kept.
   * @throws Error when it could not be kept
   */
  deliverToHandset?(message: HandsetMessage): Promise<void>;
}

/** A message as the sandbox's simulated phone receives it. */
export interface HandsetMessage {
  messageId: string;
  phoneE164: string;
  text: string;
  /** Epoch ms: the time of the delivery receipt the sandbox has scheduled. */
  deliveredAtMs: number;
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
