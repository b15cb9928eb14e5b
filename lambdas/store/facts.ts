import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { NumberValue, TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import Big from "big.js";
import { dynamo } from "./client.js";
import { FactWriteError } from "./errors.js";
import { CAMPAIGN_SCOPE, keys } from "./keys.js";
import { tableName } from "./schema.js";

/**
 * The exactly-once core. A fact (a send outcome, a receipt transition, a click, an attributed event)
 * is recorded by a conditional write on its own item, and the counters it moves are added in the same
 * DynamoDB transaction. Replays find the condition false and skip the fact; a crash leaves a fact
 * either wholly applied or not at all. Counter deltas of all facts in a chunk are summed into one
 * `ADD` per counter item, and each chunk writes to one randomly chosen shard of the counter partitions.
 */

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** One counter movement: `field` of the app-local `day` bucket of an instance (and so of its campaign). */
export interface CounterAdd {
  appId: string;
  campaignId: string;
  instanceId: string;
  day: string;
  field: string;
  /** A count, or an exact decimal string (money). */
  by: number | string;
}

export interface FactStep {
  /** A Put/Update/ConditionCheck whose ConditionExpression makes it happen at most once. */
  write: TransactItem;
  counters: CounterAdd[];
  /** When its condition fails, drop only this step (e.g. "first click of this user"); otherwise the whole fact. */
  optional?: boolean;
}

export interface Fact {
  id: string;
  steps: FactStep[];
}

export interface RecordResult {
  /** Facts applied now (with any of their optional steps that held). */
  applied: string[];
  /** Facts whose required condition was false: already recorded, or the state moved on (caller re-reads). */
  rejected: string[];
}

export const COUNTER_SHARDS = 4;
const MAX_TRANSACTION_ITEMS = 100;
const MAX_ATTEMPTS = 8;

function itemKey(write: TransactItem): string {
  const op = write.Put ?? write.Update ?? write.ConditionCheck ?? write.Delete;
  const key = write.Put
    ? { pk: write.Put.Item?.pk, sk: write.Put.Item?.sk }
    : (op as { Key?: Record<string, unknown> })?.Key;
  return `${String(key?.pk)}\u0000${String(key?.sk)}`;
}

/** Counter items the given steps touch: both the instance scope and the campaign-wide scope. */
function counterItems(steps: FactStep[], shard: number): TransactItem[] {
  const byItem = new Map<string, { pk: string; sk: string; fields: Map<string, Big> }>();
  for (const step of steps) {
    for (const c of step.counters) {
      for (const scope of [c.instanceId, CAMPAIGN_SCOPE]) {
        const pk = keys.counterPartition(c.appId, c.campaignId, scope, shard);
        const sk = keys.counterDay(c.day);
        const id = `${pk}\u0000${sk}`;
        let item = byItem.get(id);
        if (!item) {
          item = { pk, sk, fields: new Map() };
          byItem.set(id, item);
        }
        item.fields.set(c.field, (item.fields.get(c.field) ?? new Big(0)).plus(c.by));
      }
    }
  }
  const table = tableName();
  const items: TransactItem[] = [];
  for (const { pk, sk, fields } of byItem.values()) {
    const names: Record<string, string> = {};
    const values: Record<string, NumberValue> = {};
    const adds: string[] = [];
    let i = 0;
    for (const [field, total] of fields) {
      if (total.eq(0)) continue;
      names[`#f${i}`] = field;
      values[`:v${i}`] = NumberValue.from(total.toString());
      adds.push(`#f${i} :v${i}`);
      i++;
    }
    if (adds.length === 0) continue; // deltas of this chunk cancelled out
    items.push({
      Update: {
        TableName: table,
        Key: { pk, sk },
        UpdateExpression: `ADD ${adds.join(", ")}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
  }
  return items;
}

function distinctCounterItems(steps: FactStep[]): number {
  const ids = new Set<string>();
  for (const s of steps)
    for (const c of s.counters) ids.add(`${c.appId}\u0000${c.campaignId}\u0000${c.instanceId}\u0000${c.day}`);
  // Each (instance, day) bucket also moves its campaign-wide twin; campaign buckets are shared by instances.
  const campaignDays = new Set(
    [...ids].map((id) =>
      id
        .split("\u0000")
        .filter((_, i) => i !== 2)
        .join("\u0000"),
    ),
  );
  return ids.size + campaignDays.size;
}

/** Splits facts into transactions of at most 100 items, never touching one item twice in a transaction. */
export function chunkFacts(facts: Fact[], maxItems = MAX_TRANSACTION_ITEMS): Fact[][] {
  const chunks: Fact[][] = [];
  let pending = facts;
  while (pending.length > 0) {
    const chunk: Fact[] = [];
    const seen = new Set<string>();
    const deferred: Fact[] = [];
    for (const fact of pending) {
      const factKeys = fact.steps.map((s) => itemKey(s.write));
      const collides = factKeys.some((k) => seen.has(k)) || new Set(factKeys).size !== factKeys.length;
      const steps = [...chunk, fact].flatMap((f) => f.steps);
      const size = steps.length + distinctCounterItems(steps);
      if (fact.steps.length + distinctCounterItems(fact.steps) > maxItems) {
        throw new FactWriteError(`fact ${fact.id} needs more than ${maxItems} items`);
      }
      if (collides && chunk.length === 0 && new Set(factKeys).size !== factKeys.length) {
        throw new FactWriteError(`fact ${fact.id} writes one item twice`);
      }
      if (collides || size > maxItems) {
        deferred.push(fact);
        continue;
      }
      chunk.push(fact);
      for (const k of factKeys) seen.add(k);
    }
    chunks.push(chunk);
    pending = deferred;
  }
  return chunks;
}

const RETRYABLE_REASONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
  "InternalServerError",
]);
const RETRYABLE_ERRORS = new Set([
  "TransactionConflictException",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "InternalServerError",
  "RequestLimitExceeded",
  "TransactionInProgressException",
]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function recordChunk(chunk: Fact[], result: RecordResult, shards: number): Promise<void> {
  // Live steps per fact; a fact whose required step failed leaves the chunk.
  let live = chunk.map((fact) => ({ fact, steps: [...fact.steps] }));
  for (let attempt = 1; live.length > 0; attempt++) {
    const steps = live.flatMap((l) => l.steps);
    const owners = live.flatMap((l) => l.steps.map((step) => ({ l, step })));
    const items = [...steps.map((s) => s.write), ...counterItems(steps, Math.floor(Math.random() * shards))];
    try {
      await dynamo().send(new TransactWriteCommand({ TransactItems: items }));
      for (const l of live) result.applied.push(l.fact.id);
      return;
    } catch (e) {
      const name = (e as Error).name;
      if (e instanceof TransactionCanceledException || name === "TransactionCanceledException") {
        const reasons = (e as TransactionCanceledException).CancellationReasons ?? [];
        const failedSteps = new Set<FactStep>();
        let retryable = false;
        reasons.forEach((r, i) => {
          if (r.Code === "ConditionalCheckFailed" && i < owners.length)
            failedSteps.add((owners[i] as { step: FactStep }).step);
          else if (r.Code && RETRYABLE_REASONS.has(r.Code)) retryable = true;
        });
        if (failedSteps.size > 0) {
          const next: typeof live = [];
          for (const l of live) {
            const requiredFailed = l.steps.some((s) => failedSteps.has(s) && !s.optional);
            if (requiredFailed) result.rejected.push(l.fact.id);
            else next.push({ fact: l.fact, steps: l.steps.filter((s) => !failedSteps.has(s)) });
          }
          live = next;
          continue;
        }
        if (!retryable)
          throw new FactWriteError(`transaction cancelled: ${reasons.map((r) => r.Code).join(",")}`);
      } else if (!RETRYABLE_ERRORS.has(name)) {
        throw e;
      }
      if (attempt >= MAX_ATTEMPTS) throw e;
      await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

/**
 * Records facts exactly once. Safe to call again with the same facts after a crash or a redelivery:
 * what was applied before is rejected by its condition, the rest is applied.
 */
export async function recordFacts(facts: Fact[], options: { shards?: number } = {}): Promise<RecordResult> {
  const result: RecordResult = { applied: [], rejected: [] };
  for (const chunk of chunkFacts(facts)) {
    await recordChunk(chunk, result, options.shards ?? COUNTER_SHARDS);
  }
  return result;
}
