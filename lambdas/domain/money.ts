import Big from "big.js";

const digitsCache = new Map<string, number>();

/** Digits after the decimal point for a currency (USD 2, JPY 0, KWD 3), from the runtime's ICU data. */
export function minorUnits(currency: string): number {
  const cached = digitsCache.get(currency);
  if (cached !== undefined) return cached;
  const options = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions();
  const digits = options.maximumFractionDigits ?? 2;
  digitsCache.set(currency, digits);
  return digits;
}

/** A decimal string with exactly the currency's minor digits, rounded half-to-even (banker's rounding). */
export function formatMoney(value: Big | string | number, currency: string): string {
  const digits = minorUnits(currency);
  return new Big(value).round(digits, Big.roundHalfEven).toFixed(digits);
}

// Plain decimal notation with an optional exponent; no hex, no "Infinity", no blanks.
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** An exact decimal from an event attribute (number or numeric string); anything else → null. */
export function parseAmount(x: unknown): Big | null {
  if (typeof x === "number") {
    // String(x) is the shortest round-trip form: 19.99 stays 19.99, not its binary expansion.
    return Number.isFinite(x) ? new Big(String(x)) : null;
  }
  if (typeof x !== "string") return null;
  const s = x.trim();
  if (!NUMERIC.test(s)) return null;
  try {
    return new Big(s);
  } catch {
    return null; // exponent outside big.js's range
  }
}

/**
 * A revenue attribute as counted: an exact amount in the currency's minor units, or the reason none was
 * counted. Decided once, when the event is counted (docs/decisions.md, "Revenue values"):
 * - numbers and plain decimal strings (`19.99`, `"1299.00"`, `"1e3"`) count, rounded half-to-even to
 *   the currency's minor unit per event, so a total always equals the sum of its days;
 * - `null`, a missing attribute or an empty string: `missing`;
 * - negative values (refunds): `negative` — a refund is not the revenue of a conversion;
 * - anything else — grouping separators (`"1,299.00"` is 1299 in en-IN but 1.299 in de-DE),
 *   currency symbols (`"₹1,299"`), booleans, words: `unreadable`.
 * The event still counts as a conversion; excluded values are reported, never summed or dropped silently.
 */
export type Amount = { amount: string } | { excluded: "missing" | "unreadable" | "negative" };

export function readAmount(x: unknown, currency: string): Amount {
  if (x === undefined || x === null || (typeof x === "string" && x.trim() === "")) {
    return { excluded: "missing" };
  }
  const value = parseAmount(x);
  if (!value) return { excluded: "unreadable" };
  if (value.lt(0)) return { excluded: "negative" };
  return { amount: formatMoney(value, currency) };
}
