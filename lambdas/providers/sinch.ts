/** Sinch SMS REST API ("xms"): batch send and delivery-report parsing. */

import { ReceiptParseError } from "./errors.js";
import { callProvider, isOutcome, parseJson, trimBase } from "./http.js";
import { scalar, timeMs } from "./receipt-input.js";
import { describeCode } from "./status-descriptions.js";
import type {
  DeliveryStatus,
  NormalizedReceipt,
  OutgoingSms,
  ParsedReceipts,
  ReceiptRef,
  ReceiptRequest,
  SendContext,
  SendOutcome,
  SinchConfig,
} from "./types.js";

export const SINCH_DEFAULT_BASE_URL = "https://us.sms.api.sinch.com";

/** Receipts are keyed by (batch_id, recipient digits); we store that pair as one provider id. */
export function sinchProviderMessageId(batchId: string, recipient: string): string {
  return `${batchId}:${recipient.replace(/^\+/, "")}`;
}

/**
 * Sinch's spelling of one of its codes, so that one code is always one string: an integer code
 * (delivery reports carry `code` as a JSON integer) as its decimal string without leading zeros
 * (`402`, `"0402"`, `" 402 "` → `"402"`); any other value trimmed as given (send errors are words such
 * as `syntax_invalid_parameter_format`).
 * Source: PROVIDERS.md (Sinch xms `code` integer in delivery reports, string `code` in 400/403 bodies).
 *
 * @param code a JSON scalar as received (string or number); anything else → null.
 * @returns the normalised code, or null when there is none (absent, empty or blank).
 */
export function normalizeCode(code: unknown): string | null {
  const s = scalar(code);
  if (!s) return null;
  return /^\d+$/.test(s) ? s.replace(/^0+(?=\d)/, "") : s;
}

