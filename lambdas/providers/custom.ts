/** Custom HTTP connector: a user-defined request template and an optional receipt mapping. */

import {
  headerValueEscape,
  jsonStringEscape,
  type RenderResult,
  render,
  type TemplateValue,
  urlComponentEscape,
} from "../domain/template.js";
import { ReceiptParseError } from "./errors.js";
import { callProvider, isOutcome, parseJson } from "./http.js";
import { pointerString, resolvePointer } from "./json-pointer.js";
import { formFields, isEmptyRequest, isJsonLooking, parseJsonBody, scalar, timeMs } from "./receipt-input.js";
import type {
  CustomConfig,
  CustomReceiptMapping,
  DeliveryStatus,
  NormalizedReceipt,
  OutgoingSms,
  ParsedReceipts,
  ReceiptRef,
  ReceiptRequest,
  SendContext,
  SendOutcome,
} from "./types.js";

export interface RenderedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function bodyEscape(body: string, headers: Record<string, string>): (v: string) => string {
  const contentType = Object.entries(headers).find(([k]) => k.trim().toLowerCase() === "content-type")?.[1];
  if (contentType?.toLowerCase().includes("application/x-www-form-urlencoded")) return urlComponentEscape;
  return isJsonLooking(body) ? jsonStringEscape : (v) => v;
}

/** Renders the request template; every missing attribute (URL, headers, body) is reported at once. */
export function renderRequest(
  config: CustomConfig,
  sms: OutgoingSms,
): { ok: true; request: RenderedRequest } | { ok: false; missing: string[] } {
  // Built-ins win over attributes of the same name.
  const values: Record<string, TemplateValue> = {
    ...sms.attributes,
    phone: sms.phoneE164,
    message: sms.text,
    messageId: sms.messageId,
    userId: sms.userId,
  };
  const missing: string[] = [];
  const take = (r: RenderResult): string => {
    if (r.ok) return r.text;
    for (const m of r.missing) if (!missing.includes(m)) missing.push(m);
    return "";
  };
  const tpl = config.request;
  const url = take(render(tpl.url, values, urlComponentEscape));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(tpl.headers ?? {})) {
    headers[name] = take(render(value, values, headerValueEscape));
  }
  const method = tpl.method.trim().toUpperCase() || "POST";
  const withBody = method !== "GET" && method !== "HEAD" && tpl.body !== undefined;
  const body = withBody
    ? take(render(tpl.body as string, values, bodyEscape(tpl.body as string, headers)))
    : undefined;
  if (missing.length > 0) return { ok: false, missing };
  const hasType = Object.keys(headers).some((k) => k.trim().toLowerCase() === "content-type");
  // fetch would label a string body text/plain; a JSON template almost certainly means JSON.
  if (body !== undefined && !hasType && isJsonLooking(body)) headers["content-type"] = "application/json";
  return { ok: true, request: { method, url, headers, ...(body !== undefined ? { body } : {}) } };
}

/**
 * A custom provider's code as one string: trimmed, exactly as given otherwise; a JSON number keeps its
 * JSON spelling (`42` → `"42"`). Nothing more can be assumed about a provider we do not know. Used for
 * the code at `errorCodePointer` in a send response and the mapped `errorCode` of receipts.
 *
 * @param code a JSON scalar as received (string, number or boolean); anything else → null.
 * @returns the normalised code, or null when there is none (absent, empty or blank).
 */
export function normalizeCode(code: unknown): string | null {
  return scalar(code) || null;
}

export async function send(config: CustomConfig, sms: OutgoingSms, ctx: SendContext): Promise<SendOutcome> {
  const rendered = renderRequest(config, sms);
  if (!rendered.ok) {
    return {
      kind: "failed",
      reason: "PERSONALIZATION_FAILED",
      code: "PERSONALIZATION_FAILED",
      missing: rendered.missing,
    };
  }
  const { method, url, headers, body } = rendered.request;
  const res = await callProvider(ctx, url, { method, headers, ...(body !== undefined ? { body } : {}) });
  if (isOutcome(res)) return res.outcome;
  const pointers = config.response ?? {};
  if (res.status === 200) {
    const id = pointers.messageIdPointer
      ? pointerString(parseJson(res.text), pointers.messageIdPointer)
      : undefined;
    return id ? { kind: "sent", providerMessageId: id } : { kind: "sent" };
  }
  const code = pointers.errorCodePointer
    ? normalizeCode(resolvePointer(parseJson(res.text), pointers.errorCodePointer))
    : null;
  return { kind: "failed", reason: "PROVIDER_ERROR", code: code ?? String(res.status) };
}

/** The list `raw` is in (trimmed, case-insensitive), or null when it is in none. */
function listedStatus(mapping: CustomReceiptMapping, raw: string): DeliveryStatus | null {
  const s = raw.trim().toLowerCase();
  const has = (list: string[] | undefined): boolean => (list ?? []).some((v) => v.trim().toLowerCase() === s);
  if (has(mapping.delivered)) return "DELIVERED";
  if (has(mapping.failed)) return "FAILED";
  if (has(mapping.inTransit)) return "IN_TRANSIT";
  return null;
}

