/** Small helpers shared by the receipt parsers: lenient field access over query, form and JSON inputs. */

import { DateTime } from "luxon";
import { ReceiptParseError } from "./errors.js";
import type { ReceiptRequest, ReceiptTimeFormat } from "./types.js";

/** A JSON scalar as a trimmed string; numbers keep their JSON spelling (`3` → "3"). */
export function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}

/** Keys trimmed and lower-cased, values trimmed; the first occurrence of a key wins. */
export function looseFields(record: Record<string, unknown>): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) {
    const k = key.trim().toLowerCase();
    const v = scalar(value);
    if (v !== undefined && !fields.has(k)) fields.set(k, v);
  }
  return fields;
}

/** Fields of an `application/x-www-form-urlencoded` body. */
export function formFields(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

export function isJsonLooking(body: string): boolean {
  const t = body.trim();
  return t.startsWith("{") || t.startsWith("[");
}

export function parseJsonBody(request: ReceiptRequest): unknown {
  try {
    return JSON.parse(request.body);
  } catch (err) {
    throw new ReceiptParseError("body is not valid JSON", { cause: err });
  }
}

/** Query parameters and form fields of a non-JSON request as one record; a form field wins over a query one. */
export function requestFields(request: ReceiptRequest): Record<string, string> {
  return { ...request.query, ...(request.body.trim() ? formFields(request.body) : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value of the first key that equals `name` once trimmed and lower-cased (as looseFields reads keys). */
function looseValue(record: Record<string, unknown>, name: string): unknown {
  const wanted = name.trim().toLowerCase();
  const key = Object.keys(record).find((k) => k.trim().toLowerCase() === wanted);
  return key === undefined ? undefined : record[key];
}

/**
 * The events one receipt request carries, in order, as decoded values (each event should be a record;
 * anything else is left for the caller to reject). The outer document is the JSON body when the body
 * starts with `{` or `[`, else the query and form fields as one record (form fields win). Then:
 * - a JSON array is the batch;
 * - a record with the `envelope` field (key matched trimmed and case-insensitively, as looseFields
 *   reads keys) whose value is an array or object — or JSON text of one, as a form field carries it —
 *   gives that array (the batch) or object (one event);
 * - any other record (no envelope, or one holding a plain value) is itself the one event.
 * Source: Gupshup's POST receipts are a JSON array, `{"response": [...]}`, or a form POST whose field
 * `response` holds the JSON array (docs.gupshup.io "Real Time Delivery Reports"; PROVIDERS.md).
 *
 * @param envelope the field a batch travels in (Gupshup: `"response"`); none → no unwrapping.
 * @throws ReceiptParseError when the body, or the envelope's text, looks like JSON but is not JSON.
 */
export function receiptEvents(request: ReceiptRequest, envelope?: string): unknown[] {
  const doc: unknown = isJsonLooking(request.body) ? parseJsonBody(request) : requestFields(request);
  if (Array.isArray(doc)) return doc;
  if (envelope === undefined || !isRecord(doc)) return [doc];
  let inner = looseValue(doc, envelope);
  if (typeof inner === "string" && isJsonLooking(inner)) {
    try {
      inner = JSON.parse(inner);
    } catch (err) {
      throw new ReceiptParseError(`${envelope} is not valid JSON`, { cause: err });
    }
  }
  if (Array.isArray(inner)) return inner;
  return isRecord(inner) ? [inner] : [doc];
}

/** True when the request carries nothing at all (e.g. a provider's URL reachability check). */
export function isEmptyRequest(request: ReceiptRequest): boolean {
  return request.body.trim() === "" && Object.keys(request.query).length === 0;
}

/**
 * Epoch milliseconds from a number or numeric string; values below 1e11 are taken as seconds
 * (1e11 ms is 1973, 1e11 s is year 5138, so the two ranges cannot be confused for real receipts).
 */
export function epochMs(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const n =
    typeof value === "number" ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return null;
  return Math.round(n < 1e11 ? n * 1000 : n);
}

/** The largest epoch ms a JavaScript Date holds (ECMA-262 §21.4.1.1): beyond it there is no time. */
const MAX_TIME_MS = 8.64e15;

/** A positive epoch in `unitMs` units from its decimal digits (fraction allowed); else null. */
function epochIn(text: string, unitMs: number): number | null {
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  const ms = Math.round(Number(text) * unitMs);
  return ms > 0 && ms <= MAX_TIME_MS ? ms : null;
}

const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](.*))?$/i;
const ISO_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * An ISO-8601 date or date-time (`2026-11-25`, `2026-11-25T10:30:00.5+05:30`; RFC 3339 §5.6 lets a
 * space stand for the `T`). With an offset or `Z` the instant is exact; without one it is read in
 * `zone` — or is null when `zone` is null (an ambiguous time). Other ISO forms (week dates, times
 * without a date) are null.
 */
function isoIn(text: string, zone: string | null): number | null {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return null;
  const iso = m[2] === undefined ? text : `${m[1]}T${m[2]}`;
  const hasOffset = m[2] !== undefined && ISO_OFFSET.test(m[2]);
  if (!hasOffset && zone === null) return null;
  const dt = DateTime.fromISO(iso, { zone: hasOffset ? "UTC" : (zone as string) });
  return dt.isValid ? dt.toMillis() : null;
}

const SMPP_DONE_DATE = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/;

/**
 * An SMPP delivery receipt "done date", read in `zone`: `YYMMDDhhmm` (SMPP v3.4 §4.4.2 / Appendix B,
 * delivery receipt text `… done date:YYMMDDhhmm stat:…`), or `YYMMDDhhmmss`, the seconds many gateways
 * add. The two-digit year is 20YY (the format has no century; receipts are from this one). Fields
 * out of range (month 13, 24:00, 31 November) are null.
 */
function smppIn(text: string, zone: string): number | null {
  const m = SMPP_DONE_DATE.exec(text);
  if (!m) return null;
  const [yy, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? "0"));
  const dt = DateTime.fromObject({ year: 2000 + (yy as number), month, day, hour, minute, second }, { zone });
  return dt.isValid ? dt.toMillis() : null;
}

/**
 * A receipt time as epoch ms, or null (the worker then uses the receipt's arrival time).
 *
 * With `format`, the value must be exactly that and nothing else:
 * - `epochSeconds` / `epochMillis`: a positive decimal number of seconds / milliseconds since
 *   1970-01-01T00:00Z (digits, optional fraction; a JSON number or a numeric string);
 * - `iso8601`: an ISO-8601 date or date-time (see isoIn); without an offset, in `timeZone`;
 * - `smpp`: an SMPP "done date" `YYMMDDhhmm` or `YYMMDDhhmmss` in `timeZone` (SMPP v3.4 Appendix B).
 *
 * Without `format`, only unambiguous forms (anything else is null, never a guess):
 * - an ISO-8601 date-time with an explicit offset or `Z` (RFC 3339 §5.6);
 * - exactly 13 digits: epoch milliseconds (2001-09-09 … 2286-11-20);
 * - exactly 10 digits: epoch seconds (same range).
 * So a 12-digit SMPP done date (`261125103000`), an ISO time without a zone, or an 11-digit number is
 * null rather than misread as an epoch.
 *
 * @param value a JSON scalar as received (string trimmed; number in its JSON spelling); undefined → null.
 * @param options.timeZone IANA zone for SMPP dates and ISO times without an offset; default "UTC";
 *   an unknown zone makes those null.
 * @returns epoch milliseconds, or null when the value is absent, malformed, or not a real date.
 */
export function timeMs(
  value: string | number | undefined,
  options: { format?: ReceiptTimeFormat | undefined; timeZone?: string | undefined } = {},
): number | null {
  if (value === undefined) return null;
  const text = scalar(value);
  if (!text) return null;
  const zone = options.timeZone ?? "UTC";
  switch (options.format) {
    case "epochSeconds":
      return epochIn(text, 1000);
    case "epochMillis":
      return epochIn(text, 1);
    case "iso8601":
      return isoIn(text, zone);
    case "smpp":
      return smppIn(text, zone);
    default:
      if (/^\d{13}$/.test(text)) return epochIn(text, 1);
      if (/^\d{10}$/.test(text)) return epochIn(text, 1000);
      return isoIn(text, null);
  }
}
