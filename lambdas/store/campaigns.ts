import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { InvalidInputError } from "../domain/errors.js";
import { type CampaignInput, type GoalInput, primaryGoalId, revenueGoalId } from "../schemas/campaign.js";
import { type Provider, tracksDelivery } from "../schemas/connector.js";
import { dynamo } from "./client.js";
import { isConditionFailure } from "./conditions.js";
import { getConnector } from "./connectors.js";
import { keys } from "./keys.js";
import { tableName } from "./table.js";

/** Delivered: attribution windows open at delivery (DLR); sent: at the send (no receipts). */
export type AttributionBasis = "delivered" | "sent";

export interface Goal extends GoalInput {
  /** Resolved: exactly one goal is primary. */
  primary: boolean;
}

export interface CampaignRecord {
  appId: string;
  campaignId: string;
  name: string;
  connectorId: string;
  /** The connector's provider when the campaign was last written. */
  provider: Provider;
  clickTracking: boolean;
  conversionWindowHours: number;
  goals: Goal[];
  primaryGoalId: string;
  revenueGoalId: string | null;
  attributionBasis: AttributionBasis;
  createdAt: string;
  updatedAt: string;
}

export interface PutCampaignResult {
  created: boolean;
  campaign: CampaignRecord;
}

const MAX_ATTEMPTS = 3;

/**
 * Create-or-update. The connector must exist in the same app (400 on `connectorId` otherwise); the
 * primary goal, revenue goal and attribution basis are resolved here once, so readers never re-derive them.
 */
export async function putCampaign(
  appId: string,
  campaignId: string,
  input: CampaignInput,
  nowMs: number,
): Promise<PutCampaignResult> {
  const connector = await getConnector(appId, input.connectorId);
  if (!connector) {
    throw new InvalidInputError("The request is invalid", [
      { field: "connectorId", problem: `no connector "${input.connectorId}" exists in this app` },
    ]);
  }
  const now = new Date(nowMs).toISOString();
  const primary = primaryGoalId(input.goals);
  const resolved = {
    name: input.name,
    connectorId: input.connectorId,
    provider: connector.provider,
    clickTracking: input.clickTracking,
    conversionWindowHours: input.conversionWindowHours,
    goals: input.goals.map((g): Goal => ({ ...g, primary: g.goalId === primary })),
    primaryGoalId: primary,
    revenueGoalId: revenueGoalId(input.goals),
    attributionBasis: (tracksDelivery(connector) ? "delivered" : "sent") as AttributionBasis,
  };
  for (let attempt = 1; ; attempt++) {
    const campaign: CampaignRecord = { appId, campaignId, ...resolved, createdAt: now, updatedAt: now };
    try {
      await dynamo().send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...keys.campaign(appId, campaignId), type: "campaign", ...campaign },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { created: true, campaign };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const names: Record<string, string> = { "#updatedAt": "updatedAt" };
    const values: Record<string, unknown> = { ":updatedAt": now };
    const sets = ["#updatedAt = :updatedAt"];
    for (const [field, value] of Object.entries(resolved)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      const out = await dynamo().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.campaign(appId, campaignId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return { created: false, campaign: toRecord(out.Attributes ?? {}) };
    } catch (err) {
      if (!isConditionFailure(err) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

function toRecord(item: Record<string, unknown>): CampaignRecord {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as CampaignRecord;
}

export async function getCampaign(appId: string, campaignId: string): Promise<CampaignRecord | undefined> {
  const out = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keys.campaign(appId, campaignId), ConsistentRead: true }),
  );
  return out.Item ? toRecord(out.Item) : undefined;
}

/** Every campaign of the app, in campaign id order (all pages). */
export async function listCampaigns(appId: string): Promise<CampaignRecord[]> {
  const out: CampaignRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.app(appId).pk, ":prefix": keys.campaignPrefix },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) out.push(toRecord(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
