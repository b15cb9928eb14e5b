import { isJsonLooking } from "./receipt-input.js";
import type { ProviderName, ReceiptRequest } from "./types.js";

/**
 * Receipt fields that carry the recipient's phone number and that matching never uses, as the parsers
 * read keys (trimmed, lower case). Sources: Gupshup GET `phoneNo`, POST `destAddr`; Kaleyra `{mobile}`
 * in our `dlrurl` (PROVIDERS.md).
 */
const PHONE_FIELDS: Partial<Record<ProviderName, ReadonlySet<string>>> = {
  gupshup: new Set(["phoneno", "destaddr"]),
  kaleyra: new Set(["mobile"]),
};

const isDropped = (names: ReadonlySet<string>, key: string): boolean => names.has(key.trim().toLowerCase());

/**
 * Nesting deeper than any receipt has (a parser reads at most envelope → batch → event → value). What
 * lies deeper is replaced by null rather than walked: no stack overflow on a hostile body, and nothing
 * unread is kept.
 */
const MAX_DEPTH = 32;

/**
 * `value` without the named keys, at any depth, including inside strings that hold JSON (a form field
 * or a JSON string carrying a batch). Returns `value` itself when nothing was dropped, so bodies without
 * a phone field stay byte for byte as received.
 */
function scrub(value: unknown, names: ReadonlySet<string>, depth = 0): unknown {
  const nested = value !== null && typeof value === "object";
  if (depth > MAX_DEPTH && (nested || (typeof value === "string" && isJsonLooking(value)))) return null;
  if (typeof value === "string") {
    if (!isJsonLooking(value)) return value;
    let doc: unknown;
    try {
      doc = JSON.parse(value);
    } catch {
      return value;
    }
    const clean = scrub(doc, names, depth + 1);
    return clean === doc ? value : JSON.stringify(clean);
  }
  if (Array.isArray(value)) {
    const out = value.map((v) => scrub(v, names, depth + 1));
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    const kept = entries
      .filter(([k]) => !isDropped(names, k))
      .map(([k, v]) => [k, scrub(v, names, depth + 1)] as const);
    const changed =
      kept.length !== entries.length || kept.some(([k, v]) => v !== (value as Record<string, unknown>)[k]);
    // fromEntries defines own properties: a `__proto__` key stays a plain key.
    return changed ? Object.fromEntries(kept) : value;
  }
  return value;
}

/**
 * A form body without the named fields, their values scrubbed; every other field stays as received,
 * byte for byte. Split and decoded as URLSearchParams reads the whole body (on `&`; one leading `?` of
 * the body is dropped), so the parser reads the same fields before and after.
 */
function scrubForm(body: string, names: ReadonlySet<string>): string {
  let changed = false;
  const parts = body.split("&").map((part, i): string | null => {
    const [pair] = new URLSearchParams(i === 0 ? part : `&${part}`);
    if (!pair) return part;
    const [key, value] = pair;
    if (isDropped(names, key)) {
      changed = true;
      return null;
    }
    const clean = scrub(value, names) as string;
    if (clean === value) return part;
    changed = true;
    return new URLSearchParams([[key, clean]]).toString();
  });
  if (!changed) return body;
  const out = parts.filter((p): p is string => p !== null).join("&");
  // A later field now first must not lose a leading "?" of its own name.
  return parts[0] === null && out.startsWith("?") ? `&${out}` : out;
}

/**
 * Drops phone numbers from a receipt before it is queued (and possibly parked for 90 days): phone
 * numbers are not kept once sent (SPEC §5). Covers every shape a provider's parser reads
 * (receiptEvents, requestFields): query parameters, form fields, a JSON object or array at any depth,
 * `{"response": [...]}`, and query/form values or JSON strings that hold JSON; keys are matched trimmed
 * and case-insensitively, as the parsers match them. What cannot be decoded (a body that looks like
 * JSON but is not) is left as received for the parser to reject and park with its reason; JSON nested
 * deeper than MAX_DEPTH (32) is cut to null there. Never throws.
 * Sinch's `recipient` stays — batch reports are matched by (batch, recipient) — and custom receipts stay
 * as sent (their mapping may use any field).
 *
 * @returns the request with the same method and headers; query and body without phone fields. A body
 *   without a phone field comes back unchanged; a JSON body with one is re-serialised, a form body
 *   loses only the phone fields (a field holding JSON is re-encoded).
 */
export function redactPhones(provider: ProviderName, request: ReceiptRequest): ReceiptRequest {
  const names = PHONE_FIELDS[provider];
  if (!names) return request;
  const query = scrub(request.query, names) as Record<string, string>;
  const body = isJsonLooking(request.body)
    ? (scrub(request.body, names) as string)
    : scrubForm(request.body, names);
  return { ...request, query, body };
}
