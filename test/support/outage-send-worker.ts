/**
 * The real send worker behind a switch, for tests of the dead-letter path: while
 * `globalThis.sendWorkerOutage` is true every batch fails (as during an outage of a dependency), so its
 * jobs are retried and then dead-lettered; once it is false, the real worker runs.
 */
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { handler as sendWorker } from "../../lambdas/handlers/send-worker.js";

declare global {
  var sendWorkerOutage: boolean | undefined;
}

export const handler = (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
  globalThis.sendWorkerOutage ? Promise.reject(new Error("dependency outage")) : sendWorker(event, context);
