import type { GoalSpec } from "./attribution.js";
import type { FieldProblem } from "./errors.js";
import type { VariantWeight } from "./experiment.js";

/** Delivered: attribution windows open at delivery (DLR); sent: at the send (no receipts). */
export type AttributionBasis = "delivered" | "sent";

export interface GoalSettings {
  goalId: string;
  eventName: string;
  primary?: boolean;
  revenueAttribute?: string;
  filters?: Record<string, string | number | boolean>;
}

/** A campaign's settings as a client gives them. */
export interface CampaignSettings {
  name: string;
  connectorId: string;
  clickTracking: boolean;
  conversionWindowHours: number;
  goals: GoalSettings[];
  /** Share of the campaign's users held back as a control group, percent 0–50 (SPEC §2 Experiment). */
  controlGroupPercent: number;
}

export interface Goal extends GoalSpec {
  /** Resolved: exactly one goal is primary. */
  primary: boolean;
}

/** A campaign as stored: settings resolved once, so readers never re-derive them. ISO-8601 times. */
export interface Campaign {
  appId: string;
  campaignId: string;
  name: string;
  connectorId: string;
  /** The connector's provider when the campaign was last written. */
  provider: string;
  clickTracking: boolean;
  conversionWindowHours: number;
  goals: Goal[];
  primaryGoalId: string;
  revenueGoalId: string | null;
  attributionBasis: AttributionBasis;
  /** Share of users held back (never sent), percent 0–50; fixed once the campaign has sent. */
  controlGroupPercent: number;
  /** Secret key of the arm assignment (domain/experiment `assignArm`): never shown, never changed. */
  experimentSalt: string;
  /**
   * The variants the campaign's first send request fixed, in its order (a plain `message` is
   * `default` 100); null before it sent. Later requests must send the same ids and weights, so every
   * user stays in one arm across instances.
   */
  variants: VariantWeight[] | null;
  createdAt: string;
  updatedAt: string;
  /** When it was archived (no new sends); null while live. */
  archivedAt: string | null;
}

/** A campaign as the API shows it: everything but the assignment's secret. */
export type CampaignShown = Omit<Campaign, "experimentSalt">;

export function showCampaign(c: Campaign): CampaignShown {
  const { experimentSalt: _secret, ...view } = c;
  return view;
}

/** Whether the campaign runs an experiment: a control group, or variants beyond a plain message. */
export function hasExperiment(c: Pick<Campaign, "controlGroupPercent" | "variants">): boolean {
  return c.controlGroupPercent > 0 || (c.variants !== null && c.variants.length > 1);
}

/** The primary goal: the one marked `primary`, else the first (SPEC §2). */
export function primaryGoalId(goals: readonly GoalSettings[]): string {
  const goal = goals.find((g) => g.primary === true) ?? goals[0];
  if (!goal) throw new Error("a campaign has at least one goal");
  return goal.goalId;
}

/** The goal whose events carry revenue, if any. */
export function revenueGoalId(goals: readonly GoalSettings[]): string | null {
  return goals.find((g) => g.revenueAttribute !== undefined)?.goalId ?? null;
}

/** The stored form of settings for a connector of `provider` that does (not) track delivery. */
export function resolveCampaign(
  settings: CampaignSettings,
  connector: { provider: string; tracksDelivery: boolean },
): Omit<
  Campaign,
  "appId" | "campaignId" | "createdAt" | "updatedAt" | "archivedAt" | "experimentSalt" | "variants"
> {
  const primary = primaryGoalId(settings.goals);
  return {
    name: settings.name,
    connectorId: settings.connectorId,
    provider: connector.provider,
    clickTracking: settings.clickTracking,
    conversionWindowHours: settings.conversionWindowHours,
    goals: settings.goals.map((g): Goal => ({ ...g, primary: g.goalId === primary })),
    primaryGoalId: primary,
    revenueGoalId: revenueGoalId(settings.goals),
    attributionBasis: connector.tracksDelivery ? "delivered" : "sent",
    controlGroupPercent: settings.controlGroupPercent,
  };
}

/**
 * What a settings change would rewrite (SPEC §2): once a campaign has sent, moving it to a connector
 * with another attribution basis would change the base of every conversion rate already reported, and
 * another control-group share would move users between arms (domain/experiment `assignArm`).
 */
export function campaignChangeConflicts(
  existing: Campaign,
  next: { attributionBasis: AttributionBasis; connectorId: string; controlGroupPercent: number },
  hasSent: boolean,
): FieldProblem[] {
  if (!hasSent) return [];
  const problems: FieldProblem[] = [];
  if (existing.attributionBasis !== next.attributionBasis) {
    problems.push({
      field: "connectorId",
      problem: `connector ${next.connectorId} attributes by ${next.attributionBasis}, this campaign by ${existing.attributionBasis}: a campaign that has sent keeps its attribution basis (use a new campaign)`,
    });
  }
  if (existing.controlGroupPercent !== next.controlGroupPercent) {
    problems.push({
      field: "controlGroupPercent",
      problem: `is ${existing.controlGroupPercent} since the campaign first sent: another share would move users between the control group and the variants (use a new campaign)`,
    });
  }
  return problems;
}

/**
 * Whether a send request's variants are the campaign's (same ids, weights and order): the first send
 * fixes them, so a user's arm is the same in every instance.
 */
export function sameVariants(a: readonly VariantWeight[], b: readonly VariantWeight[]): boolean {
  return (
    a.length === b.length && a.every((v, i) => v.variantId === b[i]?.variantId && v.weight === b[i]?.weight)
  );
}
