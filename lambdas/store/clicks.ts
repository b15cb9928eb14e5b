import { type ClickerId, type ClickerRecord, emptyClicker, type TapRecord } from "../domain/clicks.js";
import { batchGet } from "./batch.js";
import type { FactWrite } from "./facts.js";
import { type Key, keys } from "./keys.js";
import { ttlSeconds } from "./table.js";

/**
 * Clicks: the clicker item (a user's earliest taps in one instance) and taps recorded on their own.
 * Both must outlive every redelivery of their taps (SQS keeps a message at most 14 days, the redirect
 * answers expired links for ever): kept 30 days after the tap's link expiry. Cleanup only.
 */
const KEEP_AFTER_EXPIRY_MS = 30 * 86_400_000;

export function clickerKey(c: ClickerId): Key {
  return keys.clicker(c.appId, c.campaignId, c.instanceId, c.userId);
}

/**
 * Clicker items of the given users, strongly consistent; an absent one reads as empty (version 0).
 * Keyed by `clickerKey(id).pk`.
 * @throws DynamoDB errors
 */
export async function readClickers(
  ids: ReadonlyArray<ClickerId & { tz: string }>,
): Promise<Map<string, ClickerRecord>> {
  const out = new Map<string, ClickerRecord>();
  for (const id of ids) out.set(clickerKey(id).pk, emptyClicker(id, id.tz));
  for (const item of await batchGet<ClickerRecord & { pk: string }>(ids.map(clickerKey)))
    out.set(item.pk, item);
  return out;
}

/**
 * Which of these click ids were recorded as taps of their own (strongly consistent).
 * @throws DynamoDB errors
 */
export async function recordedTaps(clickIds: readonly string[]): Promise<Set<string>> {
  const items = await batchGet<{ id: string }>(clickIds.map((id) => keys.tap(id)));
  return new Set(items.map((t) => t.id));
}

export function clickerWrite(read: ClickerRecord, next: ClickerRecord, expiresAt: number): FactWrite {
  return {
    key: clickerKey(next),
    item: { fact: "clicker", ...next, version: read.version + 1 },
    expectedVersion: read.version,
    ttl: ttlSeconds(expiresAt + KEEP_AFTER_EXPIRY_MS),
  };
}

export function tapWrite(tap: TapRecord, expiresAt: number): FactWrite {
  return {
    key: keys.tap(tap.id),
    item: { fact: "tap", ...tap },
    expectedVersion: 0,
    ttl: ttlSeconds(Math.max(expiresAt, tap.at) + KEEP_AFTER_EXPIRY_MS),
  };
}
