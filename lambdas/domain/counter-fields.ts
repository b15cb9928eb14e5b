/**
 * Names of the counter fields in the daily buckets (store/facts, store/counters). Every fact adds to
 * fields of the bucket of its own app-local day; "cohort" fields are bucketed by the message's sent day.
 * Workers write through these builders and analytics reads through them, so the two cannot drift.
 */
export const fields = {
  // Sending (sent day)
  sent: "sent",
  /** Control-group users (held back, never sent), on the send request's day. */
  held: "held",
  failedToSend: "failedToSend",
  /** Failed to send by reason and code (code "" when the reason has none). */
  failedToSendBy: (reason: string, code: string | null): string => `fts|${reason}|${code ?? ""}`,
  // Delivery (delivery / receipt day)
  delivered: "delivered",
  failedToDeliver: "failedToDeliver",
  /** Failed to deliver by provider code, with a description where known. */
  failedToDeliverBy: (code: string, description: string | null): string =>
    `ftd|${code}|${(description ?? "").replaceAll("|", "/")}`,
  /** Latency bucket index (see domain/latency) counted at delivery time. */
  latency: (bucket: number): string => `lat|${bucket}`,
  /** Conversion windows by the hour they close (ISO hour, UTC): the still-open ones are provisional. */
  windowCloses: (isoHour: string): string => `winclose|${isoHour}`,
  // Cohort state (sent day): moved when the message's state moves
  inTransit: "inTransit",
  pendingConfirmation: "pendingConfirmation",
  /** In transit by the hour the message was sent (ISO hour, UTC): those older than 72 h are reported. */
  inTransitSince: (isoHour: string): string => `transit|${isoHour}`,
  // Clicks (tap day)
  clicks: "clicks",
  clickers: "clickers",
  suspectedBots: "suspectedBots",
  afterExpiry: "afterExpiry",
  urlClicks: (url: string): string => `url|clicks|${url}`,
  urlClickers: (url: string): string => `url|clickers|${url}`,
  // Goals (event day)
  goalEvents: (goalId: string): string => `goal|events|${goalId}`,
  goalUsers: (goalId: string): string => `goal|users|${goalId}`,
  goalRevenue: (goalId: string): string => `goal|revenue|${goalId}`,
  goalEventsWithoutRevenue: (goalId: string): string => `goal|norevenue|${goalId}`,
  /** Revenue-goal events whose revenue attribute was not a plain decimal (`"1,299.00"`, `"₹1,299"`). */
  goalEventsWithUnreadableRevenue: (goalId: string): string => `goal|unreadable|${goalId}`,
  /** Revenue-goal events with a negative revenue attribute (refunds): not summed. */
  goalEventsWithNegativeRevenue: (goalId: string): string => `goal|negative|${goalId}`,
  /** Primary-goal conversions bucketed by the message's sent day. */
  cohortEvents: "cohort|events",
  cohortUsers: "cohort|users",
  // Breakdowns (the fact's own day)
  byCountry: (country: string, metric: BreakdownMetric): string => `country|${metric}|${country}`,
  byProvider: (provider: string, metric: BreakdownMetric): string => `provider|${metric}|${provider}`,
};

// Cost (sent day): `cost|…` fields, named by costFields in domain/cost.ts next to their only writer.

export type BreakdownMetric = "sent" | "delivered" | "failedToDeliver" | "clicks";
