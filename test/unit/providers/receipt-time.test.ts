import { describe, expect, it } from "vitest";
import { timeMs } from "../../../lambdas/providers/receipt-input.js";

const utc = (iso: string): number => Date.parse(iso);

describe("receipt times without a format: only unambiguous forms", () => {
  it.each([
    ["ISO-8601 with an offset", "2026-11-25T10:30:00+05:30", utc("2026-11-25T05:00:00Z")],
    ["ISO-8601 with Z and a fraction", "2026-11-25T10:30:00.250Z", utc("2026-11-25T10:30:00.250Z")],
    ["RFC 3339 space and lower-case z", "2026-11-25 10:30:00z", utc("2026-11-25T10:30:00Z")],
    ["ISO-8601 with a basic offset", "2026-11-25T10:30:00-0500", utc("2026-11-25T15:30:00Z")],
    ["13-digit epoch ms", "1764066600123", 1764066600123],
    ["13-digit epoch ms as a JSON number", 1764066600123, 1764066600123],
    ["10-digit epoch seconds", "1764066600", 1764066600000],
    ["10-digit epoch seconds as a JSON number", 1764066600, 1764066600000],
    ["padded", " 1764066600 ", 1764066600000],
  ] as const)("%s", (_name, value, expected) => {
    expect(timeMs(value)).toBe(expected);
  });

  it.each([
    ["a 12-digit SMPP done date", "261125103000"],
    ["the same as a JSON number", 261125103000],
    ["ISO-8601 without a zone", "2026-11-25T10:30:00"],
    ["a date without a time", "2026-11-25"],
    ["an 11-digit number", "17640666001"],
    ["a 9-digit number", "176406660"],
    ["fractional epoch seconds", "1764066600.5"],
    ["a week date", "2026-W48-3T10:00:00Z"],
    ["an impossible date", "2026-02-30T10:00:00Z"],
    ["words", "yesterday"],
    ["blank", "  "],
    ["nothing", undefined],
  ] as const)("%s → null (the arrival time is used)", (_name, value) => {
    expect(timeMs(value)).toBeNull();
  });
});

describe("receipt times in a named format: exactly that format", () => {
  it("epochSeconds and epochMillis: any positive decimal number in that unit", () => {
    expect(timeMs("1764066600", { format: "epochSeconds" })).toBe(1764066600000);
    expect(timeMs(1764066600.5, { format: "epochSeconds" })).toBe(1764066600500);
    expect(timeMs("1764066600123", { format: "epochMillis" })).toBe(1764066600123);
    expect(timeMs(1764066600, { format: "epochMillis" })).toBe(1764066600);
    for (const format of ["epochSeconds", "epochMillis"] as const) {
      for (const bad of ["2026-11-25T10:30:00Z", "0", "-5", "1e9", "abc", ""]) {
        expect(timeMs(bad, { format })).toBeNull();
      }
    }
  });

  it("iso8601: an offset wins; without one the mapping's zone (default UTC) applies", () => {
    expect(timeMs("2026-11-25T10:30:00+05:30", { format: "iso8601", timeZone: "America/New_York" })).toBe(
      utc("2026-11-25T05:00:00Z"),
    );
    expect(timeMs("2026-11-25T10:30:00", { format: "iso8601" })).toBe(utc("2026-11-25T10:30:00Z"));
    expect(timeMs("2026-11-25 10:30:00", { format: "iso8601", timeZone: "Asia/Kolkata" })).toBe(
      utc("2026-11-25T05:00:00Z"),
    );
    expect(timeMs("2026-11-25", { format: "iso8601", timeZone: "Asia/Kolkata" })).toBe(
      utc("2026-11-24T18:30:00Z"),
    );
    for (const bad of ["1764066600", "261125103000", "25/11/2026 10:30", "2026-11-25T25:00:00"]) {
      expect(timeMs(bad, { format: "iso8601" })).toBeNull();
    }
  });

  it("smpp: YYMMDDhhmm (SMPP v3.4 Appendix B done date) or YYMMDDhhmmss, in the mapping's zone", () => {
    expect(timeMs("261125103000", { format: "smpp" })).toBe(utc("2026-11-25T10:30:00Z"));
    expect(timeMs("261125103045", { format: "smpp" })).toBe(utc("2026-11-25T10:30:45Z"));
    expect(timeMs("2611251030", { format: "smpp" })).toBe(utc("2026-11-25T10:30:00Z"));
    expect(timeMs(261125103000, { format: "smpp" })).toBe(utc("2026-11-25T10:30:00Z"));
    expect(timeMs("261125103000", { format: "smpp", timeZone: "Asia/Kolkata" })).toBe(
      utc("2026-11-25T05:00:00Z"),
    );
    // Daylight saving: New York is UTC-4 in July and UTC-5 in November.
    expect(timeMs("2607011200", { format: "smpp", timeZone: "America/New_York" })).toBe(
      utc("2026-07-01T16:00:00Z"),
    );
    expect(timeMs("2611011200", { format: "smpp", timeZone: "America/New_York" })).toBe(
      utc("2026-11-01T17:00:00Z"),
    );
    for (const bad of [
      "261325103000",
      "261131103000",
      "261125243000",
      "26112510300",
      "1764066600123",
      "2026-11-25",
    ]) {
      expect(timeMs(bad, { format: "smpp" })).toBeNull();
    }
  });

  it("an unknown zone reads nothing that needs it", () => {
    expect(timeMs("261125103000", { format: "smpp", timeZone: "Mars/Olympus" })).toBeNull();
    expect(timeMs("2026-11-25T10:30:00", { format: "iso8601", timeZone: "Mars/Olympus" })).toBeNull();
    expect(timeMs("2026-11-25T10:30:00Z", { format: "iso8601", timeZone: "Mars/Olympus" })).toBe(
      utc("2026-11-25T10:30:00Z"),
    );
  });
});
