import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { App, AppSettings } from "../domain/app.js";
import { dynamo } from "./client.js";
import { isConditionFailure, transactIf, writeIf } from "./conditions.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/**
 * Apps (tenants) and their API keys. The key itself is never stored: the app item holds its SHA-256
 * (hex), and a lookup item per hash says which app it belongs to (401 vs 403 without reading the app).
 */

/** What handlers need to know about the app a request is for. */
export type AppRecord = Pick<App, "appId" | "name" | "timezone" | "currency">;

/** The stored app: the current key's hash next to the app's fields. */
export type StoredApp = App & { apiKeyHash: string };

function toApp(item: Record<string, unknown>): StoredApp {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return { dataSince: null, ...(rest as Omit<StoredApp, "dataSince">) } as StoredApp;
}

/**
 * Creates the app with its key lookup in one transaction (a key never exists without its app).
 * False when the app already exists.
 * @throws DynamoDB errors other than the condition
 */
export async function createApp(app: StoredApp): Promise<boolean> {
  return transactIf([
    {
      Put: {
        TableName: tableName(),
        Item: { ...keys.app(app.appId), type: "app", ...app },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: { ...keys.apiKey(app.apiKeyHash), type: "apiKey", appId: app.appId },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ]);
}

/**
 * Updates an app's settings. Returns the app as it now stands, or undefined when it does not exist.
 * @throws DynamoDB errors other than the condition
 */
export async function updateApp(
  appId: string,
  settings: AppSettings,
  now: string,
): Promise<StoredApp | undefined> {
  try {
    const updated = await retryTransient(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.app(appId),
          UpdateExpression:
            "SET #name = :name, #timezone = :timezone, #currency = :currency, #updatedAt = :now",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: {
            "#name": "name",
            "#timezone": "timezone",
            "#currency": "currency",
            "#updatedAt": "updatedAt",
          },
          ExpressionAttributeValues: {
            ":name": settings.name,
            ":timezone": settings.timezone,
            ":currency": settings.currency,
            ":now": now,
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return toApp(updated.Attributes ?? {});
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

/**
 * Notes that the app has data (its first sends or events), once: later calls change nothing.
 * @throws DynamoDB errors other than the condition
 */
export async function markAppData(appId: string, now: string): Promise<void> {
  await writeIf(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.app(appId),
        UpdateExpression: "SET dataSince = :now",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(dataSince) OR dataSince = :null)",
        ExpressionAttributeValues: { ":now": now, ":null": null },
      }),
    ),
  );
}

/**
 * Replaces the app's API key: the new key's lookup appears and the old one's goes, in one transaction
 * with the app's hash, so exactly one key works at any time. False when the app does not exist.
 * @throws DynamoDB errors other than the condition
 */
export async function replaceApiKey(app: StoredApp, newHash: string, now: string): Promise<boolean> {
  return transactIf([
    {
      Update: {
        TableName: tableName(),
        Key: keys.app(app.appId),
        UpdateExpression: "SET apiKeyHash = :new, updatedAt = :now",
        ConditionExpression: "apiKeyHash = :old",
        ExpressionAttributeValues: { ":new": newHash, ":old": app.apiKeyHash, ":now": now },
      },
    },
    { Delete: { TableName: tableName(), Key: keys.apiKey(app.apiKeyHash) } },
    {
      Put: {
        TableName: tableName(),
        Item: { ...keys.apiKey(newHash), type: "apiKey", appId: app.appId },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ]);
}

/**
 * The app, strongly consistent; undefined when it does not exist.
 * @throws DynamoDB errors
 */
export async function getApp(appId: string): Promise<StoredApp | undefined> {
  const out = await retryTransient(() =>
    dynamo().send(new GetCommand({ TableName: tableName(), Key: keys.app(appId), ConsistentRead: true })),
  );
  return out.Item ? toApp(out.Item) : undefined;
}

/**
 * Which app an API key (by its hash) belongs to, if any.
 * @throws DynamoDB errors
 */
export async function getApiKeyOwner(apiKeyHash: string): Promise<string | undefined> {
  const out = await retryTransient(() =>
    dynamo().send(
      new GetCommand({ TableName: tableName(), Key: keys.apiKey(apiKeyHash), ConsistentRead: true }),
    ),
  );
  const appId = out.Item?.appId;
  return typeof appId === "string" ? appId : undefined;
}
