/** Gupshup Enterprise SMS: `SendMessage` and delivery receipts (GET query or POST JSON batch). */

import { ReceiptParseError } from "./errors.js";
import { callProvider, isOutcome } from "./http.js";
import { epochMs, isEmptyRequest, looseFields, receiptEvents, scalar } from "./receipt-input.js";
import { describeCode } from "./status-descriptions.js";
import type {
  DeliveryStatus,
  GupshupConfig,
  NormalizedReceipt,
  OutgoingSms,
  ParsedReceipts,
  ReceiptRequest,
  SendContext,
  SendOutcome,
} from "./types.js";

export const GUPSHUP_DEFAULT_BASE_URL = "https://enterprise.smsgupshup.com/GatewayAPI/rest";

// GSM 03.38 default alphabet and its extension table; anything else must go as Unicode text.
const GSM_7 =
  /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€\f]*$/;

/**
 * Gupshup's spelling of one of its codes, so that one code is always one string: trimmed, lower case,
 * and a 1–2 character hex-ish code left-padded with zeros to Gupshup's three characters (`3`, `"3"`,
 * `" 003 "` → `"003"`; `"00A"`, `"a"` → `"00a"`); any other value (`"175"`, `"1001"`) trimmed and
 * lower-cased. Used for receipt `errCode`s and for the code of a send `error | <code> | …` line.
 * Source: PROVIDERS.md (codes are opaque strings, three characters zero-padded: 000…009, 00a–00c,
 * 011…038); POST receipts carry them as JSON strings or numbers (docs.gupshup.io "Real Time Delivery
 * Reports").
 *
 * @param code a JSON scalar as received (string or number); anything else → null.
 * @returns the normalised code, or null when there is none (absent, empty or blank).
 */
export function normalizeCode(code: unknown): string | null {
  const s = scalar(code)?.toLowerCase();
  if (!s) return null;
  return /^[0-9a-f]{1,2}$/.test(s) ? s.padStart(3, "0") : s;
}

export async function send(config: GupshupConfig, sms: OutgoingSms, ctx: SendContext): Promise<SendOutcome> {
  const form = new URLSearchParams({
    method: "SendMessage",
    send_to: sms.phoneE164.replace(/^\+/, ""),
    msg: sms.text,
    msg_type: GSM_7.test(sms.text) ? "TEXT" : "Unicode_Text",
    userid: config.userId,
    password: config.password,
    auth_scheme: "plain",
    v: "1.1",
    format: "text",
  });
  if (config.mask) form.set("mask", config.mask);
  const res = await callProvider(ctx, config.baseUrl ?? GUPSHUP_DEFAULT_BASE_URL, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  if (isOutcome(res)) return res.outcome;
  if (res.status !== 200) return { kind: "failed", reason: "PROVIDER_ERROR", code: String(res.status) };
  // One line per recipient; we always send to exactly one.
  const line = res.text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
  const fields = line.split("|").map((f) => f.trim());
  const verdict = (fields[0] ?? "").toLowerCase();
  if (verdict === "success") {
    // `<transactionId>-<messageId>`: the externalId receipts carry.
    const id = fields[2];
    return id ? { kind: "sent", providerMessageId: id } : { kind: "sent" };
  }
  const code = verdict === "error" ? normalizeCode(fields[1]) : null;
  if (code) {
    const description = fields.slice(2).join(" | ").trim();
    return { kind: "failed", reason: "PROVIDER_ERROR", code, ...(description ? { description } : {}) };
  }
  return { kind: "failed", reason: "PROVIDER_ERROR", code: "UNEXPECTED_RESPONSE" };
}

export function gupshupStatus(status: string): DeliveryStatus {
  switch (status.trim().toUpperCase()) {
    case "SUCCESS":
    case "DELIVERED":
      return "DELIVERED";
    case "FAILURE":
    case "FAIL":
    case "FAILED":
      return "FAILED";
    default:
      return "UNKNOWN";
  }
}

function toReceipt(fields: Map<string, string>): NormalizedReceipt | string {
  const externalId = fields.get("externalid");
  if (!externalId) return "missing externalId";
  const rawStatus = fields.get("status") || fields.get("eventtype");
  if (!rawStatus) return "missing status";
  const status = gupshupStatus(rawStatus);
  const code = normalizeCode(fields.get("errcode"));
  const cause = fields.get("cause") || null;
  const description = cause ?? describeCode("gupshup", code) ?? (status === "UNKNOWN" ? rawStatus : null);
  return {
    ref: { kind: "provider", providerMessageId: externalId },
    status,
    code,
    description,
    operatorTimeMs: epochMs(fields.get("deliveredts") || fields.get("eventts")),
  };
}

/** Gupshup's batch envelope: `{"response": [...]}` as JSON, or the form field `response=[...]`. */
export const GUPSHUP_ENVELOPE = "response";

function events(request: ReceiptRequest): Array<Map<string, string>> {
  return receiptEvents(request, GUPSHUP_ENVELOPE).map((e) =>
    e !== null && typeof e === "object" && !Array.isArray(e)
      ? looseFields(e as Record<string, unknown>)
      : new Map<string, string>(),
  );
}

/**
 * Parses a Gupshup receipt request; each event of a batch stands on its own. Accepted shapes
 * (PROVIDERS.md, docs.gupshup.io "Real Time Delivery Reports"): the GET query (`externalId`,
 * `status`, `deliveredTS` epoch ms, `errCode`, `cause`, …), the same fields as a form POST, and the
 * POST batch of events (`externalId`, `eventType`, `eventTs` epoch ms, `errCode`, `cause`, …) as a
 * JSON array, as `{"response": [...]}`, or as the form field `response` holding the JSON array.
 * Keys and values are trimmed, keys case-insensitive; values may be JSON strings or numbers.
 *
 * @returns one receipt per good event; bad events of a batch are counted in `ignored`.
 * @throws ReceiptParseError when no event is usable (or JSON is broken): the worker parks the request.
 */
export function parseReceipts(request: ReceiptRequest): ParsedReceipts {
  if (isEmptyRequest(request)) return { receipts: [], ignored: 1, ignoredReason: "empty" };
  const parsed = events(request).map(toReceipt);
  const receipts = parsed.filter((r): r is NormalizedReceipt => typeof r !== "string");
  const problems = parsed.filter((r): r is string => typeof r === "string");
  if (receipts.length === 0) throw new ReceiptParseError(problems[0] ?? "no events");
  return problems.length > 0
    ? { receipts, ignored: problems.length, ignoredReason: problems[0] as string }
    : { receipts, ignored: 0 };
}
