import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeValue,
  type CancellationReason,
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { TABLE_KEY } from "../store/table.js";

/**
 * A contention model for DynamoDB: a middleware in front of a real `DynamoDBClient` that reproduces
 * what DynamoDB does under concurrency and the embedded engine cannot show (it applies writes one at
 * a time): service time, transaction conflicts and per-partition throttling. Requests it admits are
 * forwarded unchanged; requests it rejects never reach the engine. Sources are sections of the
 * Amazon DynamoDB Developer Guide (DG) and API Reference (API).
 *
 * It is a model, not an emulator. Left out: adaptive capacity and split-for-heat (a hot partition
 * keeps its limit), table and account limits, GSIs, Scan costs, and the exact size of the stored item
 * for UpdateItem/DeleteItem (estimated from the request).
 */

export interface ContentionOptions {
  /** Service time of every request, in milliseconds (default 10). */
  latencyMs?: number;
  /** Write units per second one partition key value accepts (default 1000). */
  partitionWriteUnitsPerSecond?: number;
  /** Read units per second one partition key value accepts (default 3000). */
  partitionReadUnitsPerSecond?: number;
}

export interface ContentionStats {
  /** Requests seen, every SDK attempt counted, rejected ones included. */
  requests: number;
  /** TransactWriteItems and TransactGetItems requests (attempts). */
  transactions: number;
  /** Transactions cancelled with at least one `TransactionConflict` reason. */
  conflictedTransactions: number;
  /** PutItem/UpdateItem/DeleteItem rejected with `TransactionConflictException`. */
  conflictedSingleWrites: number;
  /** Requests refused for partition throughput (transactions cancelled with `ThrottlingError` included). */
  throttled: number;
  /** conflictedTransactions / transactions (0 without transactions). */
  conflictRate: number;
  /** Requests per operation name, e.g. `{ TransactWriteItems: 12, GetItem: 3 }`. */
  byOperation: Record<string, number>;
}

export interface ContentionModel {
  /** A snapshot of the counts since installation or the last `reset()`. */
  stats(): ContentionStats;
  /** Zeroes the counts and refills every partition (holds of requests in flight stay). */
  reset(): void;
}

type Item = Record<string, AttributeValue>;

/** The fields of the request and response shapes the model reads (low-level, marshalled form). */
interface Request {
  TableName?: string;
  Item?: Item;
  Key?: Item;
  ConsistentRead?: boolean;
  IndexName?: string;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  TransactItems?: Array<{
    Put?: { TableName?: string; Item?: Item };
    Update?: { TableName?: string; Key?: Item; ExpressionAttributeValues?: Item };
    Delete?: { TableName?: string; Key?: Item };
    ConditionCheck?: { TableName?: string; Key?: Item };
    Get?: { TableName?: string; Key?: Item };
  }>;
  RequestItems?: Record<
    string,
    | Array<{ PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } }>
    | { Keys?: Item[]; ConsistentRead?: boolean }
  >;
}

interface Response {
  Item?: Item;
  Items?: Item[];
  Responses?: Record<string, Item[]> | Array<{ Item?: Item }>;
}

/** One thing a request touches: an item (empty for a Query) on a partition, and what it costs there. */
interface Touch {
  table: string;
  item: string;
  partition: string;
  units: number;
}

type Kind = "transactWrite" | "transactGet" | "write" | "batchWrite" | "read" | "other";

const SINGLE_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);
const READS = new Set(["GetItem", "BatchGetItem", "Query"]);

/**
 * Installs the model on `clients`, which then share one state (the product's two low-level clients
 * write one table). Install before the clients send.
 *
 * Placement: step `finalizeRequest`, priority `low`, i.e. inside the SDK's retry middleware
 * (`finalizeRequest`, priority `high`), so every attempt is judged: a retried request can conflict or
 * be throttled again, and each attempt counts in `requests`. The SDK retries throttling
 * (`ProvisionedThroughputExceededException`) itself, with its own backoff and client-wide retry quota;
 * it does not retry `TransactionConflictException` or `TransactionCanceledException` (neither is a
 * throttling code nor marked retryable), so those reach the caller after one attempt. To measure raw
 * conflict and throttle rates, create the clients with `maxAttempts: 1`.
 *
 * Requests sent through the clients may then fail with (each with `$metadata.httpStatusCode` 400):
 * `TransactionCanceledException` (TransactWriteItems/TransactGetItems; a `TransactionConflict` or
 * `ThrottlingError` reason per refused item, `None` elsewhere), `TransactionConflictException`
 * (PutItem/UpdateItem/DeleteItem on an item a transaction holds), `ProvisionedThroughputExceededException`
 * (any other request over its partition's throughput).
 *
 * @throws Error `Duplicate middleware name 'contentionModel'` when a client already has a model.
 */
