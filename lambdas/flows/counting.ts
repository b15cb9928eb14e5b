import Big from "big.js";
import { changeBetween, FACT_KINDS, type FactItem } from "../domain/contributions.js";
import { forEachLimit } from "../platform/concurrency.js";
import {
  addToBucket,
  bucketId,
  type CounterBucket,
  paddedSequence,
  readCheckpoints,
} from "../store/counters.js";
import { counterScopes } from "../store/keys.js";

/**
 * Counting: turns the changes of fact items, read in order from one shard of the table's change
 * stream, into daily counter movements — each change applied exactly once. A change moves the
 * counters by `contribution(new) − contribution(old)` (domain/contributions); every bucket remembers
 * the last sequence number of this shard it applied, in the same write as the counts, so a batch that
 * is retried (whole or in part) adds nothing twice. Deletions (TTL cleanup) never un-count anything.
 */

/** One change of one item, as the stream delivers it (images unmarshalled). */
export interface ItemChange {
  /** The stream's sequence number (decimal digits). */
  sequence: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  oldImage: Record<string, unknown> | null;
  newImage: Record<string, unknown> | null;
}

const PARALLEL_BUCKETS = 8;
const MAX_ROUNDS = 5;

function factOf(image: Record<string, unknown> | null): FactItem | null {
  if (!image) return null;
  return FACT_KINDS.includes(image.fact as FactItem["fact"]) ? (image as unknown as FactItem) : null;
}

interface Pending {
  bucket: CounterBucket;
  /** Field movements per change, in stream order. */
  changes: Array<{ sequence: string; fields: Map<string, Big> }>;
}

/** The buckets a batch moves, each with the per-change field movements. */
export function bucketsOf(changes: readonly ItemChange[]): Map<string, Pending> {
  const pending = new Map<string, Pending>();
  for (const change of changes) {
    if (change.eventName === "REMOVE") continue;
    const after = factOf(change.newImage);
    if (!after) continue;
    const sequence = paddedSequence(change.sequence);
    for (const d of changeBetween(factOf(change.oldImage), after)) {
      for (const scope of counterScopes(d.instanceId, d.arm)) {
        const bucket: CounterBucket = { appId: after.appId, campaignId: d.campaignId, scope, day: d.day };
        const id = bucketId(bucket);
        let p = pending.get(id);
        if (!p) {
          p = { bucket, changes: [] };
          pending.set(id, p);
        }
        let last = p.changes[p.changes.length - 1];
        if (last?.sequence !== sequence) {
          last = { sequence, fields: new Map() };
          p.changes.push(last);
        }
        last.fields.set(d.field, (last.fields.get(d.field) ?? new Big(0)).plus(d.by));
      }
    }
  }
  return pending;
}

/** What one call of countChanges did, for the counter's batch line. */
export interface CountingOutcome {
  /** Daily counter buckets the batch moves (each scope of each day of each campaign). */
  buckets: number;
  /** Bucket writes made (fewer than `buckets` when a retried batch finds changes already applied). */
  written: number;
}

/**
 * Applies one shard's changes to the counters, exactly once per change.
 * @param shardId the stream shard the changes come from, in order (one consumer per shard)
 * @throws DynamoDB errors; the caller retries the batch (nothing is applied twice)
 */
export async function countChanges(
  shardId: string,
  changes: readonly ItemChange[],
  nowMs: number,
): Promise<CountingOutcome> {
  const pending = bucketsOf(changes);
  let written = 0;
  if (pending.size === 0) return { buckets: 0, written };
  let checkpoints = await readCheckpoints(
    [...pending.values()].map((p) => p.bucket),
    shardId,
    nowMs,
  );
  let open = [...pending.values()];
  for (let round = 0; open.length > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`counter buckets kept moving under shard ${shardId}`);
    const lost: Pending[] = [];
    await forEachLimit(open, PARALLEL_BUCKETS, async (p) => {
      const ck = checkpoints.get(bucketId(p.bucket)) ?? { sequence: null, raw: null, stale: [] };
      const fresh = p.changes.filter((c) => ck.sequence === null || c.sequence > ck.sequence);
      if (fresh.length === 0) return;
      const sums = new Map<string, Big>();
      for (const c of fresh)
        for (const [field, by] of c.fields) sums.set(field, (sums.get(field) ?? new Big(0)).plus(by));
      const last = (fresh[fresh.length - 1] as { sequence: string }).sequence;
      if (await addToBucket(p.bucket, sums, shardId, last, ck, nowMs)) written++;
      else lost.push(p);
    });
    open = lost;
    if (open.length > 0) {
      checkpoints = await readCheckpoints(
        open.map((p) => p.bucket),
        shardId,
        nowMs,
      );
    }
  }
  return { buckets: pending.size, written };
}
