import { isDeepStrictEqual } from "node:util";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { FactItem } from "../domain/contributions.js";
import { forEachLimit } from "../platform/concurrency.js";
import { dynamo } from "./client.js";
import { isConditionFailure, transactIf } from "./conditions.js";
import type { Key } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/**
 * The exactly-once write of a fact: one conditional write of its own item (created if absent, or
 * replaced if its `version` is still the one read). A retry of the same fact finds the condition false
 * and changes nothing; the counters follow from the item's change on the table's stream (flows/counting),
 * so no counter is ever written here. One write unit for an item under 1 KB, no transaction.
 */

/** A fact item ready to store: its key, its record (with the new `version`) and its cleanup time. */
export interface FactWrite {
  key: Key;
  item: FactItem;
  /** The version the item had when read: 0 for an item that must not exist yet. */
  expectedVersion: number;
  /** Epoch seconds after which DynamoDB may delete the item (cleanup only). */
  ttl?: number;
}

export type FactWriteResult = { written: true } | { written: false; current: Record<string, unknown> | null };

function putInput(w: FactWrite) {
  return {
    TableName: tableName(),
    Item: { ...w.item, ...w.key, ...(w.ttl === undefined ? {} : { ttl: w.ttl }) },
    ...(w.expectedVersion === 0
      ? { ConditionExpression: "attribute_not_exists(pk)" }
      : {
          ConditionExpression: "#version = :version",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":version": w.expectedVersion },
        }),
  };
}

/** A value as DynamoDB stores it: `undefined` members dropped (the clients' `removeUndefinedValues`). */
function stored(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(stored);
  if (v === null || typeof v !== "object" || v instanceof Set || v instanceof Uint8Array) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, stored(x)]),
  );
}

/**
 * Writes one fact. `written: false` when the item moved on since it was read (or already exists):
 * `current` is the item as it now stands (from the failed write itself, no second read).
 *
 * A write can land while its caller sees an error (a timeout after DynamoDB applied it); the retry then
 * finds its own write and fails the condition. When the item as it now stands is exactly the item this
 * write puts, it is `written: true`: the write is this caller's (or an identical one, whose follow-ups
 * are idempotent), so the caller goes on to its follow-ups instead of taking it for someone else's.
 * @throws any DynamoDB error other than the condition failing
 */
export async function writeFact(w: FactWrite): Promise<FactWriteResult> {
  const input = putInput(w);
  try {
    await retryTransient(() =>
      dynamo().send(new PutCommand({ ...input, ReturnValuesOnConditionCheckFailure: "ALL_OLD" })),
    );
    return { written: true };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || isConditionFailure(e)) {
      const old = (e as ConditionalCheckFailedException).Item;
      const current = old ? unmarshall(old) : null;
      if (current && isDeepStrictEqual(current, stored(input.Item))) return { written: true };
      return { written: false, current };
    }
    throw e;
  }
}

/** Facts of a batch in flight at once. */
const PARALLEL_WRITES = 16;

/**
 * Writes independent facts, at most 16 at a time; one failing write does not stop the others (each
 * write that lands is progress a retry keeps). Results are in the order of `writes`.
 * @throws the first DynamoDB error other than a failed condition, once every write has been tried
 */
export async function writeFacts(writes: readonly FactWrite[]): Promise<FactWriteResult[]> {
  const results: FactWriteResult[] = new Array(writes.length);
  let failure: { error: unknown } | undefined;
  await forEachLimit(
    writes.map((w, i) => ({ w, i })),
    PARALLEL_WRITES,
    async ({ w, i }) => {
      try {
        results[i] = await writeFact(w);
      } catch (error) {
        failure ??= { error };
      }
    },
  );
  if (failure) throw failure.error;
  return results;
}

/**
 * Writes facts that must change together (one transaction: each item costs two write units). Used
 * only where one fact's items must not be seen apart, e.g. a tap leaving the clicker item for an item
 * of its own. False when any condition failed (nothing was written).
 * @throws any DynamoDB error other than a failed condition
 */
export function writeFactsTogether(writes: readonly FactWrite[]): Promise<boolean> {
  return transactIf(writes.map((w) => ({ Put: putInput(w) })));
}
