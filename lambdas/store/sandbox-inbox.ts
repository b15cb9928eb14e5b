import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "./client.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName, ttlSeconds } from "./table.js";

/**
 * The sandbox connector's handset: each message the sandbox delivers, as the recipient's phone would
 * show it (the text with its short links), so a person trying the product can tap a real link. Kept
 * 7 days (TTL; cleanup only). Not a fact: it moves no counter.
 */
export interface InboxMessage {
  appId: string;
  connectorId: string;
  campaignId: string;
  instanceId: string;
  userId: string;
  messageId: string;
  /** E.164, as sent. */
  phone: string;
  /** The text as sent (links shortened). */
  text: string;
  /** Epoch ms: when the sandbox's delivery receipt says the message reached the phone. */
  deliveredAt: number;
}

const KEEP_MS = 7 * 86_400_000;

/**
 * Keeps one delivered message (a plain put: a retried send writes the same item again).
 * @throws DynamoDB errors after transient retries
 */
export async function putInboxMessage(m: InboxMessage): Promise<void> {
  await retryTransient(() =>
    dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          pk: keys.sandboxInboxPartition(m.appId, m.connectorId),
          sk: keys.sandboxInboxMessage(m.campaignId, m.instanceId, m.userId),
          ...m,
          ttl: ttlSeconds(m.deliveredAt + KEEP_MS),
        },
      }),
    ),
  );
}

/**
 * One page of a sandbox connector's inbox, in campaign, instance, user order, optionally only one
 * campaign's (and one instance's) messages.
 * @param limit items read (1–1000); a caller filtering the page may return fewer
 * @param cursor the `next` of the previous page (a sort key)
 * @throws DynamoDB errors after transient retries
 */
export async function listInbox(
  appId: string,
  connectorId: string,
  filter: { campaignId?: string; instanceId?: string },
  limit: number,
  cursor?: string,
): Promise<{ items: InboxMessage[]; next: string | null }> {
  const pk = keys.sandboxInboxPartition(appId, connectorId);
  const r = await retryTransient(() =>
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: {
          ":pk": pk,
          ":prefix": keys.sandboxInboxPrefix(filter.campaignId, filter.instanceId),
        },
        Limit: limit,
        ExclusiveStartKey: cursor ? { pk, sk: cursor } : undefined,
      }),
    ),
  );
  const items = (r.Items ?? []).map(({ pk: _pk, sk: _sk, ttl: _ttl, ...rest }) => rest as InboxMessage);
  return { items, next: r.LastEvaluatedKey ? String(r.LastEvaluatedKey.sk) : null };
}
