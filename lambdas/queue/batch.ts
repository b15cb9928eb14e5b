import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { z } from "zod";
import { logger } from "../platform/logger.js";
import type { QueueName } from "../topology/queues.js";
import { type contracts, parseMessage } from "./contracts.js";

/**
 * The one shape of every SQS consumer: parse each record against its queue's contract (a record that
 * does not match fails alone, and after its retries lands in the dead-letter queue), hand the valid
 * ones to the flow as one batch — flows need the whole batch to read and write in bulk — and answer
 * with the records to retry (partial batch response). One line per batch reports what happened.
 *
 * Why not Powertools' BatchProcessor: it calls a handler per record, while our flows group a batch
 * (one BatchGetItem for 100 receipts, one read of each clicker); this helper is the part we need.
 */
export interface Received<T> {
  recordId: string;
  /** 1 on the first delivery. */
  receiveCount: number;
  receiptHandle: string;
  body: T;
}

export type BatchOutcome = {
  /** Record ids to hand back to the queue. */
  retry: Iterable<string>;
  /** Optional counts for the batch log line (applied, parked, …). */
  counts?: Record<string, number>;
};

export function receiveCount(record: SQSRecord): number {
  return Number(record.attributes?.ApproximateReceiveCount ?? "1");
}

export async function consumeBatch<Q extends QueueName>(
  queue: Q,
  event: SQSEvent,
  flow: (messages: Received<z.infer<(typeof contracts)[Q]>>[]) => Promise<BatchOutcome>,
): Promise<SQSBatchResponse> {
  const invalid: string[] = [];
  const valid: Received<z.infer<(typeof contracts)[Q]>>[] = [];
  for (const record of event.Records) {
    const body = parseMessage(queue, record.body);
    if (body === null) invalid.push(record.messageId);
    else
      valid.push({
        recordId: record.messageId,
        receiveCount: receiveCount(record),
        receiptHandle: record.receiptHandle,
        body,
      });
  }
  if (invalid.length > 0) logger.error("queue messages that match no contract", { queue, invalid });
  let retry: string[] = [];
  let counts: Record<string, number> = {};
  if (valid.length > 0) {
    try {
      const outcome = await flow(valid);
      retry = [...new Set(outcome.retry)];
      counts = outcome.counts ?? {};
    } catch (e) {
      logger.error("batch failed; every record is retried", { queue, error: e as Error });
      retry = valid.map((v) => v.recordId);
    }
  }
  logger.info("batch", {
    queue,
    records: event.Records.length,
    retried: retry.length,
    invalid: invalid.length,
    ...counts,
  });
  return { batchItemFailures: [...invalid, ...retry].map((itemIdentifier) => ({ itemIdentifier })) };
}
