import { WINDOW_GRACE_MS, type WindowRecord } from "../domain/attribution.js";
import { batchGet, queryAll } from "./batch.js";
import { type FactWrite, type FactWriteResult, writeFacts } from "./facts.js";
import { keys } from "./keys.js";
import { MESSAGE_TTL_MS } from "./messages.js";
import { ttlSeconds } from "./table.js";

/**
 * Conversion windows: one item per (user, campaign, instance) in the user's partition, sorted by the
 * window's end, so an event finds the windows still open at its time with one Query whatever the
 * user's history. Code checks the end itself (the grace rule); TTL is cleanup only, and it keeps a
 * window a week past its message: a message that still reads as present (a duplicate receipt, a
 * redelivered tap, a repeated send request) would otherwise find no window, store it anew and count
 * its conversions again.
 */

export const windowKey = (
  w: Pick<WindowRecord, "appId" | "userId" | "endAt" | "campaignId" | "instanceId">,
) => keys.window(w.appId, w.userId, w.endAt, w.campaignId, w.instanceId);

/** The write that stores a window (new: version 0 expected) or moves it from the version it was read at. */
export function windowWrite(read: WindowRecord | null, next: WindowRecord): FactWrite {
  return {
    key: windowKey(next),
    item: { fact: "window", ...next, version: (read?.version ?? 0) + 1 },
    expectedVersion: read?.version ?? 0,
    ttl: ttlSeconds(Math.max(next.endAt, next.sentAt + MESSAGE_TTL_MS) + WINDOW_GRACE_MS),
  };
}

/**
 * Writes windows (each one conditional write). Results in the order of `writes`.
 * @throws DynamoDB errors other than failed conditions
 */
export function writeWindows(writes: readonly FactWrite[]): Promise<FactWriteResult[]> {
  return writeFacts(writes);
}

/**
 * The windows of given keys as they stand (strongly consistent); missing ones left out.
 * @throws DynamoDB errors
 */
export async function getWindows(
  list: ReadonlyArray<Pick<WindowRecord, "appId" | "userId" | "endAt" | "campaignId" | "instanceId">>,
): Promise<WindowRecord[]> {
  return batchGet<WindowRecord>(list.map(windowKey));
}

/**
 * The user's windows that end after `afterMs` (strongly consistent: see flows/attribution, "both
 * sides meet"). One Query; more pages only past 1 MB.
 * @throws DynamoDB errors
 */
export async function windowsEndingAfter(
  appId: string,
  userId: string,
  afterMs: number,
): Promise<WindowRecord[]> {
  const range = keys.windowsEndingAfter(afterMs);
  const items = await queryAll<WindowRecord>({
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
    ExpressionAttributeValues: { ":pk": keys.userPartition(appId, userId), ":a": range.from, ":b": range.to },
    ConsistentRead: true,
  });
  return items.filter((w) => w.endAt > afterMs);
}
