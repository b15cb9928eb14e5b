import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { AppEvent } from "../domain/attribution.js";
import { batchGet } from "./batch-get.js";
import { dynamo } from "./client.js";
import { keys } from "./keys.js";
import { tableName } from "./schema.js";

/**
 * Events are kept with their user for the longest window (720 h) plus a week, so a window that opens
 * late (its receipt arrived after the purchase) still finds them. TTL is cleanup only.
 */
const KEEP_MS = (720 + 7 * 24) * 3_600_000;
const ttlFor = (at: number, now: number): number => Math.floor((Math.max(at, now) + KEEP_MS) / 1000);

/**
 * Claims an event id for the app. `new` the first time; `same` when this exact event was claimed
 * before (a retry: safe to process again, every fact is idempotent); `conflict` when the id was
 * claimed by an event with other content (a duplicate id: ignored).
 */
export async function claimEventId(
  appId: string,
  eventId: string,
  digest: string,
  now: number,
): Promise<"new" | "same" | "conflict"> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.eventId(appId, eventId), digest, ttl: Math.floor((now + KEEP_MS) / 1000) },
        ConditionExpression: "attribute_not_exists(pk)",
        // A duplicate learns the stored digest from the failed write itself: no second read.
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return "new";
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    return e.Item?.digest?.S === digest ? "same" : "conflict";
  }
}

/** The content digests event ids were claimed with (one consistent batch read); unclaimed ids are absent. */
export async function eventClaims(appId: string, eventIds: string[]): Promise<Map<string, string>> {
  const items = await batchGet<{ pk: string; digest: string }>(eventIds.map((id) => keys.eventId(appId, id)));
  const prefix = keys.eventId(appId, "").pk;
  return new Map(items.map((item) => [item.pk.slice(prefix.length), item.digest]));
}

export async function putUserEvent(appId: string, e: AppEvent, now: number): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.userEvent(appId, e.userId, new Date(e.at).toISOString(), e.eventId),
        ...e,
        ttl: ttlFor(e.at, now),
      },
    }),
  );
}

/** The user's kept events with `from <= at < to` (strongly consistent: see flows/attribution). */
export async function userEventsBetween(
  appId: string,
  userId: string,
  from: number,
  to: number,
): Promise<AppEvent[]> {
  const out: AppEvent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues: {
          ":pk": keys.userPartition(appId, userId),
          ":a": `EVT#${new Date(from).toISOString()}`,
          ":b": `EVT#${new Date(to).toISOString()}`,
        },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const e = item as AppEvent;
      if (e.at >= from && e.at < to) out.push(e);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Which messages (instances) a user was sent: the candidates for an event's attribution. */
export async function userMessageIds(appId: string, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues: { ":pk": keys.userPartition(appId, userId), ":p": keys.userMessagePrefix },
        ProjectionExpression: "messageId",
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) ids.push(String(item.messageId));
    start = page.LastEvaluatedKey;
  } while (start);
  return ids;
}
