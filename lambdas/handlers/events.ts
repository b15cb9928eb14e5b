import { createHash } from "node:crypto";
import { DateTime } from "luxon";
import type { AppEvent } from "../domain/attribution.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { orThrow } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { forEachLimit } from "../platform/concurrency.js";
import { queue } from "../queue/index.js";
import { type EventInput, validateEvents } from "../schemas/events.js";
import { claimEventId } from "../store/events.js";
import type { QueuedEvent } from "./attribution-worker.js";

const PARALLEL_CLAIMS = 32;

function toAppEvent(e: EventInput): AppEvent {
  return {
    eventId: e.eventId,
    userId: e.userId,
    name: e.name,
    at: DateTime.fromISO(e.time, { setZone: true }).toMillis(),
    attributes: e.attributes ?? {},
  };
}

/** Content digest: the same event id with other content is a different event (ignored as a duplicate). */
function digestOf(e: AppEvent): string {
  const canonical = JSON.stringify([e.eventId, e.userId, e.name, e.at, Object.entries(e.attributes).sort()]);
  return createHash("sha256").update(canonical).digest("base64url");
}

/**
 * `POST /v1/apps/{appId}/events`: validates the whole batch first (an invalid batch changes nothing),
 * claims each event id for the app, and queues the events for attribution. An id seen before with the
 * same content is queued again (a client retry after a lost answer), counted as a duplicate.
 */
export const handler = jsonHandler(async (event) => {
  const app = appOf(event);
  const now = nowMs();
  const body = orThrow(validateEvents(event.jsonBody ?? null, now));
  const events = body.events.map(toAppEvent);
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
    const digest = digestOf(e);
    const claim = await claimEventId(app.appId, e.eventId, digest, now);
    if (claim === "new") accepted++;
    else duplicates++;
    if (claim !== "conflict") {
      const queued: QueuedEvent = { appId: app.appId, digest, event: e };
      toQueue.push(JSON.stringify(queued));
    }
  });
  if (toQueue.length > 0) await queue().send("events", toQueue);
  return json(202, { accepted, duplicates });
});
