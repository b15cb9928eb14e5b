import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, NumberValue, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { fields } from "../lambdas/domain/counter-fields.js";
import { dynamo } from "../lambdas/store/client.js";
import { tableName } from "../lambdas/store/table.js";

/**
 * The exactly-once write as it was before the rework (commit 4026891^, `lambdas/store/facts.ts`
 * `recordFacts`), as a synthetic worker for the contention bench: each fact a conditional Put, its
 * counter deltas summed per chunk into one `ADD` per counter item of one randomly chosen shard of 4
 * (the instance scope and the campaign scope), all in one TransactWriteItems of ≤ 100 items. A
 * cancelled transaction drops the facts whose condition failed (already recorded) and retries the rest
 * after a backoff of 20·2^attempt ms (≤ 1 s, jitter 0.5–1.5×), 8 attempts, then the batch fails and
 * every record goes back to the queue. Before its transactions a batch makes the reads the old worker
 * made (receipts: the provider-id index and the messages; clicks: the clicker items, one
 * BatchGetItem each), so its time per batch is not flattered. Items live under `OLD#…` keys.
 */

export type OldKind = "receipts" | "clicks";

const SHARDS = 4;
const MAX_ITEMS = 100;
const MAX_ATTEMPTS = 8;
const RETRYABLE = new Set(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"]);
const READS: Record<OldKind, number> = { receipts: 2, clicks: 1 };

/** What one fact added to the counters in the old design (the fields the real facts move). */
const DELTAS: Record<OldKind, Array<[string, number]>> = {
  receipts: [
    [fields.delivered, 1],
    [fields.latency(3), 1],
    [fields.byProvider("gupshup", "delivered"), 1],
    [fields.byCountry("IN", "delivered"), 1],
    [fields.inTransit, -1],
    [fields.inTransitSince("2026-01-01T10:00:00.000Z"), -1],
  ],
  clicks: [
    [fields.clicks, 1],
    [fields.clickers, 1],
    [fields.urlClicks("https://shop.example/sale?utm=sms"), 1],
    [fields.urlClickers("https://shop.example/sale?utm=sms"), 1],
    [fields.byProvider("gupshup", "clicks"), 1],
    [fields.byCountry("IN", "clicks"), 1],
  ],
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function counterUpdate(run: string, scope: string, shard: number, facts: number, kind: OldKind) {
  const names: Record<string, string> = {};
  const values: Record<string, NumberValue> = {};
  const adds = DELTAS[kind].map(([field, by], i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = NumberValue.from(String(by * facts));
    return `#f${i} :v${i}`;
  });
  return {
    Update: {
      TableName: tableName(),
      Key: { pk: `OLD#COUNT#${run}#${scope}#${shard}`, sk: "DAY#2026-01-01" },
      UpdateExpression: `ADD ${adds.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

const factKey = (run: string, id: string) => ({ pk: `OLD#${run}#${id}`, sk: "FACT" });

/** One chunk of facts, as `recordChunk` did: retried until applied or 8 attempts are used. Returns the facts it recorded. */
async function recordChunk(kind: OldKind, run: string, ids: string[], at: number): Promise<number> {
  let live = ids;
  for (let attempt = 1; live.length > 0; attempt++) {
    const shard = Math.floor(Math.random() * SHARDS);
    const puts = live.map((id) => ({
      Put: {
        TableName: tableName(),
        Item: { ...factKey(run, id), kind, status: "DELIVERED", at, version: 2 },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    }));
    const counters = [run, "*"].map((scope) => counterUpdate(run, scope, shard, live.length, kind));
    try {
      await dynamo().send(new TransactWriteCommand({ TransactItems: [...puts, ...counters] }));
      return live.length;
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const reasons = e.CancellationReasons ?? [];
      const done = new Set(
        live.filter((_, i) => reasons[i]?.Code === "ConditionalCheckFailed"), // recorded before
      );
      if (done.size > 0) {
        live = live.filter((id) => !done.has(id));
        continue;
      }
      if (!reasons.some((r) => RETRYABLE.has(r.Code ?? ""))) throw e;
      if (attempt >= MAX_ATTEMPTS) throw e;
      await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
  return 0;
}

export interface OldDesignWorker {
  (event: SQSEvent): Promise<SQSBatchResponse>;
  /** Facts recorded so far (each once: a redelivered fact finds its condition false). */
  recorded(): number;
}

/**
 * A worker of the old design for one run: each SQS record's body is a fact id. A batch that cannot
 * record its facts fails whole (all its records are handed back, as the old handlers did).
 */
export function oldDesignWorker(kind: OldKind, run: string): OldDesignWorker {
  let recorded = 0;
  const worker = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const ids = event.Records.map((r) => r.body);
    try {
      for (let i = 0; i < READS[kind]; i++) {
        await dynamo().send(
          new BatchGetCommand({
            RequestItems: {
              [tableName()]: { Keys: ids.map((id) => factKey(run, id)), ConsistentRead: true },
            },
          }),
        );
      }
      const per = MAX_ITEMS - 2;
      for (let i = 0; i < ids.length; i += per) {
        // Read after the await: concurrent invocations share the count.
        const n = await recordChunk(kind, run, ids.slice(i, i + per), Date.now());
        recorded += n;
      }
      return { batchItemFailures: [] };
    } catch {
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
  };
  return Object.assign(worker, { recorded: () => recorded });
}
