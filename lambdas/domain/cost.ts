import Big from "big.js";
import { getCountries } from "libphonenumber-js/max";
import { minorUnits } from "./money.js";
import { countSegments, type SmsEncoding } from "./segments.js";

/**
 * Cost of sending (issue 18): what each sent message cost, frozen when it was sent, and how analytics
 * sums it. Pure: the send worker passes the final text, the connector's pricing and the number's
 * country; the counters add what a message contributes (`costContribution`). Rules and their reasons:
 * docs/decisions.md, "Cost and return".
 */

/**
 * A connector's prices (`pricing` of `PUT …/connectors/{connectorId}`): per SMS segment, exact decimal
 * strings in one ISO-4217 currency, optionally per ISO 3166-1 alpha-2 country of the recipient's
 * number (the country libphonenumber-js gives it). `perSegment` applies where `byCountry` has no entry.
 */
export interface ConnectorPricing {
  currency: string;
  /** Non-negative plain decimal, e.g. "0.0075". */
  perSegment: string;
  byCountry?: Record<string, string>;
}

/**
 * What one message cost to send, as recorded on its message item when the provider was called (never
 * recomputed, so a later price change leaves it as it was).
 */
export interface MessageBilling {
  /** SMS segments of the text exactly as sent (after personalisation and link shortening). */
  segments: number;
  encoding: SmsEncoding;
  /** Price of one segment for this number's country at send time; null when the connector had no pricing. */
  pricePerSegment: string | null;
  /** ISO-4217 currency of `pricePerSegment`; null when it is null. */
  currency: string | null;
}

/** A plain non-negative decimal with at most 9 integer and 10 fraction digits ("0.0075", "1", "12.5"). */
export const PRICE_PATTERN = /^\d{1,9}(\.\d{1,10})?$/;

/**
 * ISO 3166-1 alpha-2 codes a recipient's number can have: the regions of libphonenumber-js's metadata,
 * the same library that gives a number its country (domain/phone.ts), so a price key can always match.
 * It also knows AC (Ascension), TA (Tristan da Cunha) and XK (Kosovo), user-assigned or exceptionally
 * reserved codes that numbers really carry.
 */
export const PRICE_COUNTRIES: ReadonlySet<string> = new Set(getCountries());

/**
 * The price of one segment to a number of `country` (ISO 3166-1 alpha-2, or null when unknown):
 * `byCountry[country]` when set, else `perSegment`; null without pricing.
 */
export function segmentPrice(
  pricing: ConnectorPricing | undefined | null,
  country: string | null,
): { pricePerSegment: string; currency: string } | null {
  if (!pricing) return null;
  const own = country ? pricing.byCountry?.[country] : undefined;
  return { pricePerSegment: own ?? pricing.perSegment, currency: pricing.currency };
}

/**
 * The billing of one message from its final text (GSM 03.38 segments, domain/segments.ts) and the
 * connector's pricing at send time.
 */
export function billingOf(
  text: string,
  pricing: ConnectorPricing | undefined | null,
  country: string | null,
): MessageBilling {
  const { segments, encoding } = countSegments(text);
  const price = segmentPrice(pricing, country);
  return {
    segments,
    encoding,
    pricePerSegment: price?.pricePerSegment ?? null,
    currency: price?.currency ?? null,
  };
}

/** Exact cost of a message: segments × its frozen price per segment (null when it had no price). */
export function messageCost(b: MessageBilling): Big | null {
  return b.pricePerSegment === null ? null : new Big(b.pricePerSegment).times(b.segments);
}

/** Counter fields of cost (the cost names of domain/counter-fields, kept here with their only writer). */
export const costFields = {
  /** Segments of every message counted as sent (priced or not). */
  segments: "cost|segments",
  /** Segments of sent messages whose connector had no pricing when they were sent. */
  unpricedSegments: "cost|unpriced",
  /** Segments of sent messages priced in `currency`. */
  pricedSegments: (currency: string): string => `cost|segs|${currency}`,
  /** Exact sum of segments × price of sent messages priced in `currency`. */
  amount: (currency: string): string => `cost|amount|${currency}`,
};

/**
 * What a message adds to the cost counters on its sent day, given that it counts as sent (SENT,
 * UNTRACKED, DELIVERED or FAILED: the provider accepted it, so its segments were billed, delivered or
 * not). A message not sent (or whose outcome is unknown) adds nothing; a record from before segments
 * were recorded (`billing` absent) adds nothing either.
 */
export function costContribution(
  billing: MessageBilling | null | undefined,
  add: (field: string, by: number | string) => void,
): void {
  if (!billing) return;
  add(costFields.segments, billing.segments);
  const cost = messageCost(billing);
  if (cost === null || billing.currency === null) {
    add(costFields.unpricedSegments, billing.segments);
    return;
  }
  add(costFields.pricedSegments(billing.currency), billing.segments);
  // Exact: a zero price still says "priced in this currency" through its segments above.
  if (!cost.eq(0)) add(costFields.amount(billing.currency), cost.toFixed());
}

/**
 * A cost amount, exact (never rounded): the sum of segments × prices with as many decimals as it has,
 * but at least the currency's minor digits ("0.0225", "0.03", "1.50", JPY "12" or "0.5").
 */
export function formatCost(value: Big, currency: string): string {
  const exact = value.toFixed();
  const decimals = exact.includes(".") ? exact.length - exact.indexOf(".") - 1 : 0;
  return value.toFixed(Math.max(decimals, minorUnits(currency)));
}

