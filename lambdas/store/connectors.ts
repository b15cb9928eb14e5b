import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError } from "../domain/errors.js";
import { serverSecret } from "../platform/secrets.js";
import type { ConnectorConfig, ConnectorInput, Provider } from "../schemas/connector.js";
import { sha256Hex } from "./apps.js";
import { dynamo } from "./client.js";
import { isConditionFailure } from "./conditions.js";
import { keys } from "./keys.js";
import { tableName } from "./table.js";

/** The full connector, credentials included: for the workers only, never for a response. */
export type ConnectorRecord = ConnectorConfig & {
  appId: string;
  connectorId: string;
  /** SHA-256 (hex) of the current webhook token. */
  webhookTokenHash: string;
  /** Random input the token is derived from (useless without the server's webhook token secret). */
  webhookTokenNonce: string;
  createdAt: string;
  updatedAt: string;
};

/**
 * The webhook token is never stored: it is HMAC(server secret, app, connector, nonce), so the send
 * worker can put the URL in each request (Sinch `callback_url`, Kaleyra `dlrurl`) while the table
 * holds only the nonce and the token's SHA-256 for the lookup.
 */
interface StoredConnector {
  appId: string;
  connectorId: string;
  config: ConnectorConfig;
  webhookTokenHash: string;
  webhookTokenNonce: string;
  createdAt: string;
  updatedAt: string;
}

export interface PutConnectorResult {
  created: boolean;
  connector: ConnectorRecord;
  /** The new webhook token on create or rotation; null when the existing one was kept. */
  webhookToken: string | null;
}

/** Non-secret view for API responses. */
export interface ConnectorView {
  appId: string;
  connectorId: string;
  provider: Provider;
  deliveryTracking: boolean;
  sendRatePerSecond: number;
  timeoutMs: number;
  settings: Record<string, string>;
  credentials: "stored";
  createdAt: string;
  updatedAt: string;
}

const MAX_ATTEMPTS = 3;

/** 32 bytes of HMAC-SHA256, base64url: as unguessable as 32 random bytes while the secret is secret. */
async function deriveWebhookToken(appId: string, connectorId: string, nonce: string): Promise<string> {
  const secret = await serverSecret();
  return createHmac("sha256", secret)
    .update(`dlr-webhook\n${appId}\n${connectorId}\n${nonce}`)
    .digest("base64url");
}

function newNonce(): string {
  return randomBytes(16).toString("base64url");
}

/** The receipt URL of a connector: `{base}/webhooks/dlr/{connectorId}/{token}`. */
export function webhookUrlFor(baseUrl: string, connectorId: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/webhooks/dlr/${connectorId}/${token}`;
}

/**
 * The connector's current webhook URL, for the send worker. Throws when the server secret no longer
 * yields the stored token (secret replaced): rotating the connector's token issues a matching one.
 */
export async function connectorWebhookUrl(
  connector: ConnectorRecord,
  baseUrl: string | undefined = process.env.PUBLIC_BASE_URL,
): Promise<string> {
  if (!baseUrl) throw new Error("PUBLIC_BASE_URL is not set");
  const token = await deriveWebhookToken(connector.appId, connector.connectorId, connector.webhookTokenNonce);
  if (!sameHash(sha256Hex(token), connector.webhookTokenHash)) {
    throw new Error(
      `webhook token secret changed since connector ${connector.connectorId}'s token was issued; rotate its webhook token`,
    );
  }
  return webhookUrlFor(baseUrl, connector.connectorId, token);
}

function toRecord(item: StoredConnector): ConnectorRecord {
  return {
    ...item.config,
    appId: item.appId,
    connectorId: item.connectorId,
    webhookTokenHash: item.webhookTokenHash,
    webhookTokenNonce: item.webhookTokenNonce,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

function withoutSwitch(input: ConnectorInput): ConnectorConfig {
  const { rotateWebhookToken: _ignored, ...config } = input;
  return config;
}

async function getStored(appId: string, connectorId: string): Promise<StoredConnector | undefined> {
  const out = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keys.connector(appId, connectorId), ConsistentRead: true }),
  );
  return out.Item as StoredConnector | undefined;
}

export async function getConnector(appId: string, connectorId: string): Promise<ConnectorRecord | undefined> {
  const item = await getStored(appId, connectorId);
  return item ? toRecord(item) : undefined;
}

async function create(
  appId: string,
  connectorId: string,
  config: ConnectorConfig,
  now: string,
): Promise<PutConnectorResult> {
  const nonce = newNonce();
  const token = await deriveWebhookToken(appId, connectorId, nonce);
  const item: StoredConnector = {
    appId,
    connectorId,
    config,
    webhookTokenHash: sha256Hex(token),
    webhookTokenNonce: nonce,
    createdAt: now,
    updatedAt: now,
  };
  await dynamo().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName(),
            Item: { ...keys.connector(appId, connectorId), type: "connector", ...item },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Put: {
            TableName: tableName(),
            Item: { ...keys.webhookToken(item.webhookTokenHash), type: "webhookToken", appId, connectorId },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
    }),
  );
  return { created: true, connector: toRecord(item), webhookToken: token };
}

/**
 * Provider and delivery tracking decide how receipts are read and what attribution counts from;
 * changing them under running campaigns would silently change their numbers.
 */
function assertCompatible(existing: ConnectorConfig, next: ConnectorConfig): void {
  if (existing.provider !== next.provider) {
    throw new ConflictError("A connector's provider cannot change; create a new connector instead", [
      { field: "provider", problem: `is "${existing.provider}" for this connector and cannot change` },
    ]);
  }
  if (existing.deliveryTracking !== next.deliveryTracking) {
    throw new ConflictError("A connector's delivery tracking cannot change; create a new connector instead", [
      {
        field: "deliveryTracking",
        problem: `is ${existing.deliveryTracking} for this connector and cannot change`,
      },
    ]);
  }
}

