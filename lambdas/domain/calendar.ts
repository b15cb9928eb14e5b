import { DateTime } from "luxon";

/** The app-local calendar day (`YYYY-MM-DD`) an instant falls on; DST and offsets like +05:45 included. */
export function localDay(epochMs: number, timezone: string): string {
  const day = DateTime.fromMillis(epochMs, { zone: timezone }).toISODate();
  if (!day) throw new Error(`invalid timezone ${timezone}`);
  return day;
}

/** Every calendar day from `from` to `to` inclusive (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  let d = DateTime.fromISO(from, { zone: "UTC" });
  const end = DateTime.fromISO(to, { zone: "UTC" });
  while (d <= end) {
    days.push(d.toISODate() as string);
    d = d.plus({ days: 1 });
  }
  return days;
}
