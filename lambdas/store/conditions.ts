import { randomUUID } from "node:crypto";
import { TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "./client.js";
import { retryTransient } from "./retry.js";

/**
 * Whether a write failed only because its condition did not hold: a single conditional write
 * (`ConditionalCheckFailedException`) or a transaction cancelled by a failed condition. The one place
 * that tells a lost race or a duplicate from a real error.
 */
export function isConditionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "ConditionalCheckFailedException") return true;
  if (err.name !== "TransactionCanceledException") return false;
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return Array.isArray(reasons) && reasons.some((r) => r.Code === "ConditionalCheckFailed");
}

/**
 * Runs one conditional write (a single item or a transaction), transient errors retried: true when it
 * was applied, false when a condition did not hold.
 * @throws DynamoDB errors other than a failed condition
 */
export async function writeIf(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await retryTransient(write);
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * Runs one transaction, transient errors retried, as one request to DynamoDB: every attempt carries
 * the same `ClientRequestToken`, so when an attempt was applied but its answer was lost (a timeout),
 * the retry succeeds without applying it again instead of failing its own conditions (DynamoDB
 * TransactWriteItems idempotency: same token, same items, within 10 minutes). True when applied,
 * false when a condition did not hold.
 * @throws DynamoDB errors other than a failed condition
 */
export function transactIf(items: NonNullable<TransactWriteCommandInput["TransactItems"]>): Promise<boolean> {
  const token = randomUUID();
  return writeIf(() =>
    dynamo().send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token })),
  );
}