export function addContentionModel(
  clients: DynamoDBClient | readonly DynamoDBClient[],
  options: ContentionOptions = {},
): ContentionModel {
  const latencyMs = options.latencyMs ?? 10;
  const writeRate = options.partitionWriteUnitsPerSecond ?? 1000;
  const readRate = options.partitionReadUnitsPerSecond ?? 3000;
  /** Items named by admitted TransactWriteItems in flight. */
  const held = new Set<string>();
  /** Items named by admitted PutItem/UpdateItem/DeleteItem/BatchWriteItem in flight (count per item). */
  const writing = new Map<string, number>();
  const writeBuckets = new Buckets(writeRate);
  const readBuckets = new Buckets(readRate);
  let stats = emptyStats();

  /** Waits out the service time of a request that arrived at `arrived`. */
  const serviceTime = async (arrived: number): Promise<void> => {
    const left = () => arrived + latencyMs - performance.now();
    while (left() > 0) await sleep(Math.ceil(left()));
  };

  /**
   * One attempt of one request, judged when it arrives:
   * 1. Conflicts (DG "Transaction conflict handling in DynamoDB"): a TransactWriteItems or
   *    TransactGetItems naming an item of an ongoing TransactWriteItems is cancelled, a TransactGetItems
   *    also for an item of an ongoing PutItem, UpdateItem, DeleteItem or BatchWriteItem; a PutItem,
   *    UpdateItem or DeleteItem on an item of an ongoing TransactWriteItems fails. Nothing else is a
   *    documented conflict, so single writes pass each other (DynamoDB serialises them), a
   *    TransactWriteItems passes an ongoing single write, reads (GetItem, BatchGetItem, Query) never
   *    conflict (a GetItem and a transaction "can both succeed"), and BatchWriteItem is not judged.
   * 2. Partition throughput (`Buckets`, `touchesOf`); a refused request consumes no units.
   * 3. Service time: admitted or refused, the answer comes `latencyMs` after arrival at the earliest
   *    (a parameter of the model, not a documented figure). An admitted request is forwarded after it,
   *    and a TransactWriteItems holds its items from arrival until the engine has answered.
   */
  async function handle<T>(operation: string, input: Request, forward: () => Promise<T>): Promise<T> {
    const arrived = performance.now();
    stats.requests++;
    stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
    const kind = kindOf(operation);
    const touches = touchesOf(operation, input);
    const buckets = kind === "transactGet" || kind === "read" ? readBuckets : writeBuckets;

    if (kind === "transactWrite" || kind === "transactGet") {
      stats.transactions++;
      const busy = (item: string) => held.has(item) || (kind === "transactGet" && writing.has(item));
      const short = buckets.short(touches, arrived);
      const reasons = touches.map(
        (t): CancellationReason =>
          busy(t.item)
            ? { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" }
            : short.has(t.partition)
              ? { Code: "ThrottlingError", Message: THROTTLED_MESSAGE }
              : { Code: "None" },
      );
      if (reasons.some((r) => r.Code !== "None")) {
        if (reasons.some((r) => r.Code === "TransactionConflict")) stats.conflictedTransactions++;
        if (reasons.some((r) => r.Code === "ThrottlingError")) stats.throttled++;
        await serviceTime(arrived);
        throw cancelled(reasons);
      }
    } else if (kind === "write" && touches.some((t) => held.has(t.item))) {
      stats.conflictedSingleWrites++;
      await serviceTime(arrived);
      throw new TransactionConflictException({
        message: "Transaction is ongoing for the item",
        $metadata: { httpStatusCode: 400 },
      });
    } else if (buckets.short(touches, arrived).size > 0) {
      stats.throttled++;
      await serviceTime(arrived);
      throw throttled(kind === "read" ? "Read" : "Write", touches);
    }

    buckets.take(touches, arrived);
    const mine = touches.map((t) => t.item).filter((item) => item !== "");
    if (kind === "transactWrite") for (const item of mine) held.add(item);
    if (kind === "write" || kind === "batchWrite") for (const item of mine) count(writing, item, 1);
    try {
      await serviceTime(arrived);
      const output = await forward();
      if (kind === "read" || kind === "transactGet") {
        readBuckets.charge(readsAfter(operation, input, (output as { output?: Response }).output ?? {}));
      }
      return output;
    } finally {
      if (kind === "transactWrite") for (const item of mine) held.delete(item);
      if (kind === "write" || kind === "batchWrite") for (const item of mine) count(writing, item, -1);
    }
  }

  for (const client of ([] as DynamoDBClient[]).concat(clients)) {
    client.middlewareStack.add(
      (next, context) => (args) =>
        handle(String(context.commandName).replace(/Command$/, ""), args.input as Request, () => next(args)),
      { step: "finalizeRequest", priority: "low", name: "contentionModel" },
    );
  }

  return {
    stats: () => ({
      ...stats,
      byOperation: { ...stats.byOperation },
      conflictRate: stats.transactions === 0 ? 0 : stats.conflictedTransactions / stats.transactions,
    }),
    reset() {
      stats = emptyStats();
      writeBuckets.clear();
      readBuckets.clear();
    },
  };
}

function emptyStats(): ContentionStats {
  return {
    requests: 0,
    transactions: 0,
    conflictedTransactions: 0,
    conflictedSingleWrites: 0,
    throttled: 0,
    conflictRate: 0,
    byOperation: {},
  };
}

function kindOf(operation: string): Kind {
  if (operation === "TransactWriteItems") return "transactWrite";
  if (operation === "TransactGetItems") return "transactGet";
  if (SINGLE_WRITES.has(operation)) return "write";
  if (operation === "BatchWriteItem") return "batchWrite";
  return READS.has(operation) ? "read" : "other";
}

function count(map: Map<string, number>, key: string, delta: number): void {
  const n = (map.get(key) ?? 0) + delta;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

/**
 * Per-partition token buckets (DG "Best practices for designing and using partition keys
 * effectively": one partition serves at most 3,000 read units and 1,000 write units per second).
 * Every partition key value is taken to live on a partition of its own. A bucket holds one second of
 * units and refills continuously. A request is admitted when every partition it touches holds its
 * units, or is full (so a request costing more than a second's worth passes and leaves a debt).
 * Read units of an item are charged when the response shows its size, so a bucket can go negative.
 */
class Buckets {
  private readonly tokens = new Map<string, { units: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  /** Partitions among `touches` that cannot pay their units at time `now` (ms, `performance.now()`). */
  short(touches: readonly Touch[], now: number): Set<string> {
    const short = new Set<string>();
    for (const [partition, units] of sumByPartition(touches)) {
      const level = this.level(partition, now);
      if (level < units && level < this.perSecond) short.add(partition);
    }
    return short;
  }

  take(touches: readonly Touch[], now: number): void {
    for (const [partition, units] of sumByPartition(touches)) {
      this.tokens.set(partition, { units: this.level(partition, now) - units, at: now });
    }
  }

  /** Charges units found after the fact (the bucket may go negative). */
  charge(touches: readonly Touch[]): void {
    this.take(touches, performance.now());
  }

  clear(): void {
    this.tokens.clear();
  }

  private level(partition: string, now: number): number {
    const bucket = this.tokens.get(partition);
    if (!bucket) return this.perSecond;
    return Math.min(this.perSecond, bucket.units + ((now - bucket.at) / 1000) * this.perSecond);
  }
}

function sumByPartition(touches: readonly Touch[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const t of touches)
    if (t.partition !== "") sums.set(t.partition, (sums.get(t.partition) ?? 0) + t.units);
  return sums;
}

/**
 * What a request touches and what it costs before its response is known (DG "DynamoDB read and write
 * operations"): a write costs 1 unit per started KB of the item, a transactional write twice that
 * (DG "Capacity management for transactions": a prepare and a commit of every item); a read costs
 * 1 unit per started 4 KB when strongly consistent, half when eventually consistent, twice when
 * transactional — charged here for the smallest size, the rest after the response (`readsAfter`).
 * Sizes: PutItem and Put use the item; UpdateItem and Update the key plus the expression values;
 * DeleteItem, Delete and ConditionCheck the key (DynamoDB charges the stored item, unknown here).
 */
function touchesOf(operation: string, input: Request): Touch[] {
  const table = input.TableName ?? "";
  switch (operation) {
    case "PutItem":
      return [touch(table, input.Item, writeUnits(itemSize(input.Item)))];
    case "UpdateItem":
      return [
        touch(table, input.Key, writeUnits(itemSize(input.Key) + itemSize(input.ExpressionAttributeValues))),
      ];
    case "DeleteItem":
      return [touch(table, input.Key, writeUnits(itemSize(input.Key)))];
    case "GetItem":
      return [touch(table, input.Key, readUnits(0, input.ConsistentRead))];
    case "Query":
      return [
        { table, item: "", partition: queryPartition(input), units: readUnits(0, input.ConsistentRead) },
      ];
    case "TransactWriteItems":
      return (input.TransactItems ?? []).map((action) => {
        if (action.Put)
          return touch(action.Put.TableName, action.Put.Item, 2 * writeUnits(itemSize(action.Put.Item)));
        const update = action.Update;
        if (update) {
          const size = itemSize(update.Key) + itemSize(update.ExpressionAttributeValues);
          return touch(update.TableName, update.Key, 2 * writeUnits(size));
        }
        const keyed = action.Delete ?? action.ConditionCheck;
        return touch(keyed?.TableName, keyed?.Key, 2 * writeUnits(itemSize(keyed?.Key)));
      });
    case "TransactGetItems":
      return (input.TransactItems ?? []).map((action) => touch(action.Get?.TableName, action.Get?.Key, 2));
    case "BatchWriteItem":
    case "BatchGetItem":
      return Object.entries(input.RequestItems ?? {}).flatMap(([name, request]) =>
        Array.isArray(request)
          ? request.map(({ PutRequest, DeleteRequest }) =>
              PutRequest
                ? touch(name, PutRequest.Item, writeUnits(itemSize(PutRequest.Item)))
                : touch(name, DeleteRequest?.Key, writeUnits(itemSize(DeleteRequest?.Key))),
            )
          : (request.Keys ?? []).map((key) => touch(name, key, readUnits(0, request.ConsistentRead))),
      );
    default:
      return [];
  }
}

const ATTRIBUTE_VALUE_KEYS = new Set(["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"]);

/**
 * An item of a response in DynamoDB's own form. A document client (lib-dynamodb) unmarshalls the
 * output inside the step this model sits in (before the deserializer), so items arrive as plain values
 * there; they are marshalled back to be sized. An item whose every value is a one-key
 * `{ S | N | … }` object is taken as already marshalled.
 */
function marshalled(item: Record<string, unknown> | undefined): Item | undefined {
  if (!item) return item;
  const isValue = (v: unknown): boolean =>
    v !== null &&
    typeof v === "object" &&
    Object.keys(v).length === 1 &&
    ATTRIBUTE_VALUE_KEYS.has(Object.keys(v)[0] ?? "");
  if (Object.values(item).every(isValue)) return item as Item;
  return marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
}

/** Read units beyond the smallest size, once the response shows the items (DG "DynamoDB read and write operations"). */
function readsAfter(operation: string, input: Request, raw: Response): Touch[] {
  const output: Response = {
    ...(raw.Item ? { Item: marshalled(raw.Item) } : {}),
    ...(raw.Items ? { Items: raw.Items.map((i) => marshalled(i) as Item) } : {}),
    ...(raw.Responses
      ? {
          Responses: Array.isArray(raw.Responses)
            ? raw.Responses.map((r) => ({ Item: marshalled(r.Item) }))
            : Object.fromEntries(
                Object.entries(raw.Responses).map(([t, items]) => [
                  t,
                  items.map((i) => marshalled(i) as Item),
                ]),
              ),
        }
      : {}),
  };
  const table = input.TableName ?? "";
  const extra = (name: string | undefined, item: Item | undefined, units: number, least: number): Touch => ({
    ...touch(name, item),
    units: units - least,
  });
  switch (operation) {
    case "GetItem": {
      const least = readUnits(0, input.ConsistentRead);
      return [extra(table, input.Key, readUnits(itemSize(output.Item), input.ConsistentRead), least)];
    }
    case "Query": {
      // A Query is one read of the items it returns, their sizes summed before rounding.
      const size = (output.Items ?? []).reduce((sum, item) => sum + itemSize(item), 0);
      const least = readUnits(0, input.ConsistentRead);
      const units = readUnits(size, input.ConsistentRead) - least;
      return [{ table, item: "", partition: queryPartition(input), units }];
    }
    case "TransactGetItems":
      return (Array.isArray(output.Responses) ? output.Responses : []).map((response, i) => {
        const get = input.TransactItems?.[i]?.Get;
        return extra(get?.TableName, get?.Key, 2 * readUnits(itemSize(response.Item), true), 2);
      });
    case "BatchGetItem":
      return Object.entries(Array.isArray(output.Responses) ? {} : (output.Responses ?? {})).flatMap(
        ([name, items]) => {
          const request = input.RequestItems?.[name];
          const consistent = request && !Array.isArray(request) ? request.ConsistentRead : undefined;
          const least = readUnits(0, consistent);
          return items.map((item) => extra(name, item, readUnits(itemSize(item), consistent), least));
        },
      );
    default:
      return [];
  }
}

/** An item (table + `pk` + `sk`) and its partition (table + `pk`), from a key or a whole item. */
function touch(table: string | undefined, item: Item | undefined, units = 0): Touch {
  const pk = item?.[TABLE_KEY.partitionKey];
  const sk = item?.[TABLE_KEY.sortKey];
  return {
    table: table ?? "",
    item: JSON.stringify([table, pk, sk]),
    partition: pk === undefined ? "" : JSON.stringify([table, pk]),
    units,
  };
}

/** The partition a Query reads: the `pk = :value` of its key condition (none for an index). */
function queryPartition(input: Request): string {
  if (input.IndexName) return "";
  for (const [, name = "", value = ""] of (input.KeyConditionExpression ?? "").matchAll(
    /([#\w]+)\s*=\s*(:\w+)/g,
  )) {
    if ((input.ExpressionAttributeNames?.[name] ?? name) !== TABLE_KEY.partitionKey) continue;
    const pk = input.ExpressionAttributeValues?.[value];
    return pk === undefined ? "" : JSON.stringify([input.TableName, pk]);
  }
  return "";
}

const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
const readUnits = (bytes: number, consistent: boolean | undefined): number =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/**
 * An item's size in bytes as DynamoDB counts it (DG "Item sizes and formats"): each attribute's name
 * in UTF-8 plus its value — strings in UTF-8, numbers 1 byte per 2 significant digits plus 1, binary
 * as is, booleans and null 1, lists and maps 3 plus 1 per element (plus their names, for a map).
 */
function itemSize(item: Item | undefined): number {
  let size = 0;
  for (const [name, value] of Object.entries(item ?? {})) size += utf8(name) + valueSize(value);
  return size;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.SS !== undefined) return v.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (v.BS !== undefined) return v.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (v.L !== undefined) return v.L.reduce((sum, e) => sum + 1 + valueSize(e), 3);
  if (v.M !== undefined)
    return Object.entries(v.M).reduce((sum, [k, e]) => sum + 1 + utf8(k) + valueSize(e), 3);
  return 1;
}

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");

function numberSize(n: string): number {
  const digits = n
    .replace(/[eE].*$/, "")
    .replace(/[^0-9]/g, "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The message DynamoDB gives a throttled on-demand request (API "TransactWriteItems", reason `ThrottlingError`). */
const THROTTLED_MESSAGE =
  "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling " +
  "your table or index so please try again shortly.";

/**
 * A cancelled transaction: reasons in the order of `TransactItems`, `None` for items without error
 * (API "TransactWriteItems", "TransactionCanceledException"). DG "Transaction conflict handling in
 * DynamoDB": a TransactWriteItems naming an item of an ongoing TransactWriteItems is cancelled; so is
 * a TransactGetItems naming an item of an ongoing TransactWriteItems, BatchWriteItem, PutItem,
 * UpdateItem or DeleteItem. DG "Key range throughput exceeded": a transaction with any throttled item
 * fails as a whole with TransactionCanceledException.
 */
function cancelled(reasons: CancellationReason[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: reasons,
  });
}

/**
 * Partition throttling: DynamoDB answers `ProvisionedThroughputExceededException` with the reason
 * `Table{Read|Write}KeyRangeThroughputExceeded`, for on-demand tables too (DG "Diagnosing
 * throttling"; key-range limits apply "in both modes", DG "Troubleshooting throttling").
 * `ThrottlingException` is for control-plane calls and for an on-demand table's configured maximum
 * throughput (DG "Error handling", "Diagnosing throttling"), neither of which is modelled. A batch is
 * judged as a unit (DynamoDB would instead return its throttled items as unprocessed).
 */
function throttled(
  access: "Read" | "Write",
  touches: readonly Touch[],
): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message: THROTTLED_MESSAGE,
    $metadata: { httpStatusCode: 400 },
    ThrottlingReasons: [...new Set(touches.map((t) => t.table))].map((table) => ({
      reason: `Table${access}KeyRangeThroughputExceeded`,
      resource: `arn:aws:dynamodb:local:000000000000:table/${table}`,
    })),
  });
}
