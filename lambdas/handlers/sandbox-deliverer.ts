import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { deliverSandboxReceipts } from "../flows/sandbox-receipts.js";
import { consumeBatch } from "../queue/batch.js";

/** Sandbox receipts queue consumer: POSTs due receipts to the API's own webhook (see flows/sandbox-receipts). */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  consumeBatch("sandboxReceipts", event, (jobs) =>
    deliverSandboxReceipts(jobs, { baseUrl: process.env.PUBLIC_BASE_URL }),
  );
