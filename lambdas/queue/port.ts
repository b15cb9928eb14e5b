import type { QueueName } from "../topology/queues.js";

/** Where edge functions put work for the workers. `send` resolves only once every body is durably queued. */
export interface QueuePort {
  send(queue: QueueName, bodies: string[]): Promise<void>;
  /**
   * A consumer's message that failed stays invisible for `seconds` from now before its next delivery
   * (SQS ChangeMessageVisibility): how workers back off. Optional: without it, the queue's timeout applies.
   */
  retryAfter?(queue: QueueName, receiptHandle: string, seconds: number): Promise<void>;
}
