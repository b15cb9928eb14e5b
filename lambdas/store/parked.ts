import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "./client.js";
import { isConditionFailure } from "./conditions.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/**
 * Receipts that could not be parsed or matched after their retries: kept (never dropped) where an
 * operator can list them and replay them once the cause is fixed. Kept 90 days.
 */
export interface ParkedReceipt<T = unknown> {
  id: string;
  appId: string;
  reason: string;
  parkedAt: number;
  receipt: T;
}

const KEEP_SECONDS = 90 * 86_400;
const pkOf = (appId: string): string => keys.parkedPartition(appId);

export async function parkReceipt<T>(p: ParkedReceipt<T>): Promise<void> {
  await retryTransient(() =>
    dynamo().send(
      new PutCommand({
        TableName: tableName(),
        // Keyed by the receipt's own id: parking the same receipt twice keeps one copy.
        Item: { pk: pkOf(p.appId), sk: p.id, ...p, ttl: Math.floor(p.parkedAt / 1000) + KEEP_SECONDS },
      }),
    ),
  );
}

export async function listParked<T>(
  appId: string,
  limit = 100,
  cursor?: string,
): Promise<{ items: ParkedReceipt<T>[]; next: string | null }> {
  const r = await retryTransient(() =>
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pkOf(appId) },
        Limit: limit,
        ExclusiveStartKey: cursor ? { pk: pkOf(appId), sk: cursor } : undefined,
      }),
    ),
  );
  const items = (r.Items ?? []).map(({ pk: _pk, sk: _sk, ttl: _ttl, ...rest }) => rest as ParkedReceipt<T>);
  return { items, next: r.LastEvaluatedKey ? String(r.LastEvaluatedKey.sk) : null };
}

export async function getParked<T>(appId: string, id: string): Promise<ParkedReceipt<T> | null> {
  const r = await retryTransient(() =>
    dynamo().send(new GetCommand({ TableName: tableName(), Key: { pk: pkOf(appId), sk: id } })),
  );
  if (!r.Item) return null;
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = r.Item;
  return rest as ParkedReceipt<T>;
}

/**
 * Removes a parked receipt once replayed — only the copy that was read (`parkedAt`): if the replayed
 * receipt was parked again in the meantime (same id, a later time), that new copy stays.
 * @throws DynamoDB errors other than the condition
 */
export async function deleteParked(appId: string, id: string, parkedAt: number): Promise<void> {
  try {
    await retryTransient(() =>
      dynamo().send(
        new DeleteCommand({
          TableName: tableName(),
          Key: { pk: pkOf(appId), sk: id },
          ConditionExpression: "parkedAt = :at",
          ExpressionAttributeValues: { ":at": parkedAt },
        }),
      ),
    );
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
}
