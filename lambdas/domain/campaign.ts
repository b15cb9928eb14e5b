import type { GoalSpec } from "./attribution.js";
import type { FieldProblem } from "./errors.js";

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
  createdAt: string;
  updatedAt: string;
  /** When it was archived (no new sends); null while live. */
  archivedAt: string | null;
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
): Omit<Campaign, "appId" | "campaignId" | "createdAt" | "updatedAt" | "archivedAt"> {
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
  };
}

/**
 * What a settings change would rewrite (SPEC §2): once a campaign has sent, moving it to a connector
 * with another attribution basis would change the base of every conversion rate already reported.
 */
export function campaignChangeConflicts(
  existing: Campaign,
  next: { attributionBasis: AttributionBasis; connectorId: string },
  hasSent: boolean,
): FieldProblem[] {
  if (!hasSent || existing.attributionBasis === next.attributionBasis) return [];
  return [
    {
      field: "connectorId",
      problem: `connector ${next.connectorId} attributes by ${next.attributionBasis}, this campaign by ${existing.attributionBasis}: a campaign that has sent keeps its attribution basis (use a new campaign)`,
    },
  ];
}
