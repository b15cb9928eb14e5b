import { GUPSHUP_ENVELOPE } from "./gupshup.js";
import { isJsonLooking } from "./receipt-input.js";
import type { ProviderName, ReceiptRequest } from "./types.js";

/** What redaction needs to know of a provider's receipts, with keys as the parsers read them (trimmed, lower case). */
interface Rule {
  /** Fields that carry the recipient's phone number and that matching never uses. */
  phones: ReadonlySet<string>;
  /** The field whose text the parser decodes as JSON (receiptEvents' envelope), if any. */
  envelope?: string;
}

/**
 * Sources: Gupshup GET `phoneNo`, POST `destAddr`, batch envelope `response` (docs.gupshup.io "Real
 * Time Delivery Reports"); Kaleyra `{mobile}` in our `dlrurl` (PROVIDERS.md).
 */
const RULES: Partial<Record<ProviderName, Rule>> = {
  gupshup: { phones: new Set(["phoneno", "destaddr"]), envelope: GUPSHUP_ENVELOPE },
  kaleyra: { phones: new Set(["mobile"]) },
};

const loose = (key: string): string => key.trim().toLowerCase();

/**
 * Nesting deeper than any receipt has (a parser reads at most envelope → batch → event → value). What
 * lies deeper is replaced by null rather than walked: no stack overflow on a hostile body, and nothing
 * unread is kept.
 */
const MAX_DEPTH = 32;

/**
 * `value` without the rule's phone keys at any depth. A string is decoded as JSON only where the parser
 * decodes it (`decode`: the whole JSON body, the envelope's value); any other string is a value the
 * parser reads as it is, so it stays as it is. Returns `value` itself when nothing was dropped, so
 * bodies without a phone field stay byte for byte as received.
 */
function scrub(value: unknown, rule: Rule, decode: boolean, depth = 0): unknown {
  const nested = value !== null && typeof value === "object";
  if (depth > MAX_DEPTH && (nested || decode)) return null;
  if (typeof value === "string") {
    if (!decode || !isJsonLooking(value)) return value;
    let doc: unknown;
    try {
      doc = JSON.parse(value);
    } catch {
      return value;
    }
    const clean = scrub(doc, rule, false, depth + 1);
    return clean === doc ? value : JSON.stringify(clean);
  }
  if (Array.isArray(value)) {
    const out = value.map((v) => scrub(v, rule, false, depth + 1));
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  if (nested) {
    const entries = Object.entries(value as Record<string, unknown>);
    const kept = entries
      .filter(([k]) => !rule.phones.has(loose(k)))
      .map(([k, v]) => [k, scrub(v, rule, loose(k) === rule.envelope, depth + 1)] as const);
    const changed =
      kept.length !== entries.length || kept.some(([k, v]) => v !== (value as Record<string, unknown>)[k]);
    // fromEntries defines own properties: a `__proto__` key stays a plain key.
    return changed ? Object.fromEntries(kept) : value;
  }
  return value;
}

/**
 * A form body without the phone fields, the envelope's JSON scrubbed; every other field stays as
 * received, byte for byte. Split and decoded as URLSearchParams reads the whole body (on `&`; one
 * leading `?` of the body is dropped), so the parser reads the same fields before and after.
 */
function scrubForm(body: string, rule: Rule): string {
  let changed = false;
  const parts = body.split("&").map((part, i): string | null => {
    const [pair] = new URLSearchParams(i === 0 ? part : `&${part}`);
    if (!pair) return part;
    const [key, value] = pair;
    if (rule.phones.has(loose(key))) {
      changed = true;
      return null;
    }
    const clean = scrub(value, rule, loose(key) === rule.envelope) as string;
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
 * `{"response": [...]}`, and the envelope field holding JSON text (Gupshup's form POST
 * `response=[...]`, also as a query parameter or a JSON string); keys are matched trimmed and
 * case-insensitively, as the parsers match them. What cannot be decoded (a body or an envelope that
 * looks like JSON but is not) is left as received for the parser to reject and park with its reason;
 * JSON nested deeper than MAX_DEPTH (32) is cut to null there. Never throws.
 * Sinch's `recipient` stays — batch reports are matched by (batch, recipient) — and custom receipts stay
 * as sent (their mapping may use any field).
 *
 * @returns the request with the same method and headers; query and body without phone fields, read by
 *   the provider's parser exactly as before. A body without a phone field comes back unchanged; a JSON
 *   body with one is re-serialised; a form body loses only the phone fields (the envelope re-encoded).
 */
export function redactPhones(provider: ProviderName, request: ReceiptRequest): ReceiptRequest {
  const rule = RULES[provider];
  if (!rule) return request;
  const query = scrub(request.query, rule, false) as Record<string, string>;
  const body = isJsonLooking(request.body)
    ? (scrub(request.body, rule, true) as string)
    : scrubForm(request.body, rule);
  return { ...request, query, body };
}
