import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { providerRefDigest } from "../domain/message-id.js";
import type { MessageRecord } from "../domain/message-state.js";
import { batchGet } from "./batch.js";
import { dynamo } from "./client.js";
import { type FactWrite, writeFacts } from "./facts.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName, ttlSeconds } from "./table.js";

/**
 * Messages: the fact item of one user in one instance (its state machine in domain/message-state),
 * and the provider-id index receipts use to find it.
 */

/** Messages are cleanup-deleted 120 days after their claim; nothing counted depends on it. */
export const MESSAGE_TTL_MS = 120 * 86_400_000;

const ttlFrom = (ms: number): number => ttlSeconds(ms + MESSAGE_TTL_MS);

export type MessageClaim = Pick<
  MessageRecord,
  | "appId"
  | "messageId"
  | "campaignId"
  | "instanceId"
  | "userId"
  | "connectorId"
  | "provider"
  | "tracked"
  | "windowHours"
  | "tz"
> & {
  /** QUEUED for a user to send to; CONTROL for a control-group user, who is never sent. */
  status: "QUEUED" | "CONTROL";
  variantId: string | null;
};

/**
 * The sends route's claim: creates the message (QUEUED, or CONTROL for a held-back user) unless it
 * exists. Returns the existing record when it does (a duplicate), so the caller can re-enqueue one
 * still QUEUED or re-drive a control user's window.
 * @throws DynamoDB errors other than the claim's condition
 */
export async function claimMessage(
  m: MessageClaim,
  nowMs: number,
): Promise<{ created: true; record: MessageRecord } | { created: false; existing: MessageRecord }> {
  const item: MessageRecord = {
    ...m,
    queuedAt: nowMs,
    sendingAt: null,
    sentAt: null,
    country: null,
    providerMessageId: null,
    deliveredAt: null,
    failedAt: null,
    failCode: null,
    failDescription: null,
    notSentReason: null,
    notSentCode: null,
    missing: null,
    version: 1,
  };
  try {
    await retryTransient(() =>
      dynamo().send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...keys.message(m.appId, m.messageId), fact: "message", ...item, ttl: ttlFrom(nowMs) },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    return { created: true, record: item };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException && e.Item) {
      return { created: false, existing: unmarshall(e.Item) as MessageRecord };
    }
    throw e;
  }
}

/**
 * Strongly consistent batch read, missing ones left out.
 * @throws DynamoDB errors
 */
export async function getMessages(
  appId: string,
  messageIds: readonly string[],
): Promise<Map<string, MessageRecord>> {
  const items = await batchGet<MessageRecord>(messageIds.map((id) => keys.message(appId, id)));
  return new Map(items.map((m) => [m.messageId, m]));
}

/**
 * At most once: only one worker moves a message from QUEUED to SENDING and calls the provider.
 * `won` carries the record as it now stands; otherwise the record as it was (null if it does not exist).
 * The claim carries a random token (`sendingClaim`): a retry of this very claim whose first attempt
 * went through unseen (a timeout after the write) recognises it and wins, instead of reading its own
 * claim as another worker's (which left the message undecided, then SEND_OUTCOME_UNKNOWN without any
 * provider call).
 * @throws DynamoDB errors other than the condition
 */
export async function markSending(
  appId: string,
  messageId: string,
  nowMs: number,
): Promise<{ won: true; record: MessageRecord } | { won: false; record: MessageRecord | null }> {
  const claim = randomUUID();
  try {
    const r = await retryTransient(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.message(appId, messageId),
          UpdateExpression:
            "SET #s = :sending, sendingAt = :now, sendingClaim = :claim, version = version + :one",
          ConditionExpression: "#s = :queued OR (#s = :sending AND sendingClaim = :claim)",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: {
            ":sending": "SENDING",
            ":queued": "QUEUED",
            ":now": nowMs,
            ":claim": claim,
            ":one": 1,
          },
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    return { won: true, record: r.Attributes as MessageRecord };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) {
      return { won: false, record: e.Item ? (unmarshall(e.Item) as MessageRecord) : null };
    }
    throw e;
  }
}

/**
 * Gives a claimed message back (the provider was not called), so a redelivery sends it.
 * @throws DynamoDB errors (a failed condition too: the message moved on, nothing to give back)
 */
export async function releaseSending(m: MessageRecord): Promise<void> {
  await retryTransient(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.message(m.appId, m.messageId),
        UpdateExpression: "SET #s = :queued, version = version + :one REMOVE sendingAt, sendingClaim",
        ConditionExpression: "#s = :sending AND version = :v",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":sending": "SENDING", ":queued": "QUEUED", ":one": 1, ":v": m.version },
      }),
    ),
  );
}

/** The write that moves a message from the version it was read at to `next`. */
export function messageWrite(read: MessageRecord, next: MessageRecord): FactWrite {
  return {
    key: keys.message(read.appId, read.messageId),
    item: { fact: "message", ...next, version: read.version + 1 },
    expectedVersion: read.version,
    ttl: ttlFrom(read.queuedAt),
  };
}

/**
 * Records message transitions (one conditional write each). Returns the ids whose message moved on
 * since it was read (the caller re-reads and re-plans them).
 * @throws DynamoDB errors other than failed conditions
 */
export async function writeMessages(
  changes: ReadonlyArray<{ read: MessageRecord; next: MessageRecord }>,
): Promise<Set<string>> {
  const results = await writeFacts(changes.map((c) => messageWrite(c.read, c.next)));
  return new Set(changes.filter((_, i) => !results[i]?.written).map((c) => c.read.messageId));
}

/**
 * Records which message a provider id belongs to (idempotent), before the outcome is recorded.
 * @throws DynamoDB errors
 */
export async function putProviderRef(m: MessageRecord, providerMessageId: string): Promise<void> {
  await retryTransient(() =>
    dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.providerMessage(m.appId, m.connectorId, providerRefDigest(providerMessageId)),
          messageId: m.messageId,
          ttl: ttlFrom(m.queuedAt),
        },
      }),
    ),
  );
}

/**
 * Which messages provider ids belong to, for a batch of receipts: one consistent BatchGetItem per
 * 100 ids. Keyed `connectorId\nproviderMessageId`; unknown ids are left out.
 * @throws DynamoDB errors
 */
export async function findByProviderRefs(
  appId: string,
  refs: ReadonlyArray<{ connectorId: string; providerMessageId: string }>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const byPk = new Map<string, string>();
  for (const r of refs) {
    const key = keys.providerMessage(appId, r.connectorId, providerRefDigest(r.providerMessageId));
    byPk.set(key.pk, `${r.connectorId}\n${r.providerMessageId}`);
  }
  for (const item of await batchGet<{ pk: string; messageId: string }>(
    [...byPk.keys()].map((pk) => ({ pk, sk: "PMID" })),
  )) {
    const ref = byPk.get(item.pk);
    if (ref) out.set(ref, item.messageId);
  }
  return out;
}