/**
 * A custom receipt's status per the connector's lists (values trimmed, compared case-insensitively):
 * `delivered` → DELIVERED, `failed` → FAILED, `inTransit` → IN_TRANSIT. A status in no list is
 * IN_TRANSIT, not a failure: providers pass on intermediate states the user did not list (SMPP v3.4
 * §5.2.28 message_state `ENROUTE`, Appendix B receipt stat `ACCEPTD`, gateway states such as
 * `BUFFERED`), and counting those as failed to deliver would be wrong. parseReceipts reports such a
 * status as `unmappedStatus`.
 */
export function customStatus(mapping: CustomReceiptMapping, raw: string): DeliveryStatus {
  return listedStatus(mapping, raw) ?? "IN_TRANSIT";
}

type Lookup = (field: string) => string | undefined;

/** JSON body first (top-level field, or a pointer when the field starts with "/"), then form, then query. */
function lookupIn(doc: unknown, form: Record<string, string>, query: Record<string, string>): Lookup {
  return (field) => {
    if (doc !== null && typeof doc === "object") {
      const fromDoc = field.startsWith("/")
        ? pointerString(doc, field)?.trim()
        : Object.hasOwn(doc, field)
          ? scalar((doc as Record<string, unknown>)[field])
          : undefined;
      if (fromDoc) return fromDoc;
    }
    // Own fields only: a mapping may name `toString` or `constructor`, which every object inherits.
    const v =
      (Object.hasOwn(form, field) ? form[field] : undefined) ??
      (Object.hasOwn(query, field) ? query[field] : undefined);
    return v?.trim() || undefined;
  };
}

function toReceipt(
  mapping: CustomReceiptMapping,
  lookup: Lookup,
  providerIds: boolean,
): NormalizedReceipt | string {
  const messageId = lookup(mapping.messageId);
  if (messageId === undefined) return `missing ${mapping.messageId}`;
  const rawStatus = lookup(mapping.status);
  if (rawStatus === undefined) return `missing ${mapping.status}`;
  const id = messageId;
  const statusText = rawStatus;
  const listed = listedStatus(mapping, statusText);
  const status = listed ?? "IN_TRANSIT";
  const errorCode = mapping.errorCode ? normalizeCode(lookup(mapping.errorCode)) : null;
  const unsuccessful = status === "FAILED";
  const ref: ReceiptRef = { kind: "ours", messageId: id };
  return {
    ref,
    // The lead tries the same value as the provider's id when the connector records one.
    ...(providerIds ? { fallbackRef: { kind: "provider", providerMessageId: id } } : {}),
    status,
    code: errorCode ?? (unsuccessful ? normalizeCode(statusText) : null),
    description: unsuccessful ? statusText : null,
    operatorTimeMs: mapping.time
      ? timeMs(lookup(mapping.time), { format: mapping.timeFormat, timeZone: mapping.timeZone })
      : null,
    ...(listed === null ? { unmappedStatus: statusText } : {}),
  };
}

/**
 * Parses a custom receipt (JSON object, JSON array batch, query string or form body) per the mapping:
 * each field is a top-level JSON field or a JSON pointer (RFC 6901), else a form field, else a query
 * parameter. Status per customStatus (an unlisted status: IN_TRANSIT with `unmappedStatus`); code per
 * normalizeCode (a failure without a mapped code uses its status); time per timeMs with the mapping's
 * `timeFormat` and `timeZone`.
 *
 * @returns one receipt per usable entry; unusable entries of a batch are counted in `ignored`.
 * @throws ReceiptParseError without a receipt mapping, for broken JSON, or when no entry has both the
 *   message id and the status.
 */
export function parseReceipts(request: ReceiptRequest, config: CustomConfig): ParsedReceipts {
  const mapping = config.receipt;
  if (!mapping) throw new ReceiptParseError("the connector has no receipt mapping (delivery tracking off)");
  if (isEmptyRequest(request)) return { receipts: [], ignored: 1, ignoredReason: "empty" };
  const providerIds = Boolean(config.response?.messageIdPointer);
  const json = isJsonLooking(request.body);
  const doc = json ? parseJsonBody(request) : undefined;
  const form = !json && request.body.trim() ? formFields(request.body) : {};
  const docs = Array.isArray(doc) ? doc : [doc];
  const parsed = docs.map((d) => toReceipt(mapping, lookupIn(d, form, request.query), providerIds));
  const receipts = parsed.filter((r): r is NormalizedReceipt => typeof r !== "string");
  const problems = parsed.filter((r): r is string => typeof r === "string");
  if (receipts.length === 0) throw new ReceiptParseError(problems[0] ?? "no receipts");
  return problems.length > 0
    ? { receipts, ignored: problems.length, ignoredReason: problems[0] as string }
    : { receipts, ignored: 0 };
}
