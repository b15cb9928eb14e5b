import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { countChanges, type ItemChange } from "../flows/counting.js";
import { nowMs } from "../platform/clock.js";
import { logger } from "../platform/logger.js";

/**
 * The table's change stream consumer: one invocation per stream shard at a time, records in order.
 * The event source uses a tumbling window only so that Lambda passes `shardId` (the counters keep a
 * checkpoint per shard); no window state is kept. On failure the batch is retried from its first record.
 */
export interface StreamEvent {
  Records: DynamoDBRecord[];
  shardId?: string;
}

const image = (i: Record<string, unknown> | undefined): Record<string, unknown> | null =>
  i ? unmarshall(i as Record<string, AttributeValue>) : null;

export const handler = async (event: StreamEvent): Promise<DynamoDBBatchResponse & { state: object }> => {
  const records = event.Records ?? [];
  if (records.length === 0) return { state: {}, batchItemFailures: [] };
  if (!event.shardId)
    throw new Error("stream event without shardId: the event source needs a tumbling window");
  const changes: ItemChange[] = records.map((r) => ({
    sequence: r.dynamodb?.SequenceNumber ?? "0",
    eventName: (r.eventName ?? "MODIFY") as ItemChange["eventName"],
    oldImage: image(r.dynamodb?.OldImage),
    newImage: image(r.dynamodb?.NewImage),
  }));
  // One line per batch, like the queue consumers' (queue/batch.ts): ids and counts only, never images.
  const line = { stream: "table", shardId: event.shardId, records: records.length };
  try {
    const counted = await countChanges(event.shardId, changes, nowMs());
    logger.info("batch", { ...line, applied: records.length, retried: 0, parked: 0, ...counted });
    return { state: {}, batchItemFailures: [] };
  } catch (e) {
    logger.error("counting failed; the batch is retried", { shardId: event.shardId, error: e as Error });
    // The whole batch comes back from its first record; nothing of it is applied twice.
    logger.info("batch", { ...line, applied: 0, retried: records.length, parked: 0 });
    return { state: {}, batchItemFailures: [{ itemIdentifier: changes[0]?.sequence ?? "" }] };
  }
};
