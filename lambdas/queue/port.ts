import type { QueueName } from "../topology/queues.js";

/**
 * The longest per-message delay SQS accepts (`DelaySeconds`, 0–900 s; SQS developer guide, "Amazon SQS
 * message timers"). A longer wait is the sender's to split into hops (see flows/scheduled-receipts.ts).
 */
export const MAX_DELAY_SECONDS = 900;

/** One message to queue: its body and, optionally, how long it stays invisible after the send. */
export interface QueueMessage {
  body: string;
  /** Whole seconds, 0–MAX_DELAY_SECONDS (SQS message timer); default 0. */
  delaySeconds?: number;
}

/** Where edge functions put work for the workers. `send` resolves only once every body is durably queued. */
export interface QueuePort {
  /**
   * Queues bodies (a plain string is a message without delay).
   * @throws Error for a delay that is not a whole number of seconds in 0–MAX_DELAY_SECONDS, or when
   *   the queue refuses a message (the caller answers 5xx or retries)
   */
  send(queue: QueueName, messages: ReadonlyArray<string | QueueMessage>): Promise<void>;
  /**
   * A consumer's message that failed stays invisible for `seconds` from now before its next delivery
   * (SQS ChangeMessageVisibility): how workers back off. Optional: without it, the queue's timeout applies.
   */
  retryAfter?(queue: QueueName, receiptHandle: string, seconds: number): Promise<void>;
}

/** The message form of a `send` entry. */
export function asQueueMessage(entry: string | QueueMessage): QueueMessage {
  return typeof entry === "string" ? { body: entry } : entry;
}

/**
 * The delay of a message as SQS takes it.
 * @throws Error for a delay that is not a whole number of seconds in 0–MAX_DELAY_SECONDS (SQS rejects those)
 */
export function delayOf(message: QueueMessage): number {
  const d = message.delaySeconds ?? 0;
  if (!Number.isInteger(d) || d < 0 || d > MAX_DELAY_SECONDS) {
    throw new Error(`a message delay must be a whole number of seconds from 0 to ${MAX_DELAY_SECONDS}`);
  }
  return d;
}