/** Extra decimals a per-unit cost keeps beyond the currency's minor digits (a price may be 0.0021). */
export const PER_UNIT_EXTRA_DECIMALS = 4;

/**
 * A cost divided by a count (cost per delivered message, per conversion), rounded half-even to the
 * currency's minor digits + 4 (USD: 6 decimals), trailing zeros dropped down to the minor digits.
 */
export function formatPerUnit(value: Big, count: number, currency: string): string {
  const minor = minorUnits(currency);
  const rounded = value.div(count).round(minor + PER_UNIT_EXTRA_DECIMALS, Big.roundHalfEven);
  return formatCost(rounded, currency);
}

/** The `cost` section of the analytics response. */
export interface CostSection {
  /** SMS segments of every message counted as sent. */
  segments: number;
  /** Currency of `total`; null when the messages were priced in several currencies. */
  currency: string | null;
  /** Exact cost of the priced segments; null when mixed currencies, or when nothing sent was priced. */
  total: string | null;
  perDelivered: string | null;
  perConversion: string | null;
  /** Revenue ÷ cost, 2 decimals; null unless cost and revenue are in one currency and fully known. */
  returnOnSpend: number | null;
  /** Segments sent through a connector without pricing (their cost is unknown). */
  unpricedSegments: number;
  /** Segments and exact cost per currency the messages were priced in. */
  byCurrency: Array<{ currency: string; segments: number; total: string }>;
}

/** What the cost section reads from the counters summed over a range (or one day). */
export interface CostTotals {
  segments: number;
  unpricedSegments: number;
  /** Per currency priced in: segments and exact amount. */
  byCurrency: Map<string, { segments: number; amount: Big }>;
}

/** Sums the cost fields (`cost|…`) of summed counters: `totals` maps a field name to its total. */
export function costTotals(totals: Iterable<[string, Big]>): CostTotals {
  const out: CostTotals = { segments: 0, unpricedSegments: 0, byCurrency: new Map() };
  const entry = (currency: string) => {
    let e = out.byCurrency.get(currency);
    if (!e) {
      e = { segments: 0, amount: new Big(0) };
      out.byCurrency.set(currency, e);
    }
    return e;
  };
  for (const [field, value] of totals) {
    if (field === costFields.segments) out.segments += value.toNumber();
    else if (field === costFields.unpricedSegments) out.unpricedSegments += value.toNumber();
    else if (field.startsWith("cost|segs|"))
      entry(field.slice("cost|segs|".length)).segments += value.toNumber();
    else if (field.startsWith("cost|amount|")) {
      const e = entry(field.slice("cost|amount|".length));
      e.amount = e.amount.plus(value);
    }
  }
  for (const [currency, e] of out.byCurrency)
    if (e.segments === 0 && e.amount.eq(0)) out.byCurrency.delete(currency);
  return out;
}

/**
 * The currency and exact total of cost over a range:
 * - priced in one currency: that currency and the exact sum (segments without a price, if any, are
 *   reported apart as `unpricedSegments` and add nothing);
 * - priced in several currencies: currency and total null (amounts in different currencies are not
 *   added; `byCurrency` has each);
 * - nothing priced: the app's currency with a zero total when nothing was sent either, else null
 *   (the cost of unpriced segments is unknown, not zero).
 */
export function costTotal(
  t: CostTotals,
  appCurrency: string,
): { currency: string | null; total: Big | null } {
  const currencies = [...t.byCurrency.keys()];
  if (currencies.length > 1) return { currency: null, total: null };
  const [only] = currencies;
  if (only !== undefined)
    return { currency: only, total: (t.byCurrency.get(only) as { amount: Big }).amount };
  return t.unpricedSegments > 0
    ? { currency: null, total: null }
    : { currency: appCurrency, total: new Big(0) };
}

export interface CostInput {
  totals: CostTotals;
  appCurrency: string;
  delivered: number;
  /** Unique converters of the primary goal. */
  conversions: number;
  /** Total revenue (app currency), or null when the campaign has no revenue goal. */
  revenue: Big | null;
}

/**
 * The `cost` section (SPEC §4 "cost"). Ratios need a cost that is fully known in one currency (no
 * unpriced segments): `perDelivered` = total ÷ delivered, `perConversion` = total ÷ conversions
 * (formatPerUnit; null when the divisor is 0), `returnOnSpend` = revenue ÷ total, 2 decimals half-up,
 * only when the cost's currency is the app's (revenue is in the app's currency), the campaign has a
 * revenue goal and the total is above zero.
 */
export function costSection(input: CostInput): CostSection {
  const { totals, appCurrency } = input;
  const { currency, total } = costTotal(totals, appCurrency);
  const complete = currency !== null && total !== null && totals.unpricedSegments === 0;
  const perUnit = (n: number): string | null =>
    complete && n > 0 ? formatPerUnit(total, n, currency) : null;
  const returnOnSpend =
    complete && currency === appCurrency && input.revenue !== null && total.gt(0)
      ? Number(input.revenue.div(total).round(2, Big.roundHalfUp).toString())
      : null;
  return {
    segments: totals.segments,
    currency,
    total: currency !== null && total !== null ? formatCost(total, currency) : null,
    perDelivered: perUnit(input.delivered),
    perConversion: perUnit(input.conversions),
    returnOnSpend,
    unpricedSegments: totals.unpricedSegments,
    byCurrency: [...totals.byCurrency]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([c, e]) => ({ currency: c, segments: e.segments, total: formatCost(e.amount, c) })),
  };
}
