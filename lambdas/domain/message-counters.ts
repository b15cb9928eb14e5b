import { DateTime } from "luxon";
import { localDay } from "./calendar.js";
import { fields } from "./counter-fields.js";
import { latencyBucket } from "./latency.js";
import type { MessageStatus } from "./message-state.js";

/** One counter movement in an app-local day bucket (the store adds the campaign and instance). */
export interface Delta {
  day: string;
  field: string;
  by: number | string;
}

/** What the counters need to know about a message. */
export interface CountedMessage {
  provider: string;
  country: string | null;
  /** Provider accepted (or, for an unknown outcome, was called) at. */
  sentAt: number;
  windowHours: number;
  failedAt: number | null;
  failCode: string | null;
  failDescription: string | null;
}

export type SendResult =
  | { status: "SENT" | "UNTRACKED" }
  | { status: "NOT_SENT"; reason: string; code: string | null }
  | { status: "OUTCOME_UNKNOWN" };

const UTC_HOUR = (ms: number): string =>
  DateTime.fromMillis(ms, { zone: "UTC" }).startOf("hour").toISO() as string;

function breakdown(
  m: CountedMessage,
  day: string,
  metric: "sent" | "delivered" | "failedToDeliver",
  by: number,
): Delta[] {
  const out: Delta[] = [{ day, field: fields.byProvider(m.provider, metric), by }];
  if (m.country) out.push({ day, field: fields.byCountry(m.country, metric), by });
  return out;
}

/** A sent message enters the sent count and, when tracked, the in-transit cohort of its sent day. */
function sentDeltas(m: CountedMessage, tracked: boolean, tz: string, by: 1 | -1): Delta[] {
  const day = localDay(m.sentAt, tz);
  const out: Delta[] = [{ day, field: fields.sent, by }, ...breakdown(m, day, "sent", by)];
  if (tracked) {
    out.push(
      { day, field: fields.inTransit, by },
      { day, field: fields.inTransitSince(UTC_HOUR(m.sentAt)), by },
    );
  } else {
    out.push(
      { day, field: fields.pendingConfirmation, by },
      { day, field: fields.windowCloses(UTC_HOUR(m.sentAt + m.windowHours * 3_600_000)), by },
    );
  }
  return out;
}

/** Counters moved by the outcome of a send attempt. */
export function sendOutcomeDeltas(m: CountedMessage, result: SendResult, tz: string): Delta[] {
  switch (result.status) {
    case "SENT":
      return sentDeltas(m, true, tz, 1);
    case "UNTRACKED":
      return sentDeltas(m, false, tz, 1);
    case "NOT_SENT":
    case "OUTCOME_UNKNOWN": {
      const day = localDay(m.sentAt, tz);
      const reason = result.status === "NOT_SENT" ? result.reason : "SEND_OUTCOME_UNKNOWN";
      const code = result.status === "NOT_SENT" ? result.code : null;
      return [
        { day, field: fields.failedToSend, by: 1 },
        { day, field: fields.failedToSendBy(reason, code), by: 1 },
      ];
    }
  }
}

/** Counters moved by a receipt transition (see domain/message-state). */
export function receiptDeltas(
  m: CountedMessage,
  from: MessageStatus,
  to: "DELIVERED" | "FAILED" | "SENT",
  at: number,
  failure: { code: string; description: string | null } | null,
  tz: string,
): Delta[] {
  const out: Delta[] = [];
  const sentDay = localDay(m.sentAt, tz);
  if (from === "OUTCOME_UNKNOWN") {
    // The receipt proves the message was sent: it leaves "failed to send" and enters "sent".
    out.push(
      { day: sentDay, field: fields.failedToSend, by: -1 },
      { day: sentDay, field: fields.failedToSendBy("SEND_OUTCOME_UNKNOWN", null), by: -1 },
      ...sentDeltas(m, true, tz, 1),
    );
  }
  if (to === "SENT") return out;
  if (from === "FAILED" && m.failedAt !== null) {
    const failedDay = localDay(m.failedAt, tz);
    out.push(
      { day: failedDay, field: fields.failedToDeliver, by: -1 },
      {
        day: failedDay,
        field: fields.failedToDeliverBy(m.failCode ?? "UNSPECIFIED", m.failDescription),
        by: -1,
      },
      ...breakdown(m, failedDay, "failedToDeliver", -1),
    );
  } else {
    out.push(
      { day: sentDay, field: fields.inTransit, by: -1 },
      { day: sentDay, field: fields.inTransitSince(UTC_HOUR(m.sentAt)), by: -1 },
    );
  }
  const day = localDay(at, tz);
  if (to === "DELIVERED") {
    out.push(
      { day, field: fields.delivered, by: 1 },
      { day, field: fields.latency(latencyBucket(at - m.sentAt)), by: 1 },
      { day, field: fields.windowCloses(UTC_HOUR(at + m.windowHours * 3_600_000)), by: 1 },
      ...breakdown(m, day, "delivered", 1),
    );
  } else {
    const f = failure ?? { code: "UNSPECIFIED", description: null };
    out.push(
      { day, field: fields.failedToDeliver, by: 1 },
      { day, field: fields.failedToDeliverBy(f.code, f.description), by: 1 },
      ...breakdown(m, day, "failedToDeliver", 1),
    );
  }
  return out;
}
