import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Delta } from "../domain/message-counters.js";
import { providerRefDigest } from "../domain/message-id.js";
import type { MessageStatus } from "../domain/message-state.js";
import { batchGet } from "./batch-get.js";
import { dynamo } from "./client.js";
import type { Fact, TransactItem } from "./facts.js";
import { keys } from "./keys.js";
import { tableName } from "./schema.js";

/** One message: one user in one instance. Never holds the phone number. */
export interface MessageRecord {
  appId: string;
  messageId: string;
  campaignId: string;
  instanceId: string;
  userId: string;
  connectorId: string;
  provider: string;
  /** Custom connector without delivery tracking: no receipts, window opens at send. */
  tracked: boolean;
  windowHours: number;
  status: MessageStatus;
  queuedAt: number;
  sendingAt: number | null;
  sentAt: number | null;
  country: string | null;
  providerMessageId: string | null;
  deliveredAt: number | null;
  failedAt: number | null;
  failCode: string | null;
  failDescription: string | null;
  /** Failed-to-send detail (reason, code, missing attributes). */
  notSentReason: string | null;
  notSentCode: string | null;
  missing: string[] | null;
  /** Bumped by every recorded transition: the condition that makes each one happen once. */
  version: number;
}

export const MESSAGE_TTL_DAYS = 120;

function ttlFrom(ms: number): number {
  return Math.floor(ms / 1000) + MESSAGE_TTL_DAYS * 86_400;
}

/**
 * The sends route's claim: creates the message QUEUED unless it exists. Returns the existing record
 * when it does (a duplicate), so the caller can re-enqueue one still QUEUED (its first enqueue may have failed).
 */
export async function claimMessage(
  m: Pick<
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
  >,
  now: number,
): Promise<{ created: true } | { created: false; existing: MessageRecord }> {
  const item: MessageRecord = {
    ...m,
    status: "QUEUED",
    queuedAt: now,
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
    version: 0,
  };
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.message(m.appId, m.messageId), ...item, ttl: ttlFrom(now) },
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException && e.Item) {
      return { created: false, existing: unmarshall(e.Item) as MessageRecord };
    }
    throw e;
  }
  // The user's side of the message, for attribution: which instances this user was messaged in.
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.userMessage(m.appId, m.userId, m.campaignId, m.instanceId),
        messageId: m.messageId,
        ttl: ttlFrom(now),
      },
    }),
  );
  return { created: true };
}

export async function getMessage(appId: string, messageId: string): Promise<MessageRecord | null> {
  const r = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keys.message(appId, messageId), ConsistentRead: true }),
  );
  return (r.Item as MessageRecord | undefined) ?? null;
}

/** Strongly consistent batch read, missing ones left out. */
export async function getMessages(appId: string, messageIds: string[]): Promise<Map<string, MessageRecord>> {
  const items = await batchGet<MessageRecord>(messageIds.map((id) => keys.message(appId, id)));
  return new Map(items.map((m) => [m.messageId, m]));
}

/**
 * At most once: only one worker moves a message from QUEUED to SENDING and calls the provider.
 * `won` carries the record as it now stands; otherwise the record as it was (null if it does not exist).
 */
export async function markSending(
  appId: string,
  messageId: string,
  now: number,
): Promise<{ won: true; record: MessageRecord } | { won: false; record: MessageRecord | null }> {
  try {
    const r = await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.message(appId, messageId),
        UpdateExpression: "SET #s = :sending, sendingAt = :now, version = version + :one",
        ConditionExpression: "#s = :queued",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":sending": "SENDING", ":queued": "QUEUED", ":now": now, ":one": 1 },
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { won: true, record: r.Attributes as MessageRecord };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) {
      return { won: false, record: e.Item ? (unmarshall(e.Item) as MessageRecord) : null };
    }
    throw e;
  }
}

/** Gives a claimed message back (the provider was not called), so a redelivery sends it. */
export async function releaseSending(m: MessageRecord): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.message(m.appId, m.messageId),
      UpdateExpression: "SET #s = :queued, version = version + :one REMOVE sendingAt",
      ConditionExpression: "#s = :sending AND version = :v",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":sending": "SENDING", ":queued": "QUEUED", ":one": 1, ":v": m.version },
    }),
  );
}

/** Records which message a provider id belongs to (idempotent), before the outcome is recorded. */
export async function putProviderRef(m: MessageRecord, providerMessageId: string): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.providerMessage(m.appId, m.connectorId, providerRefDigest(providerMessageId)),
        messageId: m.messageId,
        ttl: ttlFrom(Date.now()),
      },
    }),
  );
}

/**
 * Which messages provider ids belong to, for a batch of receipts: one consistent BatchGetItem per
 * 100 ids. Keyed `connectorId\nproviderMessageId`; unknown ids are left out.
 */
export async function findByProviderRefs(
  appId: string,
  refs: Array<{ connectorId: string; providerMessageId: string }>,
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

/**
 * A fact that moves a message from the state it was read in (`expectedVersion`) to `changes`,
 * with its counter deltas. A concurrent change makes the condition false and the caller re-reads.
 */
export function transitionFact(
  m: MessageRecord,
  changes: Partial<MessageRecord>,
  deltas: Delta[],
  factId = `${m.messageId}@${m.version}`,
): Fact {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":v": m.version, ":next": m.version + 1 };
  const sets = ["version = :next"];
  let i = 0;
  for (const [field, value] of Object.entries(changes)) {
    if (field === "version") continue;
    names[`#c${i}`] = field;
    values[`:c${i}`] = value;
    sets.push(`#c${i} = :c${i}`);
    i++;
  }
  const write: TransactItem = {
    Update: {
      TableName: tableName(),
      Key: keys.message(m.appId, m.messageId),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: "version = :v",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
  return {
    id: factId,
    steps: [
      {
        write,
        counters: deltas.map((d) => ({
          ...d,
          appId: m.appId,
          campaignId: m.campaignId,
          instanceId: m.instanceId,
        })),
      },
    ],
  };
}
