/** Kaleyra (formerly Solutions Infini) API v4: `method=sms` send and `dlrurl` receipts. */

import { ReceiptParseError } from "./errors.js";
import { callProvider, isOutcome, parseJson } from "./http.js";
import { epochMs, isEmptyRequest, looseFields, requestFields, scalar } from "./receipt-input.js";
import { describeCode } from "./status-descriptions.js";
import type {
  DeliveryStatus,
  KaleyraConfig,
  OutgoingSms,
  ParsedReceipts,
  ReceiptRef,
  ReceiptRequest,
  SendContext,
  SendOutcome,
} from "./types.js";

export const KALEYRA_DEFAULT_BASE_URL = "https://api-alerts.kaleyra.com/v4/";

/** The placeholders Kaleyra substitutes in our receipt URL. */
export function kaleyraDlrUrl(webhookUrl: string): string {
  const sep = webhookUrl.includes("?") ? "&" : "?";
  return `${webhookUrl}${sep}sid={sid}&status={status}&custom={custom}&delivat={delivat}&mobile={mobile}`;
}

/**
 * Kaleyra's spelling of one of its status codes, so that one code is always one string: trimmed, upper
 * case (`" dndnumb"` → `"DNDNUMB"`). Used for receipt `{status}` codes, per-number send statuses
 * (`INV-NUMBER`) and request errors (`A401B`, `E601`).
 * Source: PROVIDERS.md (Kaleyra v4 statuses and error codes are upper-case words such as `DELIVRD`).
 *
 * @param code a JSON scalar as received (string or number); anything else → null.
 * @returns the normalised code, or null when there is none (absent, empty or blank).
 */
export function normalizeCode(code: unknown): string | null {
  return scalar(code)?.toUpperCase() || null;
}

function firstDataEntry(data: unknown): Record<string, unknown> | undefined {
  // `data` is an array, or an object keyed "0", "1", …
  const entry = Array.isArray(data)
    ? data[0]
    : data !== null && typeof data === "object"
      ? (data as Record<string, unknown>)["0"]
      : undefined;
  return entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>) : undefined;
}

export async function send(config: KaleyraConfig, sms: OutgoingSms, ctx: SendContext): Promise<SendOutcome> {
  const form = new URLSearchParams({
    api_key: config.apiKey,
    method: "sms",
    message: sms.text,
    to: sms.phoneE164.replace(/^\+/, ""),
    sender: config.sender,
    custom: sms.messageId,
    // URLSearchParams form-encodes it once, which is the URL encoding Kaleyra expects.
    dlrurl: kaleyraDlrUrl(ctx.webhookUrl),
    format: "json",
  });
  const res = await callProvider(ctx, config.baseUrl ?? KALEYRA_DEFAULT_BASE_URL, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: form.toString(),
  });
  if (isOutcome(res)) return res.outcome;
  const json = parseJson(res.text);
  const doc = json !== null && typeof json === "object" ? (json as Record<string, unknown>) : undefined;
  const status = normalizeCode(doc?.status);
  const message = scalar(doc?.message);
  if (res.status === 200 && status === "OK") {
    const entry = firstDataEntry(doc?.data);
    const numberStatus = normalizeCode(entry?.status);
    const id = scalar(entry?.id);
    if (numberStatus && numberStatus !== "AWAITED-DLR") {
      const description = describeCode("kaleyra", numberStatus);
      return {
        kind: "failed",
        reason: "PROVIDER_ERROR",
        code: numberStatus,
        ...(description ? { description } : {}),
      };
    }
    // "OK" is Kaleyra's acceptance; without an id receipts still match through `custom`.
    return id ? { kind: "sent", providerMessageId: id } : { kind: "sent" };
  }
  const code = status || (res.status === 200 ? "UNEXPECTED_RESPONSE" : String(res.status));
  return { kind: "failed", reason: "PROVIDER_ERROR", code, ...(message ? { description: message } : {}) };
}

const FAILED = new Set([
  "ABSENT-SUB",
  "MOB-OFF",
  "HANDSET-BUSY",
  "MEMEXEC",
  "HANDSET-ERR",
  "INVALID-SUB",
  "BARRED",
  "NET-ERR",
  "SERIES-BLK",
  "EXPIRED",
  "FAILED",
  "UNDELIV",
  "REJECTED",
  "DNDNUMB",
  "INV-NUMBER",
  "INVALID-NUM",
  "OPTOUT-REJ",
  "NOT-OPTIN",
  "BLACKLIST",
  "SPAM",
  "NO-CREDITS",
  "SERVER-ERR",
  "SNDRID-NOT-ALLOTED",
  "TEMPLATE-NOT-FOUND",
  "MAX-LENGTH",
]);

export function kaleyraStatus(status: string): DeliveryStatus {
  const s = status.trim().toUpperCase();
  if (s === "DELIVRD") return "DELIVERED";
  if (s === "AWAITED-DLR") return "IN_TRANSIT";
  if (FAILED.has(s)) return "FAILED";
  return "UNKNOWN";
}

/** A substituted value: not empty and not a placeholder Kaleyra left as is (`{custom}`). */
function real(value: string | undefined): string | undefined {
  return value && !/^\{[A-Za-z0-9_]*\}$/.test(value) ? value : undefined;
}

/** Parses one Kaleyra receipt (GET query; a form POST is accepted too). */
export function parseReceipts(request: ReceiptRequest): ParsedReceipts {
  if (isEmptyRequest(request)) return { receipts: [], ignored: 1, ignoredReason: "empty" };
  const fields = looseFields(requestFields(request));
  const rawStatus = real(fields.get("status"));
  if (!rawStatus) throw new ReceiptParseError("missing status");
  const custom = real(fields.get("custom"));
  const sid = real(fields.get("sid"));
  const sidRef: ReceiptRef | undefined = sid ? { kind: "provider", providerMessageId: sid } : undefined;
  const ref: ReceiptRef | undefined = custom ? { kind: "ours", messageId: custom } : sidRef;
  if (!ref) throw new ReceiptParseError("missing custom and sid");
  const fallbackRef = custom ? sidRef : undefined;
  const status = kaleyraStatus(rawStatus);
  const code = normalizeCode(rawStatus) ?? rawStatus;
  return {
    receipts: [
      {
        ref,
        ...(fallbackRef ? { fallbackRef } : {}),
        status,
        code,
        description: describeCode("kaleyra", code) ?? rawStatus,
        operatorTimeMs: epochMs(real(fields.get("delivat"))),
      },
    ],
    ignored: 0,
  };
}
