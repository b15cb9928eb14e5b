import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClients, setDynamo } from "../lambdas/store/client.js";
import { keys } from "../lambdas/store/keys.js";

/** What a stretch of work cost in DynamoDB, as the engine reported it (the units DynamoDB bills). */
export interface Cost {
  requests: number;
  /** Write request units: transactional items count double, each per started KB. */
  wru: number;
  /** Read request units. */
  rru: number;
  /** Items returned by reads (GetItem, BatchGetItem, Query). */
  itemsRead: number;
  transactions: number;
  /** Items written inside TransactWriteItems. */
  transactionItems: number;
  /** Conditional writes that failed: DynamoDB still bills them (≥ 1 WRU each, counted here as 1). */
  failedConditional: number;
  /** Per operation (PutItem, TransactWriteItems, Query, …): requests and write units. */
  byCommand: Record<string, { requests: number; wru: number; rru: number }>;
}

export function emptyCost(): Cost {
  return {
    requests: 0,
    wru: 0,
    rru: 0,
    itemsRead: 0,
    transactions: 0,
    transactionItems: 0,
    failedConditional: 0,
    byCommand: {},
  };
}

const COUNTS = [
  "requests",
  "wru",
  "rru",
  "itemsRead",
  "transactions",
  "transactionItems",
  "failedConditional",
] as const;

/** after − before, field by field. */
export function diffCost(after: Cost, before: Cost): Cost {
  const out = emptyCost();
  for (const k of COUNTS) out[k] = after[k] - before[k];
  for (const [name, c] of Object.entries(after.byCommand)) {
    const b = before.byCommand[name] ?? { requests: 0, wru: 0, rru: 0 };
    if (c.requests - b.requests > 0) {
      out.byCommand[name] = { requests: c.requests - b.requests, wru: c.wru - b.wru, rru: c.rru - b.rru };
    }
  }
  return out;
}

/** a + b, field by field. */
export function sumCost(a: Cost, b: Cost): Cost {
  const out = structuredClone(a);
  for (const k of COUNTS) out[k] += b[k];
  for (const [name, c] of Object.entries(b.byCommand)) {
    const e = out.byCommand[name] ?? { requests: 0, wru: 0, rru: 0 };
    out.byCommand[name] = { requests: e.requests + c.requests, wru: e.wru + c.wru, rru: e.rru + c.rru };
  }
  return out;
}

export interface Meter {
  readonly total: Cost;
  snapshot(): Cost;
  /**
   * Cost of `work` (every request), the part of it that touched counter buckets (the counter's reads
   * and writes: requests naming a `COUNT#` key), and its wall time in ms.
   */
  measure<T>(work: () => Promise<T>): Promise<{ value: T; cost: Cost; counter: Cost; ms: number }>;
}

