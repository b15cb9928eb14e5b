import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll } from "./batch.js";
import { dynamo } from "./client.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/** One send run of a campaign: when it was first and last sent to (epoch ms). */
export interface InstanceRecord {
  appId: string;
  campaignId: string;
  instanceId: string;
  firstSendAt: number;
  lastSendAt: number;
}

/**
 * Notes a sends request for an instance (creates it on the first). One write per request.
 * @throws DynamoDB errors
 */
export async function recordInstanceSend(
  appId: string,
  campaignId: string,
  instanceId: string,
  nowMs: number,
): Promise<void> {
  await retryTransient(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.instance(appId, campaignId, instanceId),
        UpdateExpression:
          "SET appId = :app, campaignId = :campaign, instanceId = :instance, firstSendAt = if_not_exists(firstSendAt, :now), lastSendAt = :now",
        ExpressionAttributeValues: {
          ":app": appId,
          ":campaign": campaignId,
          ":instance": instanceId,
          ":now": nowMs,
        },
      }),
    ),
  );
}

/**
 * Whether a sends request ever named this instance (strongly consistent: an instance is known from the
 * moment its first sends request was accepted).
 * @throws DynamoDB errors
 */
export async function instanceExists(
  appId: string,
  campaignId: string,
  instanceId: string,
): Promise<boolean> {
  const r = await retryTransient(() =>
    dynamo().send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.instance(appId, campaignId, instanceId),
        ConsistentRead: true,
        ProjectionExpression: "pk",
      }),
    ),
  );
  return r.Item !== undefined;
}

/**
 * The instances of a campaign, in instance id order (all pages, or the first `limit`).
 * @throws DynamoDB errors
 */
export async function listInstances(
  appId: string,
  campaignId: string,
  limit?: number,
): Promise<InstanceRecord[]> {
  const items = await queryAll<InstanceRecord>(
    {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.instancePartition(appId, campaignId) },
    },
    limit === undefined ? {} : { limit },
  );
  return items.map(({ appId: a, campaignId: c, instanceId, firstSendAt, lastSendAt }) => ({
    appId: a,
    campaignId: c,
    instanceId,
    firstSendAt,
    lastSendAt,
  }));
}
