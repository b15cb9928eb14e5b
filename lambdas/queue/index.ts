import type { QueueName } from "../topology/queues.js";
import type { QueueMessage, QueuePort } from "./port.js";
import { SqsQueue } from "./sqs.js";

let current: QueuePort | undefined;

/** The queue the handlers use: SQS on AWS, the in-process adapter when the local runtime installed one. */
export function queue(): QueuePort {
  current ??= new SqsQueue();
  return current;
}

/** The local runtime and tests swap the adapter, never the logic. */
export function setQueue(port: QueuePort): void {
  current = port;
}

export { MAX_DELAY_SECONDS } from "./port.js";
export type { QueueMessage, QueueName, QueuePort };
