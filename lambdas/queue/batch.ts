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
  /** Record ids the flow parked for an operator (kept in the table; done with here, not retried). */
  parked?: Iterable<string>;
  /**
   * The flow's own counts for the batch line (sent, taps, posted, …). They never replace the line's
   * own fields (`records`, `applied`, `retried`, `parked`, `invalid`).
   */
  counts?: Record<string, number>;
};

/** The fields every batch line has, in this order, before the flow's own counts. */
export const BATCH_LINE_FIELDS = ["records", "applied", "retried", "parked", "invalid"] as const;

export function receiveCount(record: SQSRecord): number {
  return Number(record.attributes?.ApproximateReceiveCount ?? "1");
}

/**
 * Runs one SQS batch through `flow` and logs one `batch` line: `queue`, `records` (in the event),
 * `applied` (done with: neither retried, parked nor invalid), `retried`, `parked`, `invalid` (match no
 * contract; retried, then dead-lettered), then the flow's own counts. The line carries ids and counts
 * only — never a message body, so never a phone number, token or credential.
 * @returns the partial batch response: invalid and retried record ids
 */
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
  logger.debug("batch received", {
    queue,
    records: event.Records.map((r) => ({ id: r.messageId, receiveCount: receiveCount(r) })),
  });
  if (invalid.length > 0) logger.error("queue messages that match no contract", { queue, invalid });
  let retry = new Set<string>();
  let parked = new Set<string>();
  let counts: Record<string, number> = {};
  if (valid.length > 0) {
    try {
      const outcome = await flow(valid);
      retry = new Set(outcome.retry);
      parked = new Set([...(outcome.parked ?? [])].filter((id) => !retry.has(id)));
      counts = outcome.counts ?? {};
    } catch (e) {
      logger.error("batch failed; every record is retried", { queue, error: e as Error });
      retry = new Set(valid.map((v) => v.recordId));
    }
  }
  const line: Record<(typeof BATCH_LINE_FIELDS)[number], number> = {
    records: event.Records.length,
    applied: valid.length - retry.size - parked.size,
    retried: retry.size,
    parked: parked.size,
    invalid: invalid.length,
  };
  const own = Object.fromEntries(
    Object.entries(counts).filter(([k]) => !(BATCH_LINE_FIELDS as readonly string[]).includes(k)),
  );
  logger.info("batch", { queue, ...line, ...own });
  return { batchItemFailures: [...invalid, ...retry].map((itemIdentifier) => ({ itemIdentifier })) };
}
