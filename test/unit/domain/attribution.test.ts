import { describe, expect, it } from "vitest";
import {
  type AppEvent,
  type GoalSpec,
  inWindow,
  matchingGoals,
  planConversion,
  sumBy,
  windowOf,
} from "../../../lambdas/domain/attribution.js";

const H = 3_600_000;
const t0 = Date.UTC(2026, 10, 20, 6);
const ev = (
  eventId: string,
  at: number,
  attributes: AppEvent["attributes"] = {},
  name = "Purchase",
): AppEvent => ({
  eventId,
  userId: "u1",
  name,
  at,
  attributes,
});
const goal = { goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" };
const opts = { isPrimary: true, isRevenue: true, tz: "UTC" };
const at = (e: AppEvent, instanceId = "i1") => ({ event: e, instanceId, sentAt: t0 - H });

describe("attribution windows", () => {
  it("opens at delivery for tracked messages and at send without tracking; the end is excluded", () => {
    const w = windowOf({ status: "DELIVERED", deliveredAt: t0, sentAt: t0 - H, windowHours: 36 });
    expect(w).toEqual({ start: t0, end: t0 + 36 * H });
    expect(inWindow(w!, t0)).toBe(true);
    expect(inWindow(w!, t0 - 1)).toBe(false);
    expect(inWindow(w!, t0 + 36 * H - 1)).toBe(true);
    expect(inWindow(w!, t0 + 36 * H)).toBe(false);
    expect(windowOf({ status: "UNTRACKED", deliveredAt: null, sentAt: t0, windowHours: 36 })?.start).toBe(t0);
    expect(windowOf({ status: "SENT", deliveredAt: null, sentAt: t0, windowHours: 36 })).toBeNull();
    expect(windowOf({ status: "FAILED", deliveredAt: null, sentAt: t0, windowHours: 36 })).toBeNull();
  });

  it("matches goals by name and every filter, strictly", () => {
    const goals: GoalSpec[] = [
      { goalId: "a", eventName: "Signup", filters: { plan: "pro" } },
      { goalId: "b", eventName: "Signup" },
      { goalId: "c", eventName: "Signup", filters: { seats: 5 } },
    ];
    expect(matchingGoals(goals, ev("e", t0, { plan: "pro" }, "Signup")).map((g) => g.goalId)).toEqual([
      "a",
      "b",
    ]);
    expect(
      matchingGoals(goals, ev("e", t0, { plan: "free", seats: "5" }, "Signup")).map((g) => g.goalId),
    ).toEqual(["b"]);
    expect(matchingGoals(goals, ev("e", t0, { seats: 5 }, "Signup")).map((g) => g.goalId)).toEqual([
      "b",
      "c",
    ]);
  });
});

describe("conversion planning", () => {
  it("counts each event once, the user once, and revenue exactly", () => {
    const first = planConversion(
      null,
      [at(ev("e1", t0, { order_value: 19.99 })), at(ev("e2", t0 + H, { order_value: "0.01" }))],
      goal,
      opts,
    );
    expect(sumBy(first!.deltas, "goal|events|purchase").toNumber()).toBe(2);
    expect(sumBy(first!.deltas, "goal|users|purchase").toNumber()).toBe(1);
    expect(sumBy(first!.deltas, "goal|revenue|purchase").toString()).toBe("20");
    const again = planConversion(first!.next, [at(ev("e1", t0, { order_value: 19.99 }), "i2")], goal, opts);
    expect(again).toBeNull();
  });

  it("counts an event with a missing or non-numeric revenue as a conversion without revenue", () => {
    const p = planConversion(
      null,
      [at(ev("e1", t0, { order_value: "abc" })), at(ev("e2", t0, {}))],
      goal,
      opts,
    );
    expect(sumBy(p!.deltas, "goal|events|purchase").toNumber()).toBe(2);
    expect(sumBy(p!.deltas, "goal|norevenue|purchase").toNumber()).toBe(2);
    expect(sumBy(p!.deltas, "goal|revenue|purchase").toNumber()).toBe(0);
  });

  it("moves the unique user to the day of an earlier event that arrives late", () => {
    const later = planConversion(null, [at(ev("e2", t0 + 24 * H))], goal, opts);
    const earlier = planConversion(later!.next, [at(ev("e1", t0))], goal, opts);
    const users = earlier!.deltas.filter((d) => d.field === "goal|users|purchase");
    expect(users).toEqual([
      { day: "2026-11-21", field: "goal|users|purchase", by: -1, instanceId: "i1" },
      { day: "2026-11-20", field: "goal|users|purchase", by: 1, instanceId: "i1" },
    ]);
  });

  it("counts an event once per campaign and the user once per instance", () => {
    const first = planConversion(null, [at(ev("e1", t0), "i1")], goal, opts);
    // The same event through another instance's window: already counted for this campaign.
    expect(planConversion(first!.next, [at(ev("e1", t0), "i2")], goal, opts)).toBeNull();
    const second = planConversion(first!.next, [at(ev("e2", t0 + H), "i2")], goal, opts);
    expect(second!.deltas.filter((d) => d.field === "goal|users|purchase")).toEqual([
      { day: "2026-11-20", field: "goal|users|purchase", by: 1, instanceId: "i2" },
    ]);
  });
});
