import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Delta } from "../domain/message-counters.js";
import { providerRefDigest } from "../domain/message-id.js";
import type { MessageStatus } from "../domain/message-state.js";
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

/** Strongly consistent batch read (100 keys per request), missing ones left out. */
export async function getMessages(appId: string, messageIds: string[]): Promise<Map<string, MessageRecord>> {
  const out = new Map<string, MessageRecord>();
  const unique = [...new Set(messageIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [tableName()]: {
        Keys: unique.slice(i, i + 100).map((id): Record<string, unknown> => ({ ...keys.message(appId, id) })),
        ConsistentRead: true,
      },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      const r = await dynamo().send(new BatchGetCommand({ RequestItems: request }));
      for (const item of r.Responses?.[tableName()] ?? [])
        out.set(String(item.messageId), item as MessageRecord);
      request = r.UnprocessedKeys as typeof request;
      if (attempt > 0) await new Promise((res) => setTimeout(res, 20 * 2 ** attempt));
      if (attempt > 8) throw new Error("BatchGet kept leaving keys unprocessed");
    }
  }
  return out;
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

export async function findByProviderRef(
  appId: string,
  connectorId: string,
  providerMessageId: string,
): Promise<string | null> {
  const r = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.providerMessage(appId, connectorId, providerRefDigest(providerMessageId)),
      ConsistentRead: true,
    }),
  );
  return r.Item ? String(r.Item.messageId) : null;
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
