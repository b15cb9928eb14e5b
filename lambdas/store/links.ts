import { BatchWriteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "./client.js";
import { keys } from "./keys.js";
import { tableName } from "./schema.js";

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

/** Links outlive their expiry by 30 days so late taps can still be told "expired" (and counted as such). */
const TTL_GRACE_SECONDS = 30 * 86_400;

export async function putLinks(links: LinkRecord[]): Promise<void> {
  for (let i = 0; i < links.length; i += 25) {
    let items: Record<string, unknown>[] | undefined = links.slice(i, i + 25).map((l) => ({
      PutRequest: {
        Item: { ...keys.link(l.code), ...l, ttl: Math.floor(l.expiresAt / 1000) + TTL_GRACE_SECONDS },
      },
    }));
    for (let attempt = 0; items && items.length > 0; attempt++) {
      if (attempt > 8) throw new Error("BatchWrite kept leaving links unprocessed");
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const r = await dynamo().send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: items as never } }),
      );
      items = r.UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined;
    }
  }
}

export async function getLink(code: string): Promise<LinkRecord | null> {
  const r = await dynamo().send(new GetCommand({ TableName: tableName(), Key: keys.link(code) }));
  return (r.Item as LinkRecord | undefined) ?? null;
}
