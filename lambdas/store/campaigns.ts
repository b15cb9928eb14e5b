import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Campaign } from "../domain/campaign.js";
import { queryAll } from "./batch.js";
import { dynamo } from "./client.js";
import { writeIf } from "./conditions.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/** Campaigns as stored (domain/campaign.ts): settings resolved once, so readers never re-derive them. */

function toCampaign(item: Record<string, unknown>): Campaign {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return { archivedAt: null, ...(rest as Omit<Campaign, "archivedAt">) } as Campaign;
}

/**
 * Creates the campaign. False when it already exists.
 * @throws DynamoDB errors other than the condition
 */
export async function createCampaign(c: Campaign): Promise<boolean> {
  return writeIf(() =>
    dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.campaign(c.appId, c.campaignId), type: "campaign", ...c },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    ),
  );
}

/**
 * Replaces a campaign's fields if it was last updated at `expectedUpdatedAt` (optimistic lock).
 * False when it moved on (or no longer exists).
 * @throws DynamoDB errors other than the condition
 */
export async function replaceCampaign(c: Campaign, expectedUpdatedAt: string): Promise<boolean> {
  return writeIf(() =>
    dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.campaign(c.appId, c.campaignId), type: "campaign", ...c },
        ConditionExpression: "updatedAt = :expected",
        ExpressionAttributeValues: { ":expected": expectedUpdatedAt },
      }),
    ),
  );
}

/**
 * The campaign, strongly consistent; undefined when it does not exist.
 * @throws DynamoDB errors
 */
export async function getCampaign(appId: string, campaignId: string): Promise<Campaign | undefined> {
  const out = await retryTransient(() =>
    dynamo().send(
      new GetCommand({ TableName: tableName(), Key: keys.campaign(appId, campaignId), ConsistentRead: true }),
    ),
  );
  return out.Item ? toCampaign(out.Item) : undefined;
}

/**
 * Every campaign of the app, in campaign id order (all pages).
 * @throws DynamoDB errors
 */
export async function listCampaigns(appId: string): Promise<Campaign[]> {
  const items = await queryAll({
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": keys.app(appId).pk, ":prefix": keys.campaignPrefix },
  });
  return items.map(toCampaign);
}
