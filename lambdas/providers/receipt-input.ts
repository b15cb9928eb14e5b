/** Small helpers shared by the receipt parsers: lenient field access over query, form and JSON inputs. */

import { ReceiptParseError } from "./errors.js";
import type { ReceiptRequest } from "./types.js";

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
 * anything else is left for the caller to reject). The shapes, for every provider that batches:
 * - a JSON body (starts with `{` or `[`): an array is a batch; an object is one event, unless it has
 *   the `envelope` field (key matched trimmed and case-insensitively), whose array or object is;
 * - any other body (a query, a form POST or both; form fields win): one event, unless it has the
 *   `envelope` field holding JSON text, whose array or object is.
 * An envelope holding anything else (absent, a plain string) leaves the outer record as the event.
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

/** Epoch ms from an ISO-8601 string (no zone → UTC) or a numeric epoch (seconds or ms); else null. */
export function timeMs(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const numeric = epochMs(value);
  if (numeric !== null) return numeric;
  if (typeof value !== "string") return null;
  const t = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, "$1T$2");
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(t)) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t);
  const ms = Date.parse(hasZone || !t.includes("T") ? t : `${t}Z`);
  return Number.isFinite(ms) ? ms : null;
}
