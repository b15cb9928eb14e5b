import { describe, expect, it } from "vitest";
import { validateAnalyticsQuery } from "../../../lambdas/schemas/analytics.js";

describe("validateAnalyticsQuery", () => {
  it("defaults to JSON over everything", () => {
    expect(validateAnalyticsQuery(undefined)).toEqual({ ok: true, value: { format: "json" } });
  });

  it("accepts an instance, a date range within 366 days and csv", () => {
    expect(
      validateAnalyticsQuery({ instanceId: "i1", from: "2024-01-01", to: "2024-12-31", format: "csv" }),
    ).toEqual({ ok: true, value: { instanceId: "i1", from: "2024-01-01", to: "2024-12-31", format: "csv" } });
  });

  it("rejects dates that are not real calendar dates", () => {
    expect(validateAnalyticsQuery({ from: "2026-02-30", to: "2026-13-01" })).toEqual({
      ok: false,
      errors: [
        { field: "from", problem: expect.stringContaining("calendar date YYYY-MM-DD") },
        { field: "to", problem: expect.stringContaining("calendar date YYYY-MM-DD") },
      ],
    });
    expect(validateAnalyticsQuery({ from: "2026-11-1" }).ok).toBe(false);
    expect(validateAnalyticsQuery({ from: "2024-02-29" }).ok).toBe(true);
  });

  it("rejects from after to", () => {
    expect(validateAnalyticsQuery({ from: "2026-11-27", to: "2026-11-26" })).toEqual({
      ok: false,
      errors: [{ field: "from", problem: "must not be after to (2026-11-26)" }],
    });
  });

  it("allows exactly 366 days and rejects 367", () => {
    expect(validateAnalyticsQuery({ from: "2024-01-01", to: "2024-12-31" }).ok).toBe(true);
    expect(validateAnalyticsQuery({ from: "2025-01-01", to: "2026-01-02" })).toEqual({
      ok: false,
      errors: [
        {
          field: "to",
          problem: "the range 2025-01-01 to 2026-01-02 spans 367 days; at most 366 are allowed",
        },
      ],
    });
  });

  it("rejects unknown parameters, bad formats and bad instance ids", () => {
    expect(validateAnalyticsQuery({ format: "xml", instanceId: "a b", form: "2026-01-01" })).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { field: "format", problem: 'must be one of "json", "csv"' },
        { field: "instanceId", problem: expect.stringContaining("1 to 128 characters") },
        { field: "form", problem: "is not a recognised field" },
      ]),
    });
  });
});
