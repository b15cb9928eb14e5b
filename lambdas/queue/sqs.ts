import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { type QueueName, queueUrlEnv } from "../topology/queues.js";
import { asQueueMessage, delayOf, type QueueMessage, type QueuePort } from "./port.js";

const sqs = new SQSClient({});

/**
 * SQS adapter: batches of 10 (each entry with its own `DelaySeconds`), and any entry SQS did not accept
 * fails the whole call (the caller answers 5xx).
 */
export class SqsQueue implements QueuePort {
  async retryAfter(name: QueueName, receiptHandle: string, seconds: number): Promise<void> {
    const url = process.env[queueUrlEnv(name)];
    if (!url) throw new Error(`${queueUrlEnv(name)} is not set`);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: receiptHandle,
        // SQS allows at most 12 hours.
        VisibilityTimeout: Math.min(43_200, Math.max(0, Math.round(seconds))),
      }),
    );
  }

  async send(name: QueueName, messages: ReadonlyArray<string | QueueMessage>): Promise<void> {
    const url = process.env[queueUrlEnv(name)];
    if (!url) throw new Error(`${queueUrlEnv(name)} is not set`);
    const all = messages.map(asQueueMessage);
    const delays = all.map(delayOf);
    for (let i = 0; i < all.length; i += 10) {
      const chunk = all.slice(i, i + 10);
      let entries = chunk.map((m, j) => {
        const delay = delays[i + j] ?? 0;
        return { Id: String(j), MessageBody: m.body, ...(delay > 0 ? { DelaySeconds: delay } : {}) };
      });
      for (let attempt = 0; entries.length > 0; attempt++) {
        const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length > 0 && attempt >= 2) throw new Error(`SQS refused ${entries.length} messages`);
      }
    }
  }
}