async function update(
  existing: StoredConnector,
  config: ConnectorConfig,
  rotate: boolean,
  now: string,
): Promise<PutConnectorResult> {
  const { appId, connectorId } = existing;
  const nonce = rotate ? newNonce() : existing.webhookTokenNonce;
  const token = rotate ? await deriveWebhookToken(appId, connectorId, nonce) : null;
  const tokenHash = token ? sha256Hex(token) : existing.webhookTokenHash;
  const updateItem = {
    TableName: tableName(),
    Key: keys.connector(appId, connectorId),
    UpdateExpression: "SET #config = :config, #hash = :hash, #nonce = :nonce, #updatedAt = :now",
    // Guards against a concurrent rotation or provider change between our read and this write.
    ConditionExpression: "#hash = :oldHash AND #config.#provider = :provider",
    ExpressionAttributeNames: {
      "#config": "config",
      "#hash": "webhookTokenHash",
      "#nonce": "webhookTokenNonce",
      "#updatedAt": "updatedAt",
      "#provider": "provider",
    },
    ExpressionAttributeValues: {
      ":config": config,
      ":hash": tokenHash,
      ":nonce": nonce,
      ":now": now,
      ":oldHash": existing.webhookTokenHash,
      ":provider": existing.config.provider,
    },
  };
  if (token) {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: updateItem },
          { Delete: { TableName: tableName(), Key: keys.webhookToken(existing.webhookTokenHash) } },
          {
            Put: {
              TableName: tableName(),
              Item: { ...keys.webhookToken(tokenHash), type: "webhookToken", appId, connectorId },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
  } else {
    await dynamo().send(new UpdateCommand(updateItem));
  }
  const item: StoredConnector = {
    ...existing,
    config,
    webhookTokenHash: tokenHash,
    webhookTokenNonce: nonce,
    updatedAt: now,
  };
  return { created: false, connector: toRecord(item), webhookToken: token };
}

/**
 * Create-or-update. Create issues a webhook token (stored hashed, with its lookup item, in one
 * transaction); update keeps it unless `rotateWebhookToken` is set. Throws ConflictError when the
 * provider or delivery tracking would change.
 */
export async function putConnector(
  appId: string,
  connectorId: string,
  input: ConnectorInput,
  nowMs: number,
): Promise<PutConnectorResult> {
  const now = new Date(nowMs).toISOString();
  const config = withoutSwitch(input);
  for (let attempt = 1; ; attempt++) {
    const existing = await getStored(appId, connectorId);
    try {
      if (!existing) return await create(appId, connectorId, config, now);
      assertCompatible(existing.config, config);
      return await update(existing, config, input.rotateWebhookToken === true, now);
    } catch (err) {
      // Lost a race with another writer: read again and redo the decision.
      if (!isConditionFailure(err) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

function sameHash(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, "hex");
  const b = Buffer.from(bHex, "hex");
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** The connector a webhook URL's token opens, or undefined for an unknown or revoked token. */
export async function findConnectorByWebhookToken(token: string): Promise<ConnectorRecord | undefined> {
  if (token.length === 0 || token.length > 256) return undefined;
  const tokenHash = sha256Hex(token);
  const lookup = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keys.webhookToken(tokenHash), ConsistentRead: true }),
  );
  const appId = lookup.Item?.appId;
  const connectorId = lookup.Item?.connectorId;
  if (typeof appId !== "string" || typeof connectorId !== "string") return undefined;
  const item = await getStored(appId, connectorId);
  if (!item || !sameHash(item.webhookTokenHash, tokenHash)) return undefined;
  return toRecord(item);
}

/** A URL without credentials, query or fragment: enough to recognise the endpoint. */
function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

function settingsOf(c: ConnectorConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: string | undefined): void => {
    if (value !== undefined) out[name] = value;
  };
  switch (c.provider) {
    case "gupshup":
      put("mask", c.gupshup.mask);
      put("baseUrl", c.gupshup.baseUrl && safeUrl(c.gupshup.baseUrl));
      break;
    case "sinch":
      put("from", c.sinch.from);
      put("baseUrl", c.sinch.baseUrl && safeUrl(c.sinch.baseUrl));
      break;
    case "kaleyra":
      put("sender", c.kaleyra.sender);
      put("baseUrl", c.kaleyra.baseUrl && safeUrl(c.kaleyra.baseUrl));
      break;
    case "custom":
      put("method", c.custom.request.method);
      put("urlHost", new URL(c.custom.request.url).host);
      break;
    case "sandbox": {
      const { deliveryRate, stuckRate, delaySeconds, failures, inTransitReceipts } = c.sandbox;
      put("deliveryRate", String(deliveryRate));
      put("stuckRate", String(stuckRate));
      put("delaySeconds", `median ${delaySeconds.median}, p90 ${delaySeconds.p90}, max ${delaySeconds.max}`);
      put("failureCodes", failures.map((f) => `${f.code} ${f.status}`).join(", "));
      put("inTransitReceipts", String(inTransitReceipts));
      break;
    }
  }
  return out;
}

/** What a response may show: provider and non-secret settings; credentials only as "stored". */
export function connectorView(c: ConnectorRecord): ConnectorView {
  return {
    appId: c.appId,
    connectorId: c.connectorId,
    provider: c.provider,
    deliveryTracking: c.deliveryTracking,
    sendRatePerSecond: c.sendRatePerSecond,
    timeoutMs: c.timeoutMs,
    settings: settingsOf(c),
    credentials: "stored",
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
