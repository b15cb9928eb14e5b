/**
 * The functions of the system: one Lambda each, with what it may touch. The CDK stack and the local
 * runtime both read this table, so a function that works locally is the function that deploys.
 */
import type { FunctionName, QueueName } from "./names.js";

export type { FunctionName };

export interface FunctionSpec {
  /** Source file, relative to the repository root; it exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Queues this function may send to. */
  sendsTo: QueueName[];
  /** Table access: readers never get write permissions; "none" gets no table at all. */
  table: "none" | "read" | "readWrite";
  /** Secrets it reads: the operator's admin key, the server secret (derives webhook tokens). */
  secrets: Array<"adminKey" | "serverSecret">;
}

export const functions: Record<FunctionName, FunctionSpec> = {
  management: {
    entry: "lambdas/handlers/management.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    sendsTo: [],
    table: "readWrite",
    secrets: ["adminKey", "serverSecret"],
  },
  sends: {
    entry: "lambdas/handlers/sends.ts",
    memoryMb: 512,
    timeoutSeconds: 29,
    sendsTo: ["sends"],
    table: "readWrite",
    secrets: [],
  },
  events: {
    entry: "lambdas/handlers/events.ts",
    memoryMb: 512,
    timeoutSeconds: 29,
    sendsTo: ["events"],
    table: "readWrite",
    secrets: [],
  },
  analytics: {
    entry: "lambdas/handlers/analytics.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    sendsTo: [],
    table: "read",
    secrets: [],
  },
  webhook: {
    entry: "lambdas/handlers/webhook.ts",
    memoryMb: 256,
    timeoutSeconds: 10,
    sendsTo: ["receipts"],
    table: "read",
    secrets: [],
  },
  redirect: {
    entry: "lambdas/handlers/redirect.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    sendsTo: ["clicks"],
    table: "read",
    secrets: [],
  },
  public: {
    entry: "lambdas/handlers/public.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    sendsTo: [],
    table: "read",
    secrets: [],
  },
  parkedReceipts: {
    entry: "lambdas/handlers/parked-receipts.ts",
    memoryMb: 256,
    timeoutSeconds: 29,
    sendsTo: ["receipts"],
    table: "readWrite",
    secrets: ["adminKey"],
  },
  sendWorker: {
    entry: "lambdas/handlers/send-worker.ts",
    memoryMb: 512,
    timeoutSeconds: 120,
    // The sandbox connector's receipts are scheduled as the send happens.
    sendsTo: ["sandboxReceipts"],
    table: "readWrite",
    secrets: ["serverSecret"],
  },
  deliveryWorker: {
    entry: "lambdas/handlers/delivery-worker.ts",
    memoryMb: 512,
    timeoutSeconds: 60,
    sendsTo: [],
    table: "readWrite",
    secrets: [],
  },
  clickWorker: {
    entry: "lambdas/handlers/click-worker.ts",
    memoryMb: 256,
    timeoutSeconds: 60,
    sendsTo: [],
    table: "readWrite",
    secrets: [],
  },
  attributionWorker: {
    entry: "lambdas/handlers/attribution-worker.ts",
    memoryMb: 512,
    timeoutSeconds: 60,
    sendsTo: [],
    table: "readWrite",
    secrets: [],
  },
  counter: {
    entry: "lambdas/handlers/counter.ts",
    memoryMb: 512,
    timeoutSeconds: 60,
    sendsTo: [],
    table: "readWrite",
    secrets: [],
  },
  // POSTs due sandbox receipts to the API's own webhook URL (outbound HTTPS, like a provider); re-queues
  // those due later than one SQS delay. Reads no table: everything it needs is in the message.
  sandboxDeliverer: {
    entry: "lambdas/handlers/sandbox-deliverer.ts",
    memoryMb: 256,
    timeoutSeconds: 30,
    sendsTo: ["sandboxReceipts"],
    table: "none",
    secrets: [],
  },
};
