import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { batchPut } from "./batch.js";
import { dynamo } from "./client.js";
import { keys } from "./keys.js";
import { tableName, ttlSeconds } from "./table.js";

/** A short link: where it goes, which message it belongs to, and when it stops answering. */
export interface LinkRecord {
  code: string;
  url: string;
  appId: string;
  campaignId: string;
  instanceId: string;
  userId: string;
  messageId: string;
  /** For the click breakdowns (country from the phone number at send time; never the number itself). */
  country: string | null;
  provider: string;
  /** Epoch ms: the message's sent time + 360 h. */
  expiresAt: number;
}

/** Links outlive their expiry by 30 days (cleanup only; see flows/links for taps after that). */
const KEEP_AFTER_EXPIRY_MS = 30 * 86_400_000;

/**
 * Stores links (unconditional: a code is random and written once, before its SMS exists).
 * @throws DynamoDB errors
 */
export async function putLinks(links: readonly LinkRecord[]): Promise<void> {
  await batchPut(
    links.map((l) => ({ ...keys.link(l.code), ...l, ttl: ttlSeconds(l.expiresAt + KEEP_AFTER_EXPIRY_MS) })),
  );
}

/**
 * The link of a code (eventually consistent: links are written before their SMS is sent).
 * @throws DynamoDB errors
 */
export async function getLink(code: string): Promise<LinkRecord | null> {
  const r = await dynamo().send(new GetCommand({ TableName: tableName(), Key: keys.link(code) }));
  return (r.Item as LinkRecord | undefined) ?? null;
}
