import type { FieldProblem } from "./errors.js";

/** An app's settings (SPEC §2): its IANA time zone and ISO-4217 currency decide every day and amount. */
export interface AppSettings {
  name: string;
  timezone: string;
  currency: string;
}

/** An app (tenant) as stored; ISO-8601 times. */
export interface App extends AppSettings {
  appId: string;
  createdAt: string;
  updatedAt: string;
  /** When the app first sent or received events (ISO-8601); null while it has no data. */
  dataSince: string | null;
}

/**
 * What a settings change would rewrite (SPEC §2 "Settings and history"): once an app has data, its time
 * zone and currency are part of what was counted (days, amounts in minor units) and cannot change.
 */
export function appChangeConflicts(existing: App, next: AppSettings): FieldProblem[] {
  if (existing.dataSince === null) return [];
  const since = `the app has data since ${existing.dataSince}`;
  const out: FieldProblem[] = [];
  if (existing.timezone !== next.timezone) {
    out.push({
      field: "timezone",
      problem: `is ${existing.timezone} and cannot change: ${since}, counted in that time zone's days`,
    });
  }
  if (existing.currency !== next.currency) {
    out.push({
      field: "currency",
      problem: `is ${existing.currency} and cannot change: ${since}, its revenue counted in that currency`,
    });
  }
  return out;
}
