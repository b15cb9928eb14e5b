import { IANAZone } from "luxon";
import { z } from "zod";

/** Every id in the API (apps, connectors, campaigns, goals, instances, users, events). */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const id = z
  .string()
  .regex(ID_PATTERN, { error: "must be 1 to 128 characters of letters, digits, '_', '.', ':' or '-'" });

/** ISO-8601 date-time with an explicit offset (`Z` or `±hh:mm`): a time without one is ambiguous. */
export const isoDateTime = z.iso.datetime({
  offset: true,
  error: "must be an ISO-8601 date-time with an offset, e.g. 2026-11-26T10:00:00+05:30",
});

export const timezone = z
  .string()
  .refine((tz) => IANAZone.isValidZone(tz), {
    error: "must be an IANA time zone such as Asia/Kolkata or UTC",
  })
  .meta({ description: "IANA time zone, e.g. Asia/Kolkata" });

// Read once: the runtime's ICU knows every current ISO-4217 code.
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));

export const currency = z
  .string()
  .refine((c) => CURRENCIES.has(c), {
    error: "must be an ISO-4217 currency code in capitals, such as USD or INR",
  })
  .meta({ description: "ISO-4217 currency code, e.g. INR" });

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export const httpUrl = z
  .string()
  .max(2048)
  .refine(isHttpUrl, { error: "must be an absolute http:// or https:// URL" });

/** Attribute values usable in personalisation and goal filters. */
export const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: "must be a string, number or boolean",
});

/** Event attributes additionally allow `null` (an attribute explicitly without a value). */
export const nullableScalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: "must be a string, number, boolean or null",
});

const attributeName = z.string().min(1).max(128);

export const attributes = z.record(attributeName, scalar);
export const eventAttributes = z.record(attributeName, nullableScalar);
