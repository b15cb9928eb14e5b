import { z } from "zod";

/**
 * Every queue message, in one place: what the edge functions put on the queues and the workers read.
 * Each message is parsed and validated where it is read (`parseMessage`); one that does not match
 * its contract is a bug or tampering and goes to the dead-letter queue, never silently dropped.
 */

const nonEmpty = z.string().min(1);
const epochMs = z.number().int().nonnegative();
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One chunk (≤ 50 recipients) of a sends request. */
export const sendJob = z.object({
  appId: nonEmpty,
  campaignId: nonEmpty,
  instanceId: nonEmpty,
  /** The connector the job's messages were claimed with; absent on jobs queued before it was named. */
  connectorId: nonEmpty.optional(),
  /** The text of a plain send; absent when the send has variants. */
  message: z.string().optional(),
  /** The texts of an experiment's variants; each message record names its variant. */
  variants: z.array(z.object({ variantId: nonEmpty, message: z.string() })).optional(),
  recipients: z
    .array(
      z.object({
        userId: nonEmpty,
        phone: z.string(),
        attributes: z.record(z.string(), scalar).optional(),
      }),
    )
    .min(1),
});
export type SendJob = z.infer<typeof sendJob>;

/** What the webhook queues: the authenticated receipt request, unparsed (phone numbers dropped). */
export const rawReceipt = z.object({
  id: nonEmpty,
  appId: nonEmpty,
  connectorId: nonEmpty,
  provider: nonEmpty,
  receivedAt: epochMs,
  request: z.object({
    method: z.string(),
    query: z.record(z.string(), z.string()),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
  }),
});
export type RawReceipt = z.infer<typeof rawReceipt>;

/** One app event, with a digest of its content (its id claim). */
export const queuedEvent = z.object({
  appId: nonEmpty,
  digest: nonEmpty,
  /** When the events route received it (its arrival for the grace rule); absent on older messages. */
  receivedAt: epochMs.optional(),
  event: z.object({
    eventId: nonEmpty,
    userId: nonEmpty,
    name: nonEmpty,
    at: z.number().int(),
    attributes: z.record(z.string(), z.union([scalar, z.null()])),
  }),
});
export type QueuedEvent = z.infer<typeof queuedEvent>;

/**
 * One tap on a tracked link, as the redirect decided it. A tap on an expired link whose item is gone
 * (`flows/links`, "gone links") knows only the instance: its user, URL and provider are empty.
 */
export const clickMessage = z
  .object({
    id: nonEmpty,
    at: epochMs,
    bot: z.boolean(),
    expired: z.boolean(),
    appId: nonEmpty,
    campaignId: nonEmpty,
    instanceId: nonEmpty,
    userId: z.string(),
    /** Absent on taps of gone links, and on taps queued before the field existed. */
    messageId: nonEmpty.optional(),
    /** The experiment variant of the SMS (null: a plain message). */
    variantId: nonEmpty.nullable().optional(),
    url: z.string(),
    country: nonEmpty.nullable(),
    provider: z.string(),
    expiresAt: epochMs,
  })
  .refine((c) => c.expired || (c.userId !== "" && c.url !== "" && c.provider !== ""), {
    message: "a tap on a live link names its user, URL and provider",
  });
export type ClickMessageBody = z.infer<typeof clickMessage>;

/**
 * A sandbox receipt waiting to be POSTed to its connector's webhook URL, in the provider's own wire
 * format. SQS delays a message at most 15 minutes: a receipt due later travels in hops, `laterSeconds`
 * being what is left after the current hop.
 */
export const scheduledReceipt = z.object({
  connectorId: nonEmpty,
  /** The connector's webhook URL: it holds the secret token, so it is never logged. */
  url: z.url({ protocol: /^https?$/ }),
  request: z.object({
    method: z.enum(["GET", "POST"]),
    query: z.record(z.string(), z.string()),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
  }),
  laterSeconds: z.number().int().nonnegative(),
});
export type ScheduledReceiptMessage = z.infer<typeof scheduledReceipt>;

export const contracts = {
  sends: sendJob,
  receipts: rawReceipt,
  events: queuedEvent,
  clicks: clickMessage,
  sandboxReceipts: scheduledReceipt,
};

/** A queue's message, parsed against its contract; null when it is not JSON or does not match. */
export function parseMessage<Q extends keyof typeof contracts>(
  queue: Q,
  body: string,
): z.infer<(typeof contracts)[Q]> | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const r = contracts[queue].safeParse(value);
  return r.success ? (r.data as z.infer<(typeof contracts)[Q]>) : null;
}
