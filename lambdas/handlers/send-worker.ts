import type { Context } from "aws-lambda";
import { runSendJob, type SendJob } from "../flows/sending.js";
import { nowMs } from "../platform/clock.js";
import { failures, parseBody, type SQSBatchResponse, type SQSEvent } from "../queue/worker.js";
import { campaignContext } from "../store/campaign-context.js";

/** Send queue consumer: each record is one chunk of a sends request; unfinished chunks are redelivered. */
export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  const failed: string[] = [];
  for (const record of event.Records) {
    const job = parseBody<SendJob>(record);
    if (!job) {
      failed.push(record.messageId);
      continue;
    }
    try {
      const ctx = await campaignContext(job.appId, job.campaignId, nowMs());
      if (!ctx) {
        console.error(
          JSON.stringify({
            level: "error",
            msg: "send job for a missing campaign or connector",
            messageId: record.messageId,
          }),
        );
        failed.push(record.messageId);
        continue;
      }
      const complete = await runSendJob(ctx, job, context, nowMs);
      if (!complete) failed.push(record.messageId);
    } catch (e) {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "send job failed",
          messageId: record.messageId,
          error: (e as Error).message,
        }),
      );
      failed.push(record.messageId);
    }
  }
  return failures(failed);
};
