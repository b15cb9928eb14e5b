/**
 * The table's change stream and its consumer: the counter function, one batch per stream shard at a
 * time, in order. The tumbling window exists so Lambda passes `shardId` (the counters keep a checkpoint
 * per shard); no window state is used.
 */
import type { FunctionName } from "./functions.js";

export interface StreamSpec {
  consumer: FunctionName;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  tumblingWindowSeconds: number;
  /** Retries of a failing batch before its records go to the stream's dead-letter queue. */
  retryAttempts: number;
}

export const tableStream: StreamSpec = {
  consumer: "counter",
  batchSize: 1000,
  maxBatchingWindowSeconds: 1,
  tumblingWindowSeconds: 60,
  retryAttempts: 100,
};
