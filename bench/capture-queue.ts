import { randomUUID } from "node:crypto";
import type { SQSEvent } from "aws-lambda";
import type { QueuePort } from "../lambdas/queue/port.js";
import type { QueueName } from "../lambdas/topology/queues.js";

/**
 * A queue that keeps what the edge functions send, so the bench hands it to the workers itself in
 * SQS batches of the size under test (the local runtime's pollers would pick their own batch sizes).
 */
export class CaptureQueue implements QueuePort {
  private readonly bodies = new Map<QueueName, string[]>();

  async send(queue: QueueName, bodies: string[]): Promise<void> {
    const list = this.bodies.get(queue) ?? [];
    for (const body of bodies) list.push(body);
    this.bodies.set(queue, list);
  }

  /** Everything sent to `queue` since the last take. */
  take(queue: QueueName): string[] {
    const out = this.bodies.get(queue) ?? [];
    this.bodies.set(queue, []);
    return out;
  }
}

/** One message as SQS hands it over: its id and how many times it has been received (1 = first). */
export interface Delivery {
  messageId: string;
  body: string;
  receiveCount: number;
}

/** An SQS event as Lambda's event source mapping delivers it (first delivery of each body). */
export function sqsEvent(queue: QueueName, bodies: string[]): SQSEvent {
  return sqsDeliveries(
    queue,
    bodies.map((body) => ({ messageId: randomUUID(), body, receiveCount: 1 })),
  );
}

/** An SQS event carrying the given deliveries (redeliveries keep their message id). */
export function sqsDeliveries(queue: QueueName, deliveries: readonly Delivery[]): SQSEvent {
  const now = String(Date.now());
  return {
    Records: deliveries.map(({ messageId, body, receiveCount }) => ({
      messageId,
      receiptHandle: randomUUID(),
      body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: now,
        SenderId: "BENCH",
        ApproximateFirstReceiveTimestamp: now,
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: `arn:aws:sqs:local:000000000000:${queue}`,
      awsRegion: "local",
    })),
  };
}

/** Splits `items` into groups of `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
