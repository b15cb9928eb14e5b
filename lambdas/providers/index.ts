/** Provider dispatch: the one place that knows which module handles which provider. */

import * as custom from "./custom.js";
import { ReceiptParseError } from "./errors.js";
import * as gupshup from "./gupshup.js";
import * as kaleyra from "./kaleyra.js";
import * as sinch from "./sinch.js";
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
export { describeCode } from "./status-descriptions.js";
export type * from "./types.js";

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
