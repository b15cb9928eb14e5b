import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

/** A queue message that is not the JSON its worker expects: it goes to the dead-letter queue, never lost. */
export function parseBody<T>(record: SQSRecord): T | null {
  try {
    return JSON.parse(record.body) as T;
  } catch {
    console.error(
      JSON.stringify({ level: "error", msg: "unparseable queue message", messageId: record.messageId }),
    );
    return null;
  }
}

/** How many times SQS has handed this message out (1 on the first delivery). */
export function receiveCount(record: SQSRecord): number {
  return Number(record.attributes?.ApproximateReceiveCount ?? "1");
}

/** Partial batch response: only the listed messages are redelivered. */
export function failures(ids: Iterable<string>): SQSBatchResponse {
  return { batchItemFailures: [...new Set(ids)].map((itemIdentifier) => ({ itemIdentifier })) };
}

export type { SQSBatchResponse, SQSEvent, SQSRecord };
