import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { KEEP_EVENTS_MS, type KeptEvent } from "../domain/attribution.js";
import { batchGet, queryAll } from "./batch.js";
import { dynamo } from "./client.js";
import type { FactWrite } from "./facts.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName, ttlSeconds } from "./table.js";

/**
 * App events: the per-app claim of each event id, and the events kept with their user (with the
 * campaigns and goals each was counted for) for windows that open later.
 */

/** An id claim outlives every retry of its event (SQS keeps a message at most 14 days). */
const CLAIM_KEEP_MS = KEEP_EVENTS_MS;
/** A kept event outlives the horizon after which no window may take it (plus a day's margin). */
const keptTtl = (e: Pick<KeptEvent, "at">, nowMs: number): number =>
  ttlSeconds(Math.max(e.at, nowMs) + KEEP_EVENTS_MS + 86_400_000);

/**
 * Claims an event id for the app. `new` the first time; `same` when this exact event was claimed
 * before (a retry: safe to process again, every fact is idempotent); `conflict` when the id was
 * claimed by an event with other content (a duplicate id: ignored).
 * @throws DynamoDB errors other than the claim's condition
 */
export async function claimEventId(
  appId: string,
  eventId: string,
  digest: string,
  nowMs: number,
): Promise<"new" | "same" | "conflict"> {
  try {
    await retryTransient(() =>
      dynamo().send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...keys.eventId(appId, eventId), digest, ttl: ttlSeconds(nowMs + CLAIM_KEEP_MS) },
          ConditionExpression: "attribute_not_exists(pk)",
          // A duplicate learns the stored digest from the failed write itself: no second read.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    return "new";
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    return e.Item?.digest?.S === digest ? "same" : "conflict";
  }
}

/**
 * The content digests event ids were claimed with (one consistent batch read); unclaimed ids are absent.
 * @throws DynamoDB errors
 */
export async function eventClaims(appId: string, eventIds: readonly string[]): Promise<Map<string, string>> {
  const items = await batchGet<{ pk: string; digest: string }>(eventIds.map((id) => keys.eventId(appId, id)));
  const prefix = keys.eventId(appId, "").pk;
  return new Map(items.map((item) => [item.pk.slice(prefix.length), item.digest]));
}

export const keptEventKey = (e: Pick<KeptEvent, "appId" | "userId" | "at" | "eventId">) =>
  keys.keptEvent(e.appId, e.userId, e.at, e.eventId);

/** The write that keeps an event (new) or records more campaigns it counted for (version CAS). */
export function keptEventWrite(read: KeptEvent | null, next: KeptEvent, nowMs: number): FactWrite {
  return {
    key: keptEventKey(next),
    item: { fact: "event", ...next, version: (read?.version ?? 0) + 1 },
    expectedVersion: read?.version ?? 0,
    ttl: keptTtl(next, nowMs),
  };
}

/**
 * Kept events as they stand (strongly consistent); missing ones left out.
 * @throws DynamoDB errors
 */
export function getKeptEvents(
  list: ReadonlyArray<Pick<KeptEvent, "appId" | "userId" | "at" | "eventId">>,
): Promise<KeptEvent[]> {
  return batchGet<KeptEvent>(list.map(keptEventKey));
}

/**
 * The user's kept events with `fromMs <= at < toMs` (strongly consistent: see flows/attribution).
 * @throws DynamoDB errors
 */
export async function keptEventsBetween(
  appId: string,
  userId: string,
  fromMs: number,
  toMs: number,
): Promise<KeptEvent[]> {
  const range = keys.keptEventsBetween(fromMs, toMs);
  const items = await queryAll<KeptEvent>({
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
    ExpressionAttributeValues: { ":pk": keys.userPartition(appId, userId), ":a": range.from, ":b": range.to },
    ConsistentRead: true,
  });
  return items.filter((e) => e.at >= fromMs && e.at < toMs);
}
