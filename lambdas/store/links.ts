import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type LinkPrefix, newLinkPrefix } from "../domain/links.js";
import { forEachLimit } from "../platform/concurrency.js";
import { dynamo } from "./client.js";
import { isConditionFailure } from "./conditions.js";
import { keys } from "./keys.js";
import { retryTransient } from "./retry.js";
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
  /** The experiment variant of the SMS (null: a plain message; absent on links stored before). */
  variantId?: string | null;
  /** Epoch ms: the message's sent time + 360 h. */
  expiresAt: number;
}

/** Links outlive their expiry by 30 days (cleanup only; see flows/links for taps after that). */
const KEEP_AFTER_EXPIRY_MS = 30 * 86_400_000;

/** A code already taken by another link (one in ~10⁹ per code drawn): the caller draws new codes. */
export class LinkCodeTaken extends Error {
  override name = "LinkCodeTaken";
}

/**
 * Stores links, each on the condition that its code is free (a random code can repeat one of its
 * prefix's other codes, and must never re-point it).
 * @throws LinkCodeTaken when a code is already taken (links stored before it stay, unreachable)
 * @throws DynamoDB errors
 */
export async function putLinks(links: readonly LinkRecord[]): Promise<void> {
  await forEachLimit(links, 8, async (l) => {
    try {
      await retryTransient(() =>
        dynamo().send(
          new PutCommand({
            TableName: tableName(),
            Item: { ...keys.link(l.code), ...l, ttl: ttlSeconds(l.expiresAt + KEEP_AFTER_EXPIRY_MS) },
            ConditionExpression: "attribute_not_exists(pk) OR messageId = :mine",
            ExpressionAttributeValues: { ":mine": l.messageId },
          }),
        ),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new LinkCodeTaken(`link code ${l.code} is taken`);
      throw e;
    }
  });
}

/** A link prefix as stored: whose codes it starts (never deleted: it answers after the links are gone). */
export interface LinkPrefixRecord extends LinkPrefix {
  appId: string;
  campaignId: string;
  instanceId: string;
}

/**
 * The instance's link prefix, created on first use: a free prefix is claimed (conditional put, drawn
 * again when taken), then set on the instance item unless a concurrent worker set one first (whose
 * prefix is then used; ours stays unused).
 * @throws DynamoDB errors, or when 8 random prefixes in a row are taken
 */
export async function linkPrefixOf(
  appId: string,
  campaignId: string,
  instanceId: string,
): Promise<LinkPrefix> {
  const instance = keys.instance(appId, campaignId, instanceId);
  const read = await retryTransient(() =>
    dynamo().send(new GetCommand({ TableName: tableName(), Key: instance, ConsistentRead: true })),
  );
  const stored = read.Item?.linkPrefix as LinkPrefix | undefined;
  if (stored) return stored;
  for (let attempt = 0; attempt < 8; attempt++) {
    const fresh = newLinkPrefix();
    try {
      await retryTransient(() =>
        dynamo().send(
          new PutCommand({
            TableName: tableName(),
            Item: { ...keys.linkPrefix(fresh.prefix), ...fresh, appId, campaignId, instanceId },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        ),
      );
    } catch (e) {
      if (isConditionFailure(e)) continue;
      throw e;
    }
    const r = await retryTransient(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: instance,
          UpdateExpression: "SET linkPrefix = if_not_exists(linkPrefix, :p)",
          ExpressionAttributeValues: { ":p": fresh },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return r.Attributes?.linkPrefix as LinkPrefix;
  }
  throw new Error("no free link prefix in 8 draws");
}

/**
 * A link prefix by its characters (eventually consistent: a prefix is read only for codes whose link
 * item is gone, months after it was written).
 * @throws DynamoDB errors
 */
export async function getLinkPrefix(prefix: string): Promise<LinkPrefixRecord | null> {
  const r = await dynamo().send(new GetCommand({ TableName: tableName(), Key: keys.linkPrefix(prefix) }));
  return (r.Item as LinkPrefixRecord | undefined) ?? null;
}

/**
 * The link of a code (eventually consistent unless `consistent`: links are written before their SMS
 * is sent).
 * @throws DynamoDB errors
 */
export async function getLink(
  code: string,
  options: { consistent?: boolean } = {},
): Promise<LinkRecord | null> {
  const r = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.link(code),
      ConsistentRead: options.consistent === true,
    }),
  );
  return (r.Item as LinkRecord | undefined) ?? null;
}
