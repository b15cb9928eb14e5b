import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { NumberValue, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import Big from "big.js";
import type { DailyCounters } from "../domain/counters.js";
import { batchGet, queryAll } from "./batch.js";
import { dynamoExact } from "./client.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/**
 * Daily counter buckets: one item per (app, campaign, scope, app-local day), scope `*` for the campaign
 * or an instance id. Written only by the counting flow, which applies the changes of fact items read
 * from one stream shard in order: each bucket keeps, per shard, the sequence number of the last change
 * it has applied (`@ck:<shard>` = "<40-digit sequence>|<epoch ms>"), updated in the same write as the
 * counts. A retried or repeated batch re-applies nothing; no transaction, no second writer per shard.
 */

export interface CounterBucket {
  appId: string;
  campaignId: string;
  scope: string;
  day: string;
}

const CHECKPOINT_PREFIX = "@ck:";
/** Checkpoints of shards idle this long are dropped (stream records live 24 h; twice that is safe). */
const CHECKPOINT_KEEP_MS = 48 * 3_600_000;

const bucketKey = (b: CounterBucket) => ({
  pk: keys.counterPartition(b.appId, b.campaignId, b.scope),
  sk: keys.counterDay(b.day),
});

export const bucketId = (b: CounterBucket): string =>
  `${b.appId}\u0000${b.campaignId}\u0000${b.scope}\u0000${b.day}`;

/** A stream sequence number as a fixed-width string, so that string order is numeric order. */
export function paddedSequence(sequenceNumber: string): string {
  return sequenceNumber.padStart(40, "0");
}

export interface Checkpoint {
  /** Padded sequence number of the last change applied from the shard; null when none was. */
  sequence: string | null;
  /** The raw stored value (the write's condition compares it). */
  raw: string | null;
  /** Checkpoint attributes of other shards that are old enough to drop. */
  stale: string[];
}

/**
 * The checkpoints of `shardId` in the given buckets (strongly consistent, 100 keys per request).
 * @throws DynamoDB errors
 */
export async function readCheckpoints(
  buckets: readonly CounterBucket[],
  shardId: string,
  nowMs: number,
): Promise<Map<string, Checkpoint>> {
  const out = new Map<string, Checkpoint>();
  for (const b of buckets) out.set(bucketId(b), { sequence: null, raw: null, stale: [] });
  const byKey = new Map(buckets.map((b) => [`${bucketKey(b).pk}\n${bucketKey(b).sk}`, bucketId(b)]));
  const items = await batchGet<Record<string, unknown>>(buckets.map(bucketKey), { exact: true });
  const own = `${CHECKPOINT_PREFIX}${shardId}`;
  for (const item of items) {
    const id = byKey.get(`${item.pk}\n${item.sk}`);
    if (!id) continue;
    const ck: Checkpoint = { sequence: null, raw: null, stale: [] };
    for (const [name, value] of Object.entries(item)) {
      if (!name.startsWith(CHECKPOINT_PREFIX)) continue;
      const [sequence = "", at = "0"] = String(value).split("|");
      if (name === own) {
        ck.sequence = sequence;
        ck.raw = String(value);
      } else if (nowMs - Number(at) > CHECKPOINT_KEEP_MS) ck.stale.push(name);
    }
    out.set(id, ck);
  }
  return out;
}

/**
 * Adds `fields` to a bucket and moves the shard's checkpoint to `sequence`, if the checkpoint is
 * still `expected` (its raw value, or null for none). False when it is not (re-read and retry).
 * @throws DynamoDB errors other than the failed condition
 */
export async function addToBucket(
  bucket: CounterBucket,
  fields: ReadonlyMap<string, Big>,
  shardId: string,
  sequence: string,
  expected: Checkpoint,
  nowMs: number,
): Promise<boolean> {
  const names: Record<string, string> = { "#ck": `${CHECKPOINT_PREFIX}${shardId}` };
  const values: Record<string, unknown> = { ":ck": `${sequence}|${nowMs}` };
  const adds: string[] = [];
  let i = 0;
  for (const [field, by] of fields) {
    if (by.eq(0)) continue;
    names[`#f${i}`] = field;
    values[`:f${i}`] = NumberValue.from(by.toString());
    adds.push(`#f${i} :f${i}`);
    i++;
  }
  const removes = expected.stale.map((name, j) => {
    names[`#s${j}`] = name;
    return `#s${j}`;
  });
  if (expected.raw !== null) values[":prev"] = expected.raw;
  try {
    await retryTransient(() =>
      dynamoExact().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: bucketKey(bucket),
          UpdateExpression: [
            "SET #ck = :ck",
            adds.length > 0 ? `ADD ${adds.join(", ")}` : "",
            removes.length > 0 ? `REMOVE ${removes.join(", ")}` : "",
          ]
            .filter(Boolean)
            .join(" "),
          ConditionExpression: expected.raw === null ? "attribute_not_exists(#ck)" : "#ck = :prev",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

export interface CounterQuery {
  appId: string;
  campaignId: string;
  /** An instanceId, or CAMPAIGN_SCOPE for the whole campaign. */
  scope: string;
  /** Inclusive app-local days; omitted = all days. */
  from?: string;
  to?: string;
}

/**
 * Reads the daily buckets of one scope: one Query (more only past 1 MB of days), so the cost depends
 * on the number of days, never on recipients or events.
 * @throws DynamoDB errors
 */
export async function readCounters(q: CounterQuery): Promise<DailyCounters> {
  const days: DailyCounters = new Map();
  const ranged = q.from !== undefined || q.to !== undefined;
  const items = await queryAll(
    {
      KeyConditionExpression: ranged
        ? "pk = :pk AND sk BETWEEN :a AND :b"
        : "pk = :pk AND begins_with(sk, :a)",
      ExpressionAttributeValues: {
        ":pk": keys.counterPartition(q.appId, q.campaignId, q.scope),
        ":a": ranged ? keys.counterDay(q.from ?? "0000-00-00") : "DAY#",
        ...(ranged ? { ":b": keys.counterDay(q.to ?? "9999-99-99") } : {}),
      },
    },
    { exact: true },
  );
  for (const item of items) {
    const fields = new Map<string, Big>();
    for (const [name, value] of Object.entries(item)) {
      if (name === "pk" || name === "sk" || name.startsWith(CHECKPOINT_PREFIX)) continue;
      fields.set(name, new Big(String(value)));
    }
    days.set(String(item.sk).slice("DAY#".length), fields);
  }
  return days;
}
