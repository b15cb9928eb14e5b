import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { countTaps } from "../flows/clicks.js";
import { nowMs } from "../platform/clock.js";
import { consumeBatch } from "../queue/batch.js";

/** Clicks queue consumer: counts each tap once (see flows/clicks). */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  consumeBatch("clicks", event, (taps) => countTaps(taps, nowMs()));
