import { createHash, randomBytes } from "node:crypto";
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AppInput } from "../schemas/app.js";
import { dynamo } from "./client.js";
import { isConditionFailure } from "./conditions.js";
import { keys } from "./keys.js";
import { tableName } from "./table.js";

/** What handlers need to know about the app a request is for. */
export interface AppRecord {
  appId: string;
  name: string;
  timezone: string;
  currency: string;
}

export interface AppView extends AppRecord {
  createdAt: string;
  updatedAt: string;
}

/** The stored item: the key itself is never stored, only its SHA-256 (hex). */
export interface StoredApp extends AppView {
  apiKeyHash: string;
}

export type PutAppResult = { created: true; app: AppView; apiKey: string } | { created: false; app: AppView };

/** SHA-256 hex of a secret (API keys, webhook tokens): what is stored and looked up. */
export function sha256Hex(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function newApiKey(): string {
  return `sk_${randomBytes(32).toString("base64url")}`;
}

export function toAppView(app: StoredApp): AppView {
  const { appId, name, timezone, currency, createdAt, updatedAt } = app;
  return { appId, name, timezone, currency, createdAt, updatedAt };
}

/**
 * Idempotent create-or-update. Create writes the app and its key lookup in one transaction, so a key
 * never exists without its app; a concurrent create loses the condition and becomes an update.
 */
export async function putApp(appId: string, input: AppInput, nowMs: number): Promise<PutAppResult> {
  const now = new Date(nowMs).toISOString();
  const apiKey = newApiKey();
  const apiKeyHash = sha256Hex(apiKey);
  const app: StoredApp = { appId, ...input, apiKeyHash, createdAt: now, updatedAt: now };
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName(),
              Item: { ...keys.app(appId), type: "app", ...app },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: tableName(),
              Item: { ...keys.apiKey(apiKeyHash), type: "apiKey", appId },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
    return { created: true, app: toAppView(app), apiKey };
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
  const updated = await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.app(appId),
      UpdateExpression: "SET #name = :name, #timezone = :timezone, #currency = :currency, #updatedAt = :now",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: {
        "#name": "name",
        "#timezone": "timezone",
        "#currency": "currency",
        "#updatedAt": "updatedAt",
      },
      ExpressionAttributeValues: {
        ":name": input.name,
        ":timezone": input.timezone,
        ":currency": input.currency,
        ":now": now,
      },
      ReturnValues: "ALL_NEW",
    }),
  );
  return { created: false, app: toAppView(updated.Attributes as StoredApp) };
}

export async function getApp(appId: string): Promise<StoredApp | undefined> {
  const out = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keys.app(appId), ConsistentRead: true }),
  );
  return out.Item as StoredApp | undefined;
}

/** Which app an API key (by its hash) belongs to, if any. */
export async function getApiKeyOwner(apiKeyHash: string): Promise<string | undefined> {
  const out = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keys.apiKey(apiKeyHash), ConsistentRead: true }),
  );
  const appId = out.Item?.appId;
  return typeof appId === "string" ? appId : undefined;
}
