import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { FACT_ATTRIBUTE } from "../store/table.js";

/**
 * The table's change stream on one machine, consumed the way Lambda's DynamoDB event source does:
 * records in order, batches of up to 1,000, a failed batch retried from its first failed record, and
 * — like DynamoDB spreading a table over partitions, each with its own stream shard — records split by
 * partition key into `lanes` that run in parallel, each presented as a shard of its own (`shardId`).
 * The read position is kept in a file under DATA_DIR (fsync'd): after a kill the last batch is read
 * again, and the counters' per-shard checkpoints make that harmless.
 */

export interface StreamEvent {
  Records: DynamoDBRecord[];
  shardId: string;
}

export interface LocalStreamOptions {
  endpoint: string;
  tableName: string;
  /** Keeps the read position across restarts; without it the position lives in memory (tests). */
  positionFile?: string;
  /** Virtual shards (fixed for a data directory once chosen). Default 4. */
  lanes?: number;
  /** The stream's consumer function (the counter), invoked once per lane batch. */
  consume: (event: StreamEvent) => Promise<unknown>;
  log?: (line: string) => void;
  /** Pause between polls when the stream has nothing new, ms. Default 50. */
  idlePollMs?: number;
}

interface Position {
  lanes: number;
  /** Stream shard id → the last sequence number every lane has processed. */
  shards: Record<string, string>;
}

const BATCH = 1000;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readPosition(file: string | undefined, lanes: number): Position {
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Position;
  return { lanes, shards: {} };
}

function writePosition(file: string, position: Position): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, JSON.stringify(position));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Only fact items move counters (the AWS event source filters the same way). */
function isFact(r: StreamRecord): boolean {
  return r.dynamodb?.NewImage?.[FACT_ATTRIBUTE] !== undefined;
}

function failedFrom(result: unknown): string | null {
  const failures = (result as DynamoDBBatchResponse | undefined)?.batchItemFailures ?? [];
  return failures[0]?.itemIdentifier ?? null;
}

export class LocalStream {
  private readonly client: DynamoDBStreamsClient;
  private readonly position: Position;
  private streamArn: string | undefined;
  private cycle: Promise<number> = Promise.resolve(0);
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly log: (line: string) => void;

  private constructor(private readonly options: LocalStreamOptions) {
    this.client = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    this.position = readPosition(options.positionFile, options.lanes ?? 4);
    this.log = options.log ?? (() => {});
  }

  /** Starts consuming in the background. */
  static start(options: LocalStreamOptions): LocalStream {
    const stream = new LocalStream(options);
    stream.loop = stream.run();
    return stream;
  }

  /** A consumer that only moves when `drain()` is called (tests drive it themselves). */
  static manual(options: LocalStreamOptions): LocalStream {
    return new LocalStream(options);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let n = 0;
      try {
        n = await this.poll();
      } catch (e) {
        this.log(`stream: poll failed: ${(e as Error).message}`);
      }
      if (n === 0 && !this.stopped) await sleep(this.options.idlePollMs ?? 50);
    }
  }

  /** One pass over the stream, serialised with every other pass; resolves to the records processed. */
  private poll(): Promise<number> {
    const next = this.cycle.then(
      () => this.pass(),
      () => this.pass(),
    );
    this.cycle = next.catch(() => 0);
    return next;
  }

  private async pass(): Promise<number> {
    this.streamArn ??= (
      await this.client.send(new ListStreamsCommand({ TableName: this.options.tableName }))
    ).Streams?.[0]?.StreamArn;
    if (!this.streamArn) return 0;
    const description = await this.client.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    let processed = 0;
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId as string;
      const after = this.position.shards[shardId];
      const iterator = await this.client.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ...(after
            ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after }
            : { ShardIteratorType: "TRIM_HORIZON" }),
        }),
      );
      const page = await this.client.send(
        new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: BATCH }),
      );
      const records = page.Records ?? [];
      if (records.length === 0) continue;
      await this.deliver(records.filter(isFact));
      this.position.shards[shardId] = records[records.length - 1]?.dynamodb?.SequenceNumber as string;
      if (this.options.positionFile) writePosition(this.options.positionFile, this.position);
      processed += records.length;
    }
    return processed;
  }

  /** Hands each lane its records; a lane that fails is retried from its first failed record. */
  private async deliver(records: StreamRecord[]): Promise<void> {
    const lanes = new Map<number, DynamoDBRecord[]>();
    for (const r of records) {
      const pk = r.dynamodb?.Keys?.pk?.S ?? "";
      const lane = fnv1a(pk) % this.position.lanes;
      const list = lanes.get(lane) ?? [];
      list.push({
        eventID: r.eventID,
        eventName: r.eventName as DynamoDBRecord["eventName"],
        eventSource: "aws:dynamodb",
        eventSourceARN: this.streamArn,
        dynamodb: r.dynamodb as DynamoDBRecord["dynamodb"],
      });
      lanes.set(lane, list);
    }
    await Promise.all(
      [...lanes].map(async ([lane, list]) => {
        let pending = list;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (this.stopped && attempt > 0)
            throw new Error("stream consumer stopped with a batch unprocessed");
          if (attempt > 0) await sleep(Math.min(2000, 25 * 2 ** attempt));
          let from: string | null;
          try {
            from = failedFrom(
              await this.options.consume({ Records: pending, shardId: `local-lane-${lane}` }),
            );
          } catch (e) {
            this.log(`stream: lane ${lane} failed: ${(e as Error).message}`);
            from = pending[0]?.dynamodb?.SequenceNumber ?? null;
          }
          pending =
            from === null
              ? []
              : pending.slice(
                  Math.max(
                    0,
                    pending.findIndex((r) => r.dynamodb?.SequenceNumber === from),
                  ),
                );
        }
      }),
    );
  }

  /** Resolves once every change written before the call has been counted. */
  async drain(): Promise<void> {
    while ((await this.poll()) > 0) {
      // keep going until a pass finds nothing new
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.cycle.catch(() => 0);
    this.client.destroy();
  }
}
