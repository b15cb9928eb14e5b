import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { sendJobs } from "../flows/sending.js";
import { nowMs } from "../platform/clock.js";
import { consumeBatch } from "../queue/batch.js";

/** Send queue consumer: each record is one chunk of a sends request; unfinished chunks are redelivered. */
export const handler = (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
  consumeBatch("sends", event, (jobs) => sendJobs(jobs, context, nowMs));
