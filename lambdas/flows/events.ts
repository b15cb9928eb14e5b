import type { AppEvent } from "../domain/attribution.js";
import { sha256Base64Url } from "../domain/digest.js";
import { forEachLimit } from "../platform/concurrency.js";
import { logger } from "../platform/logger.js";
import type { BatchOutcome, Received } from "../queue/batch.js";
import type { QueuedEvent } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import { getApp } from "../store/apps.js";
import { claimEventId, eventClaims } from "../store/events.js";
import { type ArrivedEvent, attributeEvents } from "./attribution.js";
import { noteAppData } from "./configuration.js";

/**
 * App events: each event id is accepted once per app (with a digest of its content, so a client retry
 * of the same event is told apart from another event reusing an id), queued, then attributed by the
 * attribution worker.
 */

const PARALLEL_CLAIMS = 32;

/** Content digest: the same event id with other content is a different event (ignored as a duplicate). */
export function eventDigest(e: AppEvent): string {
  const canonical = JSON.stringify([e.eventId, e.userId, e.name, e.at, Object.entries(e.attributes).sort()]);
  return sha256Base64Url(canonical);
}

/**
 * The events route's use case: claims each id, queues what this content owns. An id seen before with the
 * same content is queued again (a client retry after a lost answer), counted as a duplicate.
 * @throws DynamoDB or queue errors (the client retries; claims make the retry safe)
 */
export async function acceptEvents(
  appId: string,
  events: readonly AppEvent[],
  nowMs: number,
): Promise<{ accepted: number; duplicates: number }> {
  await noteAppData(appId, nowMs);
  let accepted = 0;
  let duplicates = 0;
  const toQueue: string[] = [];
  const seen = new Set<string>();
  await forEachLimit(events, PARALLEL_CLAIMS, async (e) => {
    if (seen.has(e.eventId)) {
      duplicates++;
      return;
    }
    seen.add(e.eventId);
    const digest = eventDigest(e);
    const claim = await claimEventId(appId, e.eventId, digest, nowMs);
    if (claim === "new") accepted++;
    else duplicates++;
    if (claim !== "conflict") {
      const queued: QueuedEvent = { appId, digest, receivedAt: nowMs, event: e };
      toQueue.push(JSON.stringify(queued));
    }
  });
  if (toQueue.length > 0) await queue().send("events", toQueue);
  return { accepted, duplicates };
}

/**
 * The attribution worker's use case for one app's queued events: confirm (or make) their id claims,
 * then attribute the events this content owns. A missing claim (the route crashed between queueing and
 * claiming) is made here; an id claimed by other content is a duplicate and ignored.
 * @throws DynamoDB errors (the batch is retried; attribution is idempotent)
 */
export async function attributeQueued(
  appId: string,
  list: readonly Received<QueuedEvent>[],
  nowMs: number,
): Promise<BatchOutcome> {
  const app = await getApp(appId);
  if (!app) return { retry: [], counts: { ignored: list.length } };
  const claims = await eventClaims(
    appId,
    list.map((x) => x.body.event.eventId),
  );
  const events: ArrivedEvent[] = [];
  for (const { body } of list) {
    const claimed = claims.get(body.event.eventId);
    const owns =
      claimed === undefined
        ? (await claimEventId(appId, body.event.eventId, body.digest, nowMs)) !== "conflict"
        : claimed === body.digest;
    if (owns) events.push({ event: body.event, receivedAt: body.receivedAt ?? nowMs });
  }
  await attributeEvents(appId, app.timezone, events, nowMs);
  return { retry: [], counts: { events: events.length } };
}

/**
 * The attribution worker's batch: one app at a time. One failed write must not fail its neighbours
 * (under sustained throttling a 100-event batch would fail on every receive and end in the DLQ):
 * a failed app batch is retried event by event and only those that fail again are handed back.
 */
export async function attributeQueuedBatch(
  list: readonly Received<QueuedEvent>[],
  nowMs: number,
): Promise<BatchOutcome> {
  const byApp = new Map<string, Received<QueuedEvent>[]>();
  for (const x of list) byApp.set(x.body.appId, [...(byApp.get(x.body.appId) ?? []), x]);
  const retry: string[] = [];
  let events = 0;
  for (const [appId, group] of byApp) {
    try {
      events += Number((await attributeQueued(appId, group, nowMs)).counts?.events ?? 0);
    } catch (e) {
      logger.warn("attribution batch failed; retrying its events one by one", { appId, error: e as Error });
      for (const x of group) {
        try {
          await attributeQueued(appId, [x], nowMs);
          events++;
        } catch {
          retry.push(x.recordId);
        }
      }
    }
  }
  return { retry, counts: { events } };
}
