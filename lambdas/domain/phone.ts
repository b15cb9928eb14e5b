import { parsePhoneNumberFromString } from "libphonenumber-js/max";

export type ParsedPhone = { ok: true; e164: string; country: string | null } | { ok: false };

/**
 * A recipient's number in E.164, with its country (for the breakdowns). Numbers must carry their
 * country code (`+91…` or `91…`): without a default region a national number is ambiguous.
 */
export function parsePhone(raw: string): ParsedPhone {
  const trimmed = raw.trim().replace(/^00/, "+");
  const candidate = trimmed.startsWith("+") ? trimmed : `+${trimmed}`;
  const parsed = parsePhoneNumberFromString(candidate);
  if (!parsed?.isValid()) return { ok: false };
  return { ok: true, e164: parsed.number, country: parsed.country ?? null };
}
