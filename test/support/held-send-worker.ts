/**
 * The real send worker behind a gate, for tests of what happens while sends wait in the queue: while
 * `globalThis.sendWorkerHeld` is a pending promise, every batch waits for it (as behind a backlog),
 * then the real worker runs. Nothing fails or is redelivered meanwhile.
 */
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { handler as sendWorker } from "../../lambdas/handlers/send-worker.js";

declare global {
  var sendWorkerHeld: Promise<void> | undefined;
}

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  await globalThis.sendWorkerHeld;
  return sendWorker(event, context);
};
