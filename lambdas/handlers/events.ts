import { DateTime } from "luxon";
import { acceptEvents } from "../flows/events.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { orThrow } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { validateEvents } from "../schemas/events.js";

/**
 * `POST /v1/apps/{appId}/events`: validates the whole batch first (an invalid batch changes nothing),
 * then flows/events claims and queues each event.
 */
export const handler = jsonHandler(async (event) => {
  const now = nowMs();
  const body = orThrow(validateEvents(event.jsonBody ?? null, now));
  const events = body.events.map((e) => ({
    eventId: e.eventId,
    userId: e.userId,
    name: e.name,
    at: DateTime.fromISO(e.time, { setZone: true }).toMillis(),
    attributes: e.attributes ?? {},
  }));
  return json(202, await acceptEvents(appOf(event).appId, events, now));
});
