import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Connector, ConnectorConfig } from "../domain/connector.js";
import { queryAll } from "./batch.js";
import { dynamo } from "./client.js";
import { transactIf, writeIf } from "./conditions.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
import { tableName } from "./table.js";

/**
 * Connectors as stored: the configuration (credentials included), and the webhook token's SHA-256 with
 * the nonce it was derived from (flows/webhook-urls.ts). The token itself is never stored; its hash is
 * also a lookup item of its own, so a receipt's URL finds its connector with one read.
 */

/** The full connector with its webhook token hash and nonce: for the workers only, never for a response. */
export type ConnectorRecord = Connector & {
  /** SHA-256 (hex) of the current webhook token. */
  webhookTokenHash: string;
  /** Random input the token is derived from (useless without the server secret). */
  webhookTokenNonce: string;
};

interface StoredItem {
  appId: string;
  connectorId: string;
  config: ConnectorConfig;
  webhookTokenHash: string;
  webhookTokenNonce: string;
  createdAt: string;
  updatedAt: string;
  archivedAt?: string | null;
}

function toRecord(item: StoredItem): ConnectorRecord {
  return {
    ...item.config,
    appId: item.appId,
    connectorId: item.connectorId,
    webhookTokenHash: item.webhookTokenHash,
    webhookTokenNonce: item.webhookTokenNonce,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    archivedAt: item.archivedAt ?? null,
  } as ConnectorRecord;
}

function toItem(c: ConnectorRecord): StoredItem {
  const {
    appId,
    connectorId,
    webhookTokenHash,
    webhookTokenNonce,
    createdAt,
    updatedAt,
    archivedAt,
    ...config
  } = c;
  return {
    appId,
    connectorId,
    config: config as ConnectorConfig,
    webhookTokenHash,
    webhookTokenNonce,
    createdAt,
    updatedAt,
    archivedAt,
  };
}

/**
 * The connector, strongly consistent; undefined when it does not exist.
 * @throws DynamoDB errors
 */
export async function getConnector(appId: string, connectorId: string): Promise<ConnectorRecord | undefined> {
  const out = await retryTransient(() =>
    dynamo().send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.connector(appId, connectorId),
        ConsistentRead: true,
      }),
    ),
  );
  return out.Item ? toRecord(out.Item as StoredItem) : undefined;
}

/**
 * Every connector of the app, in id order (all pages).
 * @throws DynamoDB errors
 */
export async function listConnectors(appId: string): Promise<ConnectorRecord[]> {
  const items = await queryAll<StoredItem>({
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": keys.app(appId).pk, ":prefix": keys.connectorPrefix },
    ConsistentRead: true,
  });
  return items.map(toRecord);
}

/**
 * Creates a connector with its token lookup in one transaction. False when it already exists.
 * @throws DynamoDB errors other than the condition
 */
export async function createConnector(c: ConnectorRecord): Promise<boolean> {
  return transactIf([
    {
      Put: {
        TableName: tableName(),
        Item: { ...keys.connector(c.appId, c.connectorId), type: "connector", ...toItem(c) },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...keys.webhookToken(c.webhookTokenHash),
          type: "webhookToken",
          appId: c.appId,
          connectorId: c.connectorId,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ]);
}

/**
 * Replaces a connector's configuration (and token, when it rotates: the old lookup goes, the new one
 * comes, in one transaction), if its token and provider are still those read. False when they are not.
 * @throws DynamoDB errors other than the condition
 */
export async function updateConnector(before: ConnectorRecord, after: ConnectorRecord): Promise<boolean> {
  const item = toItem(after);
  const update = {
    TableName: tableName(),
    Key: keys.connector(after.appId, after.connectorId),
    UpdateExpression:
      "SET #config = :config, #hash = :hash, #nonce = :nonce, #updatedAt = :now, #archivedAt = :archivedAt",
    // Guards against a concurrent rotation or provider change between our read and this write.
    ConditionExpression: "#hash = :oldHash AND #config.#provider = :provider",
    ExpressionAttributeNames: {
      "#config": "config",
      "#hash": "webhookTokenHash",
      "#nonce": "webhookTokenNonce",
      "#updatedAt": "updatedAt",
      "#archivedAt": "archivedAt",
      "#provider": "provider",
    },
    ExpressionAttributeValues: {
      ":config": item.config,
      ":hash": item.webhookTokenHash,
      ":nonce": item.webhookTokenNonce,
      ":now": item.updatedAt,
      ":archivedAt": item.archivedAt ?? null,
      ":oldHash": before.webhookTokenHash,
      ":provider": before.provider,
    },
  };
  if (after.webhookTokenHash === before.webhookTokenHash)
    return writeIf(() => dynamo().send(new UpdateCommand(update)));
  return transactIf([
    { Update: update },
    { Delete: { TableName: tableName(), Key: keys.webhookToken(before.webhookTokenHash) } },
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...keys.webhookToken(after.webhookTokenHash),
          type: "webhookToken",
          appId: after.appId,
          connectorId: after.connectorId,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ]);
}

/**
 * The connector a token hash opens, or undefined for an unknown or revoked token.
 * @throws DynamoDB errors
 */
export async function findConnectorByTokenHash(tokenHash: string): Promise<ConnectorRecord | undefined> {
  const lookup = await retryTransient(() =>
    dynamo().send(
      new GetCommand({ TableName: tableName(), Key: keys.webhookToken(tokenHash), ConsistentRead: true }),
    ),
  );
  const appId = lookup.Item?.appId;
  const connectorId = lookup.Item?.connectorId;
  if (typeof appId !== "string" || typeof connectorId !== "string") return undefined;
  return getConnector(appId, connectorId);
}
