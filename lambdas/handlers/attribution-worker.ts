import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { attributeQueuedBatch } from "../flows/events.js";
import { nowMs } from "../platform/clock.js";
import { consumeBatch } from "../queue/batch.js";

/** Events queue consumer: each event id counts once per app; each event is attributed exactly once. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  consumeBatch("events", event, (events) => attributeQueuedBatch(events, nowMs()));
