import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { applyReceiptBatch } from "../flows/receipts.js";
import { nowMs } from "../platform/clock.js";
import { consumeBatch } from "../queue/batch.js";

/** Receipts queue consumer: applies the batch exactly once; unmatched receipts are retried, then parked. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  consumeBatch("receipts", event, (jobs) => applyReceiptBatch(jobs, nowMs));
