import type { AppEvent } from "../domain/attribution.js";
import { attributeEvents } from "../flows/attribution.js";
import { nowMs } from "../platform/clock.js";
import { failures, parseBody, type SQSBatchResponse, type SQSEvent } from "../queue/worker.js";
import { claimEventId, eventClaims } from "../store/events.js";

/** What the events route puts on the queue: one event, and a digest of its content. */
export interface QueuedEvent {
  appId: string;
  digest: string;
  event: AppEvent;
}

/** One app's events: confirm (or make) their id claims, then attribute the ones this content owns. */
async function attribute(
  appId: string,
  list: Array<{ recordId: string; queued: QueuedEvent }>,
): Promise<void> {
  const claims = await eventClaims(
    appId,
    list.map((x) => x.queued.event.eventId),
  );
  const events: AppEvent[] = [];
  for (const { queued } of list) {
    const claimed = claims.get(queued.event.eventId);
    const owns =
      claimed === undefined
        ? (await claimEventId(appId, queued.event.eventId, queued.digest, nowMs())) !== "conflict"
        : claimed === queued.digest;
    if (owns) events.push(queued.event);
  }
  await attributeEvents(appId, events, nowMs());
}

/**
 * Events queue consumer: each event id counts once per app; each event is attributed exactly once.
 * The events route claimed every id before queueing it; one batch read confirms the claims (an id
 * claimed by other content is a duplicate and ignored), and a missing claim (the route crashed
 * between queueing and claiming, or the claim expired) is made here.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failed: string[] = [];
  const byApp = new Map<string, Array<{ recordId: string; queued: QueuedEvent }>>();
  for (const record of event.Records) {
    const q = parseBody<QueuedEvent>(record);
    if (!q?.appId || !q.event) {
      failed.push(record.messageId);
      continue;
    }
    byApp.set(q.appId, [...(byApp.get(q.appId) ?? []), { recordId: record.messageId, queued: q }]);
  }
  for (const [appId, list] of byApp) {
    try {
      await attribute(appId, list);
    } catch (e) {
      console.error(
        JSON.stringify({ level: "error", msg: "attribution failed", error: (e as Error).message }),
      );
      // One failed write must not fail its neighbours (a 100-event batch does 100+ writes, so under
      // sustained throttling it would fail on every receive and end in the DLQ): retry each event alone
      // and report only those that fail again. Attribution is idempotent, so redoing applied work is safe.
      for (const x of list) {
        try {
          await attribute(appId, [x]);
        } catch {
          failed.push(x.recordId);
        }
      }
    }
  }
  return failures(failed);
};
