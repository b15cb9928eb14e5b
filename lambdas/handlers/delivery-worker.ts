import {
  applyReceipts,
  type RawReceipt,
  type ReceiptJob,
  receiptRetryDelaySeconds,
} from "../flows/receipts.js";
import { nowMs } from "../platform/clock.js";
import { queue } from "../queue/index.js";
import { failures, parseBody, receiveCount, type SQSBatchResponse, type SQSEvent } from "../queue/worker.js";

/** Receipts queue consumer: applies the batch exactly once; unmatched receipts are retried, then parked. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failed: string[] = [];
  const byApp = new Map<string, ReceiptJob[]>();
  for (const record of event.Records) {
    const raw = parseBody<RawReceipt>(record);
    if (!raw?.appId || !raw.request) {
      failed.push(record.messageId);
      continue;
    }
    const jobs = byApp.get(raw.appId) ?? [];
    jobs.push({ recordId: record.messageId, receiveCount: receiveCount(record), raw });
    byApp.set(raw.appId, jobs);
  }
  for (const [appId, jobs] of byApp) {
    try {
      for (const id of await applyReceipts(appId, jobs, nowMs)) failed.push(id);
    } catch (e) {
      console.error(
        JSON.stringify({ level: "error", msg: "receipt batch failed", error: (e as Error).message }),
      );
      for (const j of jobs) failed.push(j.recordId);
    }
  }
  // Back off: each retry waits twice as long as the one before (SQS ChangeMessageVisibility).
  const port = queue();
  for (const record of event.Records) {
    if (!failed.includes(record.messageId) || !port.retryAfter) continue;
    try {
      await port.retryAfter("receipts", record.receiptHandle, receiptRetryDelaySeconds(receiveCount(record)));
    } catch (e) {
      // The queue's own visibility timeout still brings it back.
      console.error(
        JSON.stringify({
          level: "warn",
          msg: "could not delay a receipt retry",
          error: (e as Error).message,
        }),
      );
    }
  }
  return failures(failed);
};
