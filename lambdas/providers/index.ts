/** Provider dispatch: the one place that knows which module handles which provider. */

import * as custom from "./custom.js";
import { ReceiptParseError } from "./errors.js";
import * as gupshup from "./gupshup.js";
import * as kaleyra from "./kaleyra.js";
import * as sinch from "./sinch.js";
import { describeCode as describeNormalized } from "./status-descriptions.js";
import type {
  CustomConfig,
  OutgoingSms,
  ParsedReceipts,
  ProviderConfig,
  ProviderName,
  ReceiptRequest,
  SendContext,
  SendOutcome,
} from "./types.js";

export { ReceiptParseError } from "./errors.js";
export { verifySinchSignature } from "./sinch-signature.js";
export type * from "./types.js";

/**
 * One provider code, one string: the provider module's own `normalizeCode`, which its receipt parser
 * and its send path both use, so a failure never splits into two rows (`"errCode": 3` and `"003"`).
 * Gupshup: trimmed, lower case, 1–2 hex-ish characters zero-padded to 3 (`3` → `"003"`, `"00A"` →
 * `"00a"`). Kaleyra: trimmed, upper case. Sinch: an integer as its decimal string (`"0402"` → `"402"`),
 * else trimmed. Custom: trimmed as given, numbers in their JSON spelling.
 *
 * @param code a JSON scalar as received (string or number; custom: boolean too); anything else → null.
 * @returns the normalised code, or null when there is none (absent, empty or blank).
 * @throws Error for a provider name outside ProviderName (a programming error, as in sendWith).
 */
export function normalizeCode(provider: ProviderName, code: unknown): string | null {
  switch (provider) {
    case "gupshup":
      return gupshup.normalizeCode(code);
    case "kaleyra":
      return kaleyra.normalizeCode(code);
    case "sinch":
      return sinch.normalizeCode(code);
    case "custom":
      return custom.normalizeCode(code);
    default:
      throw new Error(`unknown provider ${String(provider)}`);
  }
}

/**
 * The known description of a provider's code in any spelling (`3`, `"003"`, `"00A"`), or null: the code
 * is normalised with `normalizeCode`, then looked up (PROVIDERS.md tables; custom codes have none).
 */
export function describeCode(provider: "gupshup" | "sinch" | "kaleyra", code: unknown): string | null {
  return describeNormalized(provider, normalizeCode(provider, code));
}

export function sendWith<P extends ProviderName>(
  provider: P,
  config: ProviderConfig[P],
  sms: OutgoingSms,
  ctx: SendContext,
): Promise<SendOutcome> {
  switch (provider) {
    case "gupshup":
      return gupshup.send(config as ProviderConfig["gupshup"], sms, ctx);
    case "kaleyra":
      return kaleyra.send(config as ProviderConfig["kaleyra"], sms, ctx);
    case "sinch":
      return sinch.send(config as ProviderConfig["sinch"], sms, ctx);
    case "custom":
      return custom.send(config as ProviderConfig["custom"], sms, ctx);
    default:
      throw new Error(`unknown provider ${String(provider)}`);
  }
}

/** Pure: turns one raw receipt request into normalised receipts. Throws ReceiptParseError for garbage. */
export function parseReceiptsFor(
  provider: ProviderName,
  request: ReceiptRequest,
  customConfig?: CustomConfig,
): ParsedReceipts {
  switch (provider) {
    case "gupshup":
      return gupshup.parseReceipts(request);
    case "kaleyra":
      return kaleyra.parseReceipts(request);
    case "sinch":
      return sinch.parseReceipts(request);
    case "custom":
      if (!customConfig) throw new ReceiptParseError("custom receipts need the connector's configuration");
      return custom.parseReceipts(request, customConfig);
    default:
      throw new ReceiptParseError(`unknown provider ${String(provider)}`);
  }
}
