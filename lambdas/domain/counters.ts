import Big from "big.js";

/**
 * Daily counters as analytics reads them: app-local day (`YYYY-MM-DD`) → field → exact total.
 * Field names come from domain/counter-fields.
 */
export type DailyCounters = Map<string, Map<string, Big>>;

/** Sum of one field over every day. */
export function total(counters: DailyCounters, field: string): Big {
  let sum = new Big(0);
  for (const fields of counters.values()) sum = sum.plus(fields.get(field) ?? 0);
  return sum;
}

/** All fields whose name starts with `prefix`, summed over all days, keyed by the rest of the name. */
export function totalsByPrefix(counters: DailyCounters, prefix: string): Map<string, Big> {
  const out = new Map<string, Big>();
  for (const fields of counters.values()) {
    for (const [name, value] of fields) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      out.set(rest, (out.get(rest) ?? new Big(0)).plus(value));
    }
  }
  return out;
}
