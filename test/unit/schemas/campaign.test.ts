import { describe, expect, it } from "vitest";
import { primaryGoalId, revenueGoalId } from "../../../lambdas/domain/campaign.js";
import { campaignInput, type GoalInput } from "../../../lambdas/schemas/campaign.js";
import type { FieldError } from "../../../lambdas/schemas/issues.js";
import { validate } from "../../../lambdas/schemas/validate.js";

function errors(body: unknown): FieldError[] {
  const result = validate(campaignInput, body);
  if (result.ok) throw new Error("expected the body to be rejected");
  return result.errors;
}

const base = { name: "Black Friday", connectorId: "gs" };

describe("campaign body", () => {
  it("fills the defaults: no click tracking, a 36-hour window", () => {
    const result = validate(campaignInput, {
      ...base,
      goals: [{ goalId: "purchase", eventName: "Purchase" }],
    });
    expect(result.ok && result.value.clickTracking).toBe(false);
    expect(result.ok && result.value.conversionWindowHours).toBe(36);
  });

  it("makes the first goal primary when none says so, else the one marked", () => {
    const goals: GoalInput[] = [
      { goalId: "signup", eventName: "Signup" },
      { goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" },
    ];
    expect(primaryGoalId(goals)).toBe("signup");
    expect(primaryGoalId([goals[0] as GoalInput, { ...(goals[1] as GoalInput), primary: true }])).toBe(
      "purchase",
    );
    expect(revenueGoalId(goals)).toBe("purchase");
    expect(revenueGoalId([{ goalId: "a", eventName: "A" }])).toBeNull();
  });

  it("rejects two primary goals, naming the second", () => {
    expect(
      errors({
        ...base,
        goals: [
          { goalId: "a", eventName: "A", primary: true },
          { goalId: "b", eventName: "B", primary: true },
        ],
      }),
    ).toEqual([
      { field: "goals[1].primary", problem: "goals[0] is already primary; exactly one goal can be primary" },
    ]);
  });

  it("rejects two revenue goals", () => {
    expect(
      errors({
        ...base,
        goals: [
          { goalId: "a", eventName: "A", revenueAttribute: "v" },
          { goalId: "b", eventName: "B", revenueAttribute: "w" },
        ],
      }),
    ).toEqual([{ field: "goals[1].revenueAttribute", problem: expect.stringContaining("at most one goal") }]);
  });

  it("rejects duplicate goal ids", () => {
    expect(
      errors({
        ...base,
        goals: [
          { goalId: "a", eventName: "A" },
          { goalId: "a", eventName: "B" },
        ],
      }),
    ).toEqual([{ field: "goals[1].goalId", problem: expect.stringContaining("must be unique") }]);
  });

  it("requires 1 to 20 goals", () => {
    expect(errors({ ...base, goals: [] })).toEqual([
      { field: "goals", problem: "must have at least 1 item" },
    ]);
    const many = Array.from({ length: 21 }, (_, i) => ({ goalId: `g${i}`, eventName: "E" }));
    expect(errors({ ...base, goals: many })).toEqual([
      { field: "goals", problem: "must have at most 20 items" },
    ]);
  });

  it("bounds the window to 1..720 whole hours", () => {
    const goals = [{ goalId: "a", eventName: "A" }];
    expect(errors({ ...base, goals, conversionWindowHours: 0 })).toEqual([
      { field: "conversionWindowHours", problem: "must be at least 1" },
    ]);
    expect(errors({ ...base, goals, conversionWindowHours: 721 })).toEqual([
      { field: "conversionWindowHours", problem: "must be at most 720" },
    ]);
  });

  it("names bad goal fields and filter values", () => {
    expect(
      errors({
        ...base,
        connectorId: "bad id",
        goals: [{ goalId: "a", eventName: "", filters: { plan: ["pro"] } }],
      }),
    ).toEqual([
      { field: "connectorId", problem: expect.stringContaining("1 to 128 characters") },
      { field: "goals[0].eventName", problem: "must be at least 1 character long" },
      { field: "goals[0].filters.plan", problem: "must be a string, number or boolean" },
    ]);
  });
});
