import { type ClickerState, emptyClickerState } from "../domain/clicks.js";
import { batchGet } from "./batch-get.js";
import type { TransactItem } from "./facts.js";
import { type Key, keys } from "./keys.js";
import { tableName } from "./schema.js";

/** Who a clicker item belongs to: one user in one instance. */
export interface ClickerId {
  appId: string;
  campaignId: string;
  instanceId: string;
  userId: string;
}

export function clickerKey(c: ClickerId): Key {
  return keys.clicker(c.appId, c.campaignId, c.instanceId, c.userId);
}

/**
 * A clicker item must outlive every redelivery of its taps: links answer (410) until 30 days after
 * expiry and SQS keeps a message at most 14 days; 2 more days of margin. Cleanup only, never a decision.
 */
const CLICKER_TTL_AFTER_LINK_EXPIRY_SECONDS = 46 * 86_400;

/** Numbers may arrive as plain numbers or as exact wrappers (a client with `wrapNumbers`): read both. */
type StoredNumber = number | { toString(): string };

interface StoredClicker {
  pk: string;
  sk: string;
  clickIds?: Set<string>;
  firstAt?: StoredNumber;
  urlFirstAt?: Record<string, StoredNumber>;
  version?: StoredNumber;
}

function toState(item: StoredClicker | undefined): ClickerState {
  if (!item) return emptyClickerState();
  const urlFirstAt: Record<string, number> = {};
  for (const [url, at] of Object.entries(item.urlFirstAt ?? {})) urlFirstAt[url] = Number(at);
  return {
    clickIds: new Set(item.clickIds ?? []),
    firstAt: item.firstAt === undefined || item.firstAt === null ? null : Number(item.firstAt),
    urlFirstAt,
    version: Number(item.version ?? 0),
  };
}

/** Strongly consistent reads of clicker items, by `pk`; an absent item reads as the empty state (version 0). */
export async function readClickers(ids: ClickerId[]): Promise<Map<string, ClickerState>> {
  const out = new Map<string, ClickerState>();
  const pending = new Map<string, Key>();
  for (const id of ids) {
    const key = clickerKey(id);
    pending.set(key.pk, key);
    out.set(key.pk, emptyClickerState());
  }
  for (const item of await batchGet<StoredClicker>([...pending.values()])) out.set(item.pk, toState(item));
  return out;
}

/**
 * The conditional write that makes a clicker's new state (and so its counter deltas) happen once:
 * created only if absent, or replaced only if nobody moved the version since it was read.
 */
export function clickerWrite(
  id: ClickerId,
  previousVersion: number,
  next: ClickerState,
  expiresAt: number,
): TransactItem {
  const item: Record<string, unknown> = {
    ...clickerKey(id),
    type: "clicker",
    ...id,
    clickIds: next.clickIds,
    clicked: next.firstAt !== null,
    urlFirstAt: next.urlFirstAt,
    version: next.version,
    ttl: Math.floor(expiresAt / 1000) + CLICKER_TTL_AFTER_LINK_EXPIRY_SECONDS,
  };
  if (next.firstAt !== null) item.firstAt = next.firstAt;
  return {
    Put: {
      TableName: tableName(),
      Item: item,
      ...(previousVersion === 0
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: "#version = :version",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":version": previousVersion },
          }),
    },
  };
}
