/** The work queues: which function consumes each, batch sizes, visibility and dead-lettering. */
import type { FunctionName, QueueName } from "./names.js";

export type { QueueName };

export interface QueueSpec {
  consumer: FunctionName;
  batchSize: number;
  /** Longer than the consumer's timeout, as SQS requires for Lambda event sources. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  /** At most this many concurrent consumer invocations (SQS event source maximum concurrency, ≥ 2). */
  maxConcurrency?: number;
}

export const queues: Record<QueueName, QueueSpec> = {
  sends: {
    consumer: "sendWorker",
    batchSize: 5,
    visibilityTimeoutSeconds: 720,
    maxReceiveCount: 3,
    maxConcurrency: 2,
  },
  receipts: { consumer: "deliveryWorker", batchSize: 100, visibilityTimeoutSeconds: 360, maxReceiveCount: 8 },
  clicks: { consumer: "clickWorker", batchSize: 100, visibilityTimeoutSeconds: 360, maxReceiveCount: 5 },
  events: {
    consumer: "attributionWorker",
    batchSize: 100,
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 5,
  },
  // The sandbox connector's receipts, each delayed until it is due, then POSTed to the connector's
  // webhook like a provider's callback (flows/sandbox-receipts.ts).
  sandboxReceipts: {
    consumer: "sandboxDeliverer",
    batchSize: 10,
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 5,
  },
};

/** Environment variable that carries a queue's URL into the functions that send to it (`SANDBOX_RECEIPTS_QUEUE_URL`). */
export function queueUrlEnv(name: QueueName): string {
  return `${name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_QUEUE_URL`;
}
