import { DateTime } from "luxon";
import { z } from "zod";
import { id } from "./common.js";
import { type Validation, validate } from "./validate.js";

export const MAX_RANGE_DAYS = 366;

/** A real calendar date `YYYY-MM-DD` (no 2026-02-30), read in the app's time zone by the caller. */
export const calendarDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && DateTime.fromISO(s, { zone: "UTC" }).isValid, {
    error: "must be a calendar date YYYY-MM-DD, e.g. 2026-11-20",
  })
  .meta({ format: "date", description: "A date in the app's time zone" });

/** Query of `GET /v1/apps/{appId}/campaigns/{campaignId}/analytics`. */
export const analyticsQuery = z.strictObject({
  instanceId: id.optional(),
  variantId: id.optional().meta({
    description: "Only this experiment arm's users: a variant id, or `control` (the control group)",
  }),
  from: calendarDate.optional(),
  to: calendarDate.optional(),
  format: z.enum(["json", "csv"]).default("json"),
});

export type AnalyticsQuery = z.output<typeof analyticsQuery>;

function days(from: string, to: string): number {
  const a = DateTime.fromISO(from, { zone: "UTC" });
  const b = DateTime.fromISO(to, { zone: "UTC" });
  return Math.round(b.diff(a, "days").days);
}

/** Validates the query string, including the rules across fields: from ≤ to, at most 366 days. */
export function validateAnalyticsQuery(
  query: Record<string, string | undefined> | undefined,
): Validation<AnalyticsQuery> {
  const result = validate(analyticsQuery, query ?? {}, "query");
  if (!result.ok) return result;
  const { from, to } = result.value;
  if (from !== undefined && to !== undefined) {
    const span = days(from, to);
    if (span < 0) {
      return { ok: false, errors: [{ field: "from", problem: `must not be after to (${to})` }] };
    }
    if (span + 1 > MAX_RANGE_DAYS) {
      return {
        ok: false,
        errors: [
          {
            field: "to",
            problem: `the range ${from} to ${to} spans ${span + 1} days; at most ${MAX_RANGE_DAYS} are allowed`,
          },
        ],
      };
    }
  }
  return result;
}
