import { describe, expect, it } from "vitest";
import { validateEvents } from "../../../lambdas/schemas/events.js";

const NOW = Date.parse("2026-11-26T12:00:00Z");
const event = (i: number, time = "2026-11-26T10:00:00+05:30"): Record<string, unknown> => ({
  eventId: `e${i}`,
  userId: "u1",
  name: "Purchase",
  time,
  attributes: { order_value: 19.99, coupon: null },
});

describe("validateEvents", () => {
  it("accepts up to 500 events, null attributes included", () => {
    const result = validateEvents({ events: Array.from({ length: 500 }, (_, i) => event(i)) }, NOW);
    expect(result.ok).toBe(true);
  });

  it("rejects 501 events and an empty batch", () => {
    expect(validateEvents({ events: Array.from({ length: 501 }, (_, i) => event(i)) }, NOW)).toEqual({
      ok: false,
      errors: [{ field: "events", problem: "must have at most 500 items" }],
    });
    expect(validateEvents({ events: [] }, NOW)).toEqual({
      ok: false,
      errors: [{ field: "events", problem: "must have at least 1 item" }],
    });
  });

  it("allows 5 minutes of clock skew and rejects anything further in the future, per entry", () => {
    const atLimit = event(0, "2026-11-26T12:05:00Z");
    const beyond = event(1, "2026-11-26T17:35:01+05:30"); // 12:05:01Z
    const result = validateEvents({ events: [atLimit, beyond] }, NOW);
    expect(result).toEqual({
      ok: false,
      errors: [{ field: "events[1].time", problem: "is more than 5 minutes in the future" }],
    });
  });

  it("reports every entry's problems at once, shape and future alike", () => {
    const result = validateEvents(
      {
        events: [
          event(0),
          { ...event(1), time: "2026-11-26T10:00:00" },
          { ...event(2), name: "" },
          event(3, "2027-01-01T00:00:00Z"),
          { ...event(4), attributes: { nested: { a: 1 } } },
        ],
      },
      NOW,
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: "events[1].time", problem: expect.stringContaining("with an offset") },
        { field: "events[2].name", problem: "must be at least 1 character long" },
        { field: "events[4].attributes.nested", problem: "must be a string, number, boolean or null" },
        { field: "events[3].time", problem: "is more than 5 minutes in the future" },
      ],
    });
  });

  it("rejects a body that is not an object with events", () => {
    expect(validateEvents(null, NOW)).toEqual({
      ok: false,
      errors: [{ field: "body", problem: "must be an object, not null" }],
    });
    expect(validateEvents({ event: [] }, NOW)).toEqual({
      ok: false,
      errors: [
        { field: "events", problem: "is required" },
        { field: "event", problem: "is not a recognised field" },
      ],
    });
  });
});
