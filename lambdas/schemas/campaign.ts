import { z } from "zod";
import { MAX_CONTROL_GROUP_PERCENT } from "../domain/experiment.js";
import { id, scalar } from "./common.js";

const goal = z.strictObject({
  goalId: id,
  eventName: z.string().min(1).max(128),
  primary: z.boolean().optional(),
  /** A numeric event attribute summed as revenue, e.g. `order_value`. */
  revenueAttribute: z.string().min(1).max(128).optional(),
  /** Attribute values the event must all equal to count for this goal. */
  filters: z.record(z.string().min(1).max(128), scalar).optional(),
});

/** `PUT /v1/apps/{appId}/campaigns/{campaignId}`. */
export const campaignInput = z
  .strictObject({
    name: z.string().min(1).max(200),
    connectorId: id,
    clickTracking: z.boolean().default(false),
    conversionWindowHours: z.number().int().min(1).max(720).default(36),
    goals: z.array(goal).min(1).max(20),
    /** Share of the campaign's users held back (never sent) to measure uplift, percent 0–50 (SPEC §2). */
    controlGroupPercent: z.number().min(0).max(MAX_CONTROL_GROUP_PERCENT).default(0),
  })
  .superRefine((value, ctx) => {
    const firstIndex = new Map<string, number>();
    let primaryAt: number | undefined;
    let revenueAt: number | undefined;
    value.goals.forEach((g, i) => {
      const earlier = firstIndex.get(g.goalId);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["goals", i, "goalId"],
          message: `duplicates goals[${earlier}].goalId "${g.goalId}"; goal ids must be unique`,
        });
      } else firstIndex.set(g.goalId, i);
      if (g.primary === true) {
        if (primaryAt !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["goals", i, "primary"],
            message: `goals[${primaryAt}] is already primary; exactly one goal can be primary`,
          });
        } else primaryAt = i;
      }
      if (g.revenueAttribute !== undefined) {
        if (revenueAt !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["goals", i, "revenueAttribute"],
            message: `goals[${revenueAt}] already has a revenueAttribute; at most one goal can track revenue`,
          });
        } else revenueAt = i;
      }
    });
  });

export type CampaignInput = z.output<typeof campaignInput>;
export type GoalInput = CampaignInput["goals"][number];
