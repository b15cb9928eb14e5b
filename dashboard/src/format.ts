const integer = new Intl.NumberFormat("en-US");
const percent = new Intl.NumberFormat("en-US", { minimumFractionDigits: 0, maximumFractionDigits: 2 });

/** 12,345 */
export function count(n: number): string {
  return integer.format(n);
}

/** 42.5 % or an em dash when the API has no base to divide by. */
export function rate(n: number | null): string {
  return n === null ? "—" : `${percent.format(n)} %`;
}

/**
 * Money from the API's exact decimal string, grouped, without going through a float (amounts stay
 * exact), prefixed by the ISO currency code.
 */
export function money(amount: string | null | undefined, currency?: string): string {
  if (amount === null || amount === undefined) return "—";
  const negative = amount.startsWith("-");
  const [whole = "0", fraction] = (negative ? amount.slice(1) : amount).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = `${negative ? "−" : ""}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
  return currency ? `${currency} ${text}` : text;
}

/** 45 s, 12 min, 3.5 h */
export function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 90) return `${percent.format(seconds)} s`;
  if (seconds < 90 * 60) return `${percent.format(Math.round(seconds / 6) / 10)} min`;
  return `${percent.format(Math.round(seconds / 360) / 10)} h`;
}

/** Share of a step relative to the first funnel step, for bar widths: 0–100. */
export function share(part: number, whole: number): number {
  return whole > 0 ? Math.min(100, Math.max(0, (part / whole) * 100)) : 0;
}