export async function send(config: SinchConfig, sms: OutgoingSms, ctx: SendContext): Promise<SendOutcome> {
  const base = trimBase(config.baseUrl ?? SINCH_DEFAULT_BASE_URL);
  const url = `${base}/xms/v1/${encodeURIComponent(config.servicePlanId)}/batches`;
  const res = await callProvider(ctx, url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${config.apiToken}`,
      "content-type": "application/json",
      accept: "application/json",
    },
    body: JSON.stringify({
      from: config.from,
      to: [sms.phoneE164],
      body: sms.text,
      delivery_report: "per_recipient",
      callback_url: ctx.webhookUrl,
      client_reference: sms.messageId,
    }),
  });
  if (isOutcome(res)) return res.outcome;
  const json = parseJson(res.text) as Record<string, unknown> | undefined;
  if (res.status === 201) {
    const batchId = json && typeof json === "object" ? scalar(json.id) : undefined;
    // Without a batch id receipts still match through client_reference (our message id).
    return batchId
      ? { kind: "sent", providerMessageId: sinchProviderMessageId(batchId, sms.phoneE164) }
      : { kind: "sent" };
  }
  const code = json && typeof json === "object" ? normalizeCode(json.code) : null;
  const text = json && typeof json === "object" ? scalar(json.text) : undefined;
  return {
    kind: "failed",
    reason: "PROVIDER_ERROR",
    code: code || String(res.status),
    ...(text ? { description: text } : {}),
  };
}

const STATUS: Record<string, DeliveryStatus> = {
  queued: "IN_TRANSIT",
  dispatched: "IN_TRANSIT",
  delivered: "DELIVERED",
  failed: "FAILED",
  rejected: "FAILED",
  expired: "FAILED",
  deleted: "FAILED",
  aborted: "FAILED",
  cancelled: "FAILED",
  unknown: "UNKNOWN",
};

/** Decided from `status` only: a failed message can carry code 0. */
export function sinchStatus(status: string): DeliveryStatus {
  return STATUS[status.trim().toLowerCase()] ?? "UNKNOWN";
}

function receipt(
  ref: ReceiptRef,
  fallbackRef: ReceiptRef | undefined,
  rawStatus: string,
  rawCode: unknown,
  operatorTimeMs: number | null,
): NormalizedReceipt {
  const status = sinchStatus(rawStatus);
  const code = normalizeCode(rawCode);
  const known = status === "FAILED" || status === "UNKNOWN" ? describeCode("sinch", code) : null;
  return {
    ref,
    ...(fallbackRef ? { fallbackRef } : {}),
    status,
    code,
    description: known ?? rawStatus,
    operatorTimeMs,
  };
}

function required(obj: Record<string, unknown>, field: string): string {
  const v = scalar(obj[field]);
  if (!v) throw new ReceiptParseError(`missing ${field}`);
  return v;
}

function recipientReport(doc: Record<string, unknown>): ParsedReceipts {
  const batchId = required(doc, "batch_id");
  const recipient = required(doc, "recipient");
  const status = required(doc, "status");
  const providerRef: ReceiptRef = {
    kind: "provider",
    providerMessageId: sinchProviderMessageId(batchId, recipient),
  };
  const clientRef = scalar(doc.client_reference);
  const operatorAt = scalar(doc.operator_status_at);
  // Sinch writes ISO-8601 in UTC with `Z` (`2025-01-13T09:22:00Z`); a time without a zone is UTC.
  const time = operatorAt ? timeMs(operatorAt, { format: "iso8601" }) : null;
  const r = clientRef
    ? receipt({ kind: "ours", messageId: clientRef }, providerRef, status, doc.code, time)
    : receipt(providerRef, undefined, status, doc.code, time);
  return { receipts: [r], ignored: 0 };
}

function batchReport(doc: Record<string, unknown>): ParsedReceipts {
  const batchId = required(doc, "batch_id");
  if (!Array.isArray(doc.statuses)) throw new ReceiptParseError("missing statuses");
  const entries = doc.statuses.filter(
    (s): s is Record<string, unknown> => s !== null && typeof s === "object" && !Array.isArray(s),
  );
  const withRecipients = entries.flatMap((entry) =>
    Array.isArray(entry.recipients)
      ? entry.recipients.flatMap((r) => {
          const recipient = scalar(r);
          const status = scalar(entry.status);
          return recipient && status ? [{ recipient, status, code: entry.code }] : [];
        })
      : [],
  );
  const clientRef = scalar(doc.client_reference);
  // A batch-level client_reference identifies a recipient only when the batch has exactly one.
  const single = clientRef && withRecipients.length === 1 ? clientRef : undefined;
  const receipts = withRecipients.map((r) =>
    receipt(
      { kind: "provider", providerMessageId: sinchProviderMessageId(batchId, r.recipient) },
      single ? { kind: "ours", messageId: single } : undefined,
      r.status,
      r.code,
      null,
    ),
  );
  const unattributed = entries.filter((e) => !Array.isArray(e.recipients)).length;
  if (receipts.length === 0)
    return { receipts, ignored: Math.max(unattributed, 1), ignoredReason: "summary" };
  return unattributed > 0
    ? { receipts, ignored: unattributed, ignoredReason: "summary" }
    : { receipts, ignored: 0 };
}

/** Parses one Sinch callback (JSON POST). Throws ReceiptParseError for bodies that are not Sinch callbacks. */
export function parseReceipts(request: ReceiptRequest): ParsedReceipts {
  let doc: unknown;
  try {
    doc = JSON.parse(request.body);
  } catch (err) {
    throw new ReceiptParseError("body is not valid JSON", { cause: err });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ReceiptParseError("body is not a JSON object");
  }
  const record = doc as Record<string, unknown>;
  const type = scalar(record.type);
  if (!type) throw new ReceiptParseError("missing type");
  if (type === "recipient_delivery_report_sms" || type === "recipient_delivery_report_mms") {
    return recipientReport(record);
  }
  if (type === "delivery_report_sms" || type === "delivery_report_mms") return batchReport(record);
  if (type.startsWith("mo_")) return { receipts: [], ignored: 1, ignoredReason: "inbound" };
  // New callback types must not be retried forever: accept and ignore them.
  return { receipts: [], ignored: 1, ignoredReason: `unsupported type ${type}` };
}
