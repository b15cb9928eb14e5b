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

/** Return on spend: revenue ÷ cost as "12.5×", or an em dash when the API has none. */
export function times(n: number | null): string {
  return n === null ? "—" : `${percent.format(n)}×`;
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

const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** 950, 1.2K, 3M: axis ticks, where space is short. */
export function compact(n: number): string {
  return compactFormat.format(n);
}

// A calendar day `YYYY-MM-DD` is read as UTC midnight and printed in UTC: the same day, in any browser.
const shortDay = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const longDay = new Intl.DateTimeFormat("en-US", {
  weekday: "short",
  month: "short",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});

/** `2026-11-20` → "Nov 20" (axis labels). */
export function dayLabel(date: string): string {
  return shortDay.format(new Date(`${date}T00:00:00Z`));
}

/** `2026-11-20` → "Fri, Nov 20, 2026" (tooltips, captions). */
export function dayLong(date: string): string {
  return longDay.format(new Date(`${date}T00:00:00Z`));
}

/**
 * When an instance was sent, in the app's time zone: "Nov 20, 2026, 10:00", "Nov 20, 2026, 10:00–10:05"
 * when it was sent within one day, "Nov 20, 2026, 10:00 – Nov 22, 2026, 09:30" otherwise.
 * @throws RangeError for a time zone the browser does not know (the API only stores IANA names)
 */
export function sendSpan(firstIso: string, lastIso: string, timezone: string): string {
  const day = new Intl.DateTimeFormat("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: timezone,
  });
  const time = new Intl.DateTimeFormat("en-US", {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: timezone,
  });
  const first = new Date(firstIso);
  const last = new Date(lastIso);
  const start = `${day.format(first)}, ${time.format(first)}`;
  if (time.format(first) === time.format(last) && day.format(first) === day.format(last)) return start;
  if (day.format(first) === day.format(last)) return `${start}–${time.format(last)}`;
  return `${start} – ${day.format(last)}, ${time.format(last)}`;
}