const COUNTER_PK = keys.counterPartition("", "", "").replace(/#+$/, "#");

/** Whether a request names a counter bucket (the input is marshalled or not, depending on the middleware order). */
function touchesCounters(input: Record<string, unknown>): boolean {
  const text = (v: unknown): string =>
    typeof v === "string" ? v : String((v as { S?: unknown } | undefined)?.S ?? "");
  const isCounter = (item: unknown): boolean =>
    text((item as { pk?: unknown } | undefined)?.pk).startsWith(COUNTER_PK);
  if (isCounter(input.Key) || isCounter(input.Item)) return true;
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (text(values?.[":pk"]).startsWith(COUNTER_PK)) return true;
  for (const request of Object.values((input.RequestItems ?? {}) as Record<string, unknown>)) {
    const items = Array.isArray(request)
      ? request.map((w: { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }) =>
          w.PutRequest ? w.PutRequest.Item : w.DeleteRequest?.Key,
        )
      : ((request as { Keys?: unknown[] }).Keys ?? []);
    if (items.some(isCounter)) return true;
  }
  return false;
}

/** `PutCommand` / `PutItemCommand` → `PutItem`, so doc-client and raw-client names read the same. */
function operation(commandName: string): string {
  const base = commandName.replace(/Command$/, "");
  const map: Record<string, string> = {
    Put: "PutItem",
    Get: "GetItem",
    Update: "UpdateItem",
    Delete: "DeleteItem",
    BatchGet: "BatchGetItem",
    BatchWrite: "BatchWriteItem",
    TransactWrite: "TransactWriteItems",
    TransactGet: "TransactGetItems",
  };
  return map[base] ?? base;
}

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

function countItems(output: Record<string, unknown>): number {
  if (Array.isArray(output.Items)) return output.Items.length;
  if ("Item" in output) return output.Item ? 1 : 0;
  if (output.Responses && typeof output.Responses === "object" && !Array.isArray(output.Responses)) {
    return Object.values(output.Responses as Record<string, unknown[]>).reduce((n, l) => n + l.length, 0);
  }
  return 0;
}

/**
 * Points the product's DynamoDB clients at `endpoint` through a middleware that asks for the consumed
 * capacity of every request and adds it up. Returns the meter; `plainClients` undoes the metering.
 */
export function installMeter(endpoint: string): Meter {
  const total = emptyCost();
  const counter = emptyCost();
  const instrument = (raw: DynamoDBClient): void => {
    raw.middlewareStack.add(
      (next, context) => async (args) => {
        const op = operation(String(context.commandName));
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= "TOTAL";
        const sums = touchesCounters(input) ? [total, counter] : [total];
        let result: Awaited<ReturnType<typeof next>> | undefined;
        let failure: unknown;
        try {
          result = await next(args);
        } catch (e) {
          failure = e;
        }
        for (const sum of sums)
          add(sum, op, input, result?.output as unknown as Record<string, unknown>, failure);
        if (failure !== undefined) throw failure;
        return result as Awaited<ReturnType<typeof next>>;
      },
      { step: "initialize", name: "benchMeter" },
    );
  };
  setDynamo(...productClients(endpoint, (raws) => raws.forEach(instrument)));
  const snapshot = (): Cost => structuredClone(total);
  return {
    total,
    snapshot,
    async measure(work) {
      const before = snapshot();
      const counterBefore = structuredClone(counter);
      const t0 = performance.now();
      const value = await work();
      const ms = performance.now() - t0;
      return { value, cost: diffCost(snapshot(), before), counter: diffCost(counter, counterBefore), ms };
    },
  };
}

/** Adds one request (answered with `output`, or failed with `failure`) to `total`. */
function add(
  total: Cost,
  op: string,
  input: Record<string, unknown>,
  output: Record<string, unknown> | undefined,
  failure: unknown,
): void {
  const entry = total.byCommand[op] ?? { requests: 0, wru: 0, rru: 0 };
  total.byCommand[op] = entry;
  total.requests++;
  entry.requests++;
  if (op === "TransactWriteItems") {
    total.transactions++;
    total.transactionItems += (input.TransactItems as unknown[] | undefined)?.length ?? 0;
  }
  if (failure !== undefined) {
    if ((failure as Error).name === "ConditionalCheckFailedException") {
      total.failedConditional++;
      total.wru++;
      entry.wru++;
    }
    return;
  }
  if (!output) return;
  const consumed = ([] as unknown[]).concat(output.ConsumedCapacity ?? []) as Array<{
    CapacityUnits?: number;
    WriteCapacityUnits?: number;
    ReadCapacityUnits?: number;
  }>;
  for (const c of consumed) {
    if (WRITES.has(op)) {
      const u = c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
      total.wru += u;
      entry.wru += u;
    } else {
      const u = c.ReadCapacityUnits ?? c.CapacityUnits ?? 0;
      total.rru += u;
      entry.rru += u;
    }
  }
  if (!WRITES.has(op)) total.itemsRead += countItems(output);
}

/** `maxAttempts` of the product's clients (`lambdas/store/client.ts`). */
export const PRODUCT_MAX_ATTEMPTS = 5;

/**
 * The product's two clients (plain and exact-number) through `documentClients` (lambdas/store/client.ts);
 * `prepare` sees both low-level clients before any request (to add middleware).
 */
export function productClients(
  endpoint: string,
  prepare: (raws: DynamoDBClient[]) => void = () => {},
  /** Sockets per client (the SDK's default is 50). */
  sockets?: number,
): [DynamoDBDocumentClient, DynamoDBDocumentClient] {
  const raws = [0, 1].map(
    () =>
      new DynamoDBClient({
        endpoint,
        region: "local",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        maxAttempts: PRODUCT_MAX_ATTEMPTS,
        ...(sockets === undefined ? {} : { requestHandler: { httpAgent: { maxSockets: sockets } } }),
      }),
  ) as [DynamoDBClient, DynamoDBClient];
  prepare(raws);
  const next = [...raws];
  return documentClients(() => next.shift() as DynamoDBClient);
}

/** Replaces the metered clients with plain ones (latency runs measure the product, not the meter). */
export function plainClients(endpoint: string): void {
  setDynamo(...productClients(endpoint));
}
