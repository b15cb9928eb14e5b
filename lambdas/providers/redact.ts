import type { ProviderName, ReceiptRequest } from "./types.js";

/** Receipt fields that carry the recipient's phone number and that matching never uses. */
const PHONE_QUERY_FIELDS: Partial<Record<ProviderName, string[]>> = {
  gupshup: ["phoneno"],
  kaleyra: ["mobile"],
};
const PHONE_JSON_FIELDS: Partial<Record<ProviderName, string[]>> = { gupshup: ["destAddr"] };

function withoutFields(value: unknown, names: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutFields(v, names));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !names.includes(k))
        .map(([k, v]) => [k, withoutFields(v, names)]),
    );
  }
  return value;
}

/**
 * Drops phone numbers from a receipt before it is queued (and possibly parked for 90 days): phone
 * numbers are not kept once sent (SPEC §5). Sinch's `recipient` stays — batch reports are matched by
 * (batch, recipient) — and custom receipts stay as sent (their mapping may use any field).
 */
export function redactPhones(provider: ProviderName, request: ReceiptRequest): ReceiptRequest {
  const queryFields = PHONE_QUERY_FIELDS[provider] ?? [];
  const query = Object.fromEntries(
    Object.entries(request.query).filter(([k]) => !queryFields.includes(k.trim().toLowerCase())),
  );
  const jsonFields = PHONE_JSON_FIELDS[provider];
  let body = request.body;
  if (jsonFields && body.trim() !== "") {
    try {
      body = JSON.stringify(withoutFields(JSON.parse(body), jsonFields));
    } catch {
      // Not JSON: left as is for the parser to judge (and park with its reason).
    }
  }
  return { ...request, query, body };
}
