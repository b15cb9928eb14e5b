import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "./client.js";
import type { Key } from "./keys.js";
import { tableName } from "./schema.js";

const MAX_KEYS = 100;
const MAX_ATTEMPTS = 9;

/**
 * Strongly consistent reads of many items: one BatchGetItem per 100 distinct keys, unprocessed keys
 * retried with backoff. Missing items are left out; the order of the result is not the keys' order.
 */
export async function batchGet<T = Record<string, unknown>>(itemKeys: Key[]): Promise<T[]> {
  const unique = [...new Map(itemKeys.map((k) => [`${k.pk}\n${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += MAX_KEYS) {
    let batch: Key[] = unique.slice(i, i + MAX_KEYS);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("BatchGetItem kept leaving keys unprocessed");
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const r = await dynamo().send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: batch, ConsistentRead: true } } }),
      );
      out.push(...((r.Responses?.[tableName()] ?? []) as T[]));
      batch = (r.UnprocessedKeys?.[tableName()]?.Keys ?? []) as Key[];
    }
  }
  return out;
}
