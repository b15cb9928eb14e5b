/**
 * The provider port and its one registry: every provider module answers the same four questions —
 * send one SMS, parse a receipt request, drop phone numbers from a receipt before it is queued, and
 * verify a receipt's signature — for the connector that configures it.
 */

import type { ConnectorConfig, ProviderName } from "../domain/connector.js";
import * as custom from "./custom.js";
import { ReceiptParseError } from "./errors.js";
import * as gupshup from "./gupshup.js";
import * as kaleyra from "./kaleyra.js";
import { redactPhones } from "./redact.js";
import * as sandbox from "./sandbox.js";
import * as sinch from "./sinch.js";
import { verifySinchSignature } from "./sinch-signature.js";
import { describeCode as describeNormalized } from "./status-descriptions.js";
import type { OutgoingSms, ParsedReceipts, ReceiptRequest, SendContext, SendOutcome } from "./types.js";

export { ReceiptParseError } from "./errors.js";
export type * from "./types.js";

/** What a receipt's authenticity check sees: the raw body and the headers (lower-case names). */
export interface SignedRequest {
  headers: Record<string, string>;
  rawBody: string;
  nowMs: number;
}

export interface ProviderPort {
  /** Sends one SMS; never throws for the provider's answers (they are outcomes). */
  send(connector: ConnectorConfig, sms: OutgoingSms, ctx: SendContext): Promise<SendOutcome>;
  /**
   * Pure: one raw receipt request → normalised receipts.
   * @throws ReceiptParseError for a request that is not a receipt of this provider
   */
  parseReceipts(connector: ConnectorConfig, request: ReceiptRequest): ParsedReceipts;
  /** The request without phone numbers its matching does not need (SPEC §5). */
  redact(request: ReceiptRequest): ReceiptRequest;
  /** Whether the request carries a valid signature (true for providers without signing). */
  verify(connector: ConnectorConfig, request: SignedRequest): boolean;
  /**
   * One provider code, one string — the spelling its receipt parser and its send path both use, so a
   * failure never splits into two rows (`"errCode": 3` and `"003"`). Null for none (absent, blank).
   */
  normalizeCode(code: unknown): string | null;
}

const unsigned = (): boolean => true;

const registry: Record<ProviderName, ProviderPort> = {
  gupshup: {
    send: (c, sms, ctx) =>
      gupshup.send((c as Extract<ConnectorConfig, { provider: "gupshup" }>).gupshup, sms, ctx),
    parseReceipts: (_c, request) => gupshup.parseReceipts(request),
    redact: (request) => redactPhones("gupshup", request),
    normalizeCode: gupshup.normalizeCode,
    verify: unsigned,
  },
  kaleyra: {
    send: (c, sms, ctx) =>
      kaleyra.send((c as Extract<ConnectorConfig, { provider: "kaleyra" }>).kaleyra, sms, ctx),
    parseReceipts: (_c, request) => kaleyra.parseReceipts(request),
    redact: (request) => redactPhones("kaleyra", request),
    normalizeCode: kaleyra.normalizeCode,
    verify: unsigned,
  },
  sinch: {
    send: (c, sms, ctx) => sinch.send((c as Extract<ConnectorConfig, { provider: "sinch" }>).sinch, sms, ctx),
    parseReceipts: (_c, request) => sinch.parseReceipts(request),
    redact: (request) => redactPhones("sinch", request),
    normalizeCode: sinch.normalizeCode,
    verify: (c, request) => {
      const secret = (c as Extract<ConnectorConfig, { provider: "sinch" }>).sinch.webhookSecret;
      if (!secret) return true;
      return verifySinchSignature({
        secret,
        rawBody: request.rawBody,
        headers: request.headers,
        nowMs: request.nowMs,
      }).ok;
    },
  },
  custom: {
    send: (c, sms, ctx) =>
      custom.send((c as Extract<ConnectorConfig, { provider: "custom" }>).custom, sms, ctx),
    parseReceipts: (c, request) =>
      custom.parseReceipts(request, (c as Extract<ConnectorConfig, { provider: "custom" }>).custom),
    redact: (request) => redactPhones("custom", request),
    normalizeCode: custom.normalizeCode,
    verify: unsigned,
  },
  // Receipts come back through the webhook in Sinch's format, authenticated by the URL's token alone.
  sandbox: {
    send: (c, sms, ctx) =>
      sandbox.send((c as Extract<ConnectorConfig, { provider: "sandbox" }>).sandbox, sms, ctx),
    parseReceipts: (c, request) =>
      sandbox.parseReceipts((c as Extract<ConnectorConfig, { provider: "sandbox" }>).sandbox, request),
    redact: (request) => redactPhones("sandbox", request),
    normalizeCode: sandbox.normalizeCode,
    verify: unsigned,
  },
};

/**
 * The module of a provider.
 * @throws Error for a name no module implements (a stored connector is always one of them)
 */
export function providerFor(name: string): ProviderPort {
  const port = registry[name as ProviderName];
  if (!port) throw new Error(`unknown provider ${name}`);
  return port;
}

/** A provider's code in its one spelling (see ProviderPort.normalizeCode). */
export function normalizeCode(provider: ProviderName, code: unknown): string | null {
  return providerFor(provider).normalizeCode(code);
}

/**
 * The known description of a provider's code in any spelling (`3`, `"003"`, `"00A"`), or null: the code
 * is normalised first, then looked up (PROVIDERS.md tables; custom codes have none).
 */
export function describeCode(provider: "gupshup" | "sinch" | "kaleyra", code: unknown): string | null {
  return describeNormalized(provider, providerFor(provider).normalizeCode(code));
}

/** Sends one SMS through the connector's provider. */
export function sendWith(
  connector: ConnectorConfig,
  sms: OutgoingSms,
  ctx: SendContext,
): Promise<SendOutcome> {
  return providerFor(connector.provider).send(connector, sms, ctx);
}

/**
 * Parses one raw receipt request with the connector's provider.
 * @throws ReceiptParseError for garbage or an unknown provider
 */
export function parseReceiptsFor(connector: ConnectorConfig, request: ReceiptRequest): ParsedReceipts {
  const port = registry[connector.provider];
  if (!port) throw new ReceiptParseError(`unknown provider ${String(connector.provider)}`);
  return port.parseReceipts(connector, request);
}
