import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { dynamo, dynamoExact } from "./client.js";
import type { Key } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

const MAX_KEYS = 100;
const MAX_PUTS = 25;
const MAX_ATTEMPTS = 9;

const backoff = (attempt: number): Promise<void> => new Promise((r) => setTimeout(r, 20 * 2 ** attempt));

/**
 * Strongly consistent reads of many items: one BatchGetItem per 100 distinct keys, unprocessed keys
 * retried with backoff. Missing items are left out; the order of the result is not the keys' order.
 * `exact` reads numbers as exact decimal wrappers (counters, money).
 * @throws DynamoDB errors, or when keys stay unprocessed after 9 attempts
 */
export async function batchGet<T = Record<string, unknown>>(
  itemKeys: readonly Key[],
  options: { exact?: boolean } = {},
): Promise<T[]> {
  const client = options.exact ? dynamoExact() : dynamo();
  const unique = [...new Map(itemKeys.map((k) => [`${k.pk}\n${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += MAX_KEYS) {
    let batch: Key[] = unique.slice(i, i + MAX_KEYS);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("BatchGetItem kept leaving keys unprocessed");
      if (attempt > 0) await backoff(attempt);
      const r = await retryTransient(() =>
        client.send(
          new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: batch, ConsistentRead: true } } }),
        ),
      );
      out.push(...((r.Responses?.[tableName()] ?? []) as T[]));
      batch = (r.UnprocessedKeys?.[tableName()]?.Keys ?? []) as Key[];
    }
  }
  return out;
}

/** A Query of the table, without the table name and the paging (`queryAll` adds both). */
export type TableQuery = Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">;

/**
 * Every item a Query finds, all pages (each page one request, 1 MB at most), or the first `limit`.
 * `exact` reads numbers as exact decimal wrappers (counters, money).
 * @throws DynamoDB errors
 */
export async function queryAll<T = Record<string, unknown>>(
  query: TableQuery,
  options: { limit?: number; exact?: boolean } = {},
): Promise<T[]> {
  const client = options.exact ? dynamoExact() : dynamo();
  const out: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await retryTransient(() =>
      client.send(new QueryCommand({ ...query, TableName: tableName(), ExclusiveStartKey: start })),
    );
    out.push(...((page.Items ?? []) as T[]));
    start = options.limit !== undefined && out.length >= options.limit ? undefined : page.LastEvaluatedKey;
  } while (start);
  return options.limit === undefined ? out : out.slice(0, options.limit);
}

/**
 * Unconditional puts of many items: one BatchWriteItem per 25, unprocessed ones retried with backoff.
 * @throws DynamoDB errors, or when items stay unprocessed after 9 attempts
 */
export async function batchPut(items: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += MAX_PUTS) {
    let requests: Record<string, unknown>[] | undefined = items
      .slice(i, i + MAX_PUTS)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error("BatchWriteItem kept leaving items unprocessed");
      if (attempt > 0) await backoff(attempt);
      const r = await retryTransient(() =>
        dynamo().send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests as never } })),
      );
      requests = r.UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined;
    }
  }
}
