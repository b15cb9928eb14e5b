import { z } from "zod";
import { eventAttributes, id, isoDateTime } from "./common.js";
import type { FieldError } from "./issues.js";
import { type Validation, validate } from "./validate.js";

/** Events may come from clocks slightly ahead of ours; further ahead is a client bug. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const event = z.strictObject({
  eventId: id,
  userId: id,
  name: z.string().min(1).max(128),
  time: isoDateTime,
  attributes: eventAttributes.optional(),
});

/** `POST /v1/apps/{appId}/events`. */
export const eventsInput = z.strictObject({
  events: z.array(event).min(1).max(500),
});

export type EventsInput = z.output<typeof eventsInput>;
export type EventInput = EventsInput["events"][number];

/**
 * Validates a batch, including the rule that needs "now": no event more than 5 minutes in the future.
 * An invalid batch is rejected whole, so every entry's problems are reported at once.
 */
export function validateEvents(body: unknown, nowMs: number): Validation<EventsInput> {
  const shape = validate(eventsInput, body);
  const errors: FieldError[] = shape.ok ? [] : [...shape.errors];
  const list = (body as { events?: unknown } | null)?.events;
  if (Array.isArray(list)) {
    list.forEach((entry: unknown, i) => {
      const time = (entry as { time?: unknown } | null)?.time;
      if (typeof time !== "string" || !isoDateTime.safeParse(time).success) return;
      if (Date.parse(time) > nowMs + MAX_FUTURE_SKEW_MS) {
        errors.push({ field: `events[${i}].time`, problem: "is more than 5 minutes in the future" });
      }
    });
  }
  if (errors.length > 0 || !shape.ok) return { ok: false, errors };
  return shape;
}
