import { nowMs } from "../clock.js";
import type { AppEvent } from "../domain/attribution.js";
import { attributeEvents } from "../flows/attribution.js";
import { failures, parseBody, type SQSBatchResponse, type SQSEvent } from "../queue/worker.js";
import { claimEventId } from "../store/events.js";

/** What the events route puts on the queue: one event, and a digest of its content. */
export interface QueuedEvent {
  appId: string;
  digest: string;
  event: AppEvent;
}

/** Events queue consumer: each event id counts once per app; each event is attributed exactly once. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failed: string[] = [];
  const byApp = new Map<string, Array<{ recordId: string; event: AppEvent }>>();
  for (const record of event.Records) {
    const q = parseBody<QueuedEvent>(record);
    if (!q?.appId || !q.event) {
      failed.push(record.messageId);
      continue;
    }
    try {
      // The route claims ids too; this covers a route that crashed after enqueueing.
      if ((await claimEventId(q.appId, q.event.eventId, q.digest, nowMs())) === "conflict") continue;
      byApp.set(q.appId, [...(byApp.get(q.appId) ?? []), { recordId: record.messageId, event: q.event }]);
    } catch (e) {
      console.error(
        JSON.stringify({ level: "error", msg: "event claim failed", error: (e as Error).message }),
      );
      failed.push(record.messageId);
    }
  }
  for (const [appId, list] of byApp) {
    try {
      await attributeEvents(
        appId,
        list.map((x) => x.event),
        nowMs(),
      );
    } catch (e) {
      console.error(
        JSON.stringify({ level: "error", msg: "attribution failed", error: (e as Error).message }),
      );
      // One failed write must not fail its neighbours (a 100-event batch does 100+ writes, so under
      // sustained throttling it would fail every time and end in the DLQ): retry each event alone and
      // report only those that fail again. Attribution is idempotent, so redoing the applied part is safe.
      for (const x of list) {
        try {
          await attributeEvents(appId, [x.event], nowMs());
        } catch {
          failed.push(x.recordId);
        }
      }
    }
  }
  return failures(failed);
};
