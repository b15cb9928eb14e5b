import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Campaign } from "../domain/campaign.js";
import type { VariantWeight } from "../domain/experiment.js";
import { queryAll } from "./batch.js";
import { dynamo } from "./client.js";
import { writeIf } from "./conditions.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/** Campaigns as stored (domain/campaign.ts): settings resolved once, so readers never re-derive them. */

/** Campaigns stored before experiments read as having none (no control group, variants unset). */
function toCampaign(item: Record<string, unknown>): Campaign {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return {
    archivedAt: null,
    controlGroupPercent: 0,
    experimentSalt: "",
    variants: null,
    ...(rest as Partial<Campaign>),
  } as Campaign;
}

/**
 * The stored item: variants and salt are written only once set (`fixExperiment` sets them with
 * `if_not_exists`, which a stored NULL would defeat).
 */
function itemOf(c: Campaign): Record<string, unknown> {
  const { variants, experimentSalt, ...rest } = c;
  return {
    ...keys.campaign(c.appId, c.campaignId),
    type: "campaign",
    ...rest,
    ...(variants === null ? {} : { variants }),
    ...(experimentSalt === "" ? {} : { experimentSalt }),
  };
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
        Item: itemOf(c),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    ),
  );
}

/**
 * Replaces a campaign's fields if it is still as `read` (optimistic lock on `updatedAt`; and the
 * experiment a first send request may have fixed since: `fixExperiment` does not move `updatedAt`).
 * False when it moved on (or no longer exists).
 * @throws DynamoDB errors other than the condition
 */
export async function replaceCampaign(
  c: Campaign,
  read: Pick<Campaign, "updatedAt" | "variants" | "experimentSalt">,
): Promise<boolean> {
  const conditions = ["updatedAt = :expected"];
  if (read.variants === null) conditions.push("attribute_not_exists(variants)");
  if (read.experimentSalt === "") conditions.push("attribute_not_exists(experimentSalt)");
  return writeIf(() =>
    dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: itemOf({ ...c, variants: c.variants ?? read.variants }),
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeValues: { ":expected": read.updatedAt },
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

/**
 * Fixes the campaign's experiment at its first send request, or reads the one fixed before: the
 * variants (set once) and the assignment's salt (set once; `salt` is used only when the campaign,
 * stored before experiments existed, has none) — on the condition that the control-group share is
 * still the one the caller read, so the arms it assigns are the campaign's. The stored pair is
 * returned; null when the share changed meanwhile (read the campaign again).
 * @throws DynamoDB errors
 */
export async function fixExperiment(
  appId: string,
  campaignId: string,
  experiment: { variants: readonly VariantWeight[]; salt: string; controlGroupPercent: number },
): Promise<{ variants: VariantWeight[]; experimentSalt: string } | null> {
  // Campaigns stored before experiments have no share attribute: they read as 0.
  const sameShare =
    experiment.controlGroupPercent === 0
      ? "(attribute_not_exists(controlGroupPercent) OR controlGroupPercent = :cgp)"
      : "controlGroupPercent = :cgp";
  try {
    const r = await retryTransient(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.campaign(appId, campaignId),
          UpdateExpression:
            "SET variants = if_not_exists(variants, :v), experimentSalt = if_not_exists(experimentSalt, :s)",
          ConditionExpression: `attribute_exists(pk) AND ${sameShare}`,
          ExpressionAttributeValues: {
            ":v": experiment.variants,
            ":s": experiment.salt,
            ":cgp": experiment.controlGroupPercent,
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    const a = r.Attributes ?? {};
    return { variants: a.variants as VariantWeight[], experimentSalt: a.experimentSalt as string };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return null;
    throw e;
  }
}
