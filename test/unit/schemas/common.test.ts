import { describe, expect, it } from "vitest";
import { appInput } from "../../../lambdas/schemas/app.js";
import { id, isoDateTime } from "../../../lambdas/schemas/common.js";
import { fieldPath } from "../../../lambdas/schemas/issues.js";
import { validate } from "../../../lambdas/schemas/validate.js";

describe("fieldPath", () => {
  it("writes array indexes in brackets and nested fields with dots", () => {
    expect(fieldPath(["recipients", 3, "phone"])).toBe("recipients[3].phone");
    expect(fieldPath(["custom", "receipt", "delivered", 0])).toBe("custom.receipt.delivered[0]");
    expect(fieldPath([])).toBe("body");
    expect(fieldPath([], "query")).toBe("query");
  });
});

describe("id", () => {
  it("accepts letters, digits and _ . : - up to 128 characters", () => {
    expect(id.safeParse("Acme_1.prod:eu-2").success).toBe(true);
    expect(id.safeParse("a".repeat(128)).success).toBe(true);
  });

  it.each([["a".repeat(129)], [""], ["a b"], ["a#b"], ["a/b"], ["é"]])("rejects %j", (value) => {
    const result = validate(id, value, "appId");
    expect(result).toEqual({
      ok: false,
      errors: [{ field: "appId", problem: expect.stringContaining("1 to 128 characters") }],
    });
  });
});

describe("isoDateTime", () => {
  it.each(["2026-11-26T10:00:00+05:30", "2026-11-26T10:00:00+05:45", "2026-11-26T04:30:00.123Z"])(
    "accepts %s",
    (value) => expect(isoDateTime.safeParse(value).success).toBe(true),
  );

  it.each(["2026-11-26T10:00:00", "2026-11-26", "2026-02-30T10:00:00Z", "yesterday"])(
    "rejects %s (no offset or not a real time)",
    (value) => {
      const result = validate(isoDateTime, value, "time");
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors[0]?.problem).toContain("with an offset");
    },
  );
});

describe("app body", () => {
  it("defaults timezone to UTC and currency to USD", () => {
    expect(validate(appInput, { name: "Acme" })).toEqual({
      ok: true,
      value: { name: "Acme", timezone: "UTC", currency: "USD" },
    });
  });

  it("accepts IANA zones with odd offsets and ISO-4217 currencies", () => {
    const result = validate(appInput, { name: "Acme", timezone: "Asia/Kathmandu", currency: "KWD" });
    expect(result.ok).toBe(true);
  });

  it("names each bad field and its problem", () => {
    const result = validate(appInput, { name: "", timezone: "Mars/Olympus", currency: "usd", color: "red" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { field: "name", problem: "must be at least 1 character long" },
        { field: "timezone", problem: expect.stringContaining("IANA time zone") },
        { field: "currency", problem: expect.stringContaining("ISO-4217") },
        { field: "color", problem: "is not a recognised field" },
      ]),
    );
    expect(result.errors).toHaveLength(4);
  });

  it("rejects a name over 200 characters and a missing name", () => {
    expect(validate(appInput, { name: "x".repeat(201) })).toEqual({
      ok: false,
      errors: [{ field: "name", problem: "must be at most 200 characters long" }],
    });
    expect(validate(appInput, {})).toEqual({
      ok: false,
      errors: [{ field: "name", problem: "is required" }],
    });
  });

  it("says what type was expected", () => {
    expect(validate(appInput, { name: 42 })).toEqual({
      ok: false,
      errors: [{ field: "name", problem: "must be a string, not a number" }],
    });
    expect(validate(appInput, [])).toEqual({
      ok: false,
      errors: [{ field: "body", problem: "must be an object, not an array" }],
    });
  });
});
