import Big from "big.js";
import { forEachLimit } from "../lambdas/platform/concurrency.js";
import { addToBucket, paddedSequence, readCounters } from "../lambdas/store/counters.js";
import { CAMPAIGN_SCOPE } from "../lambdas/store/keys.js";
import { APP_ID, CAMPAIGN_ID, type Product } from "./product.js";

export interface QueryRun {
  recipients: number;
  campaignId: string;
  days: number;
  /** Counter bucket updates written to seed it. */
  seedUpdates: number;
  /** Fields per daily bucket (from the real flows' counters). */
  fieldsPerBucket: number;
  /** GET analytics, all days. */
  allTime: { requests: number; itemsRead: number; rru: number; ms: number };
  /** GET analytics?from=…&to=… over 90 days. */
  range90: { requests: number; itemsRead: number; rru: number; ms: number };
  byCommand: Record<string, { requests: number; wru: number; rru: number }>;
}

const DAYS = 90;
/** A worker batch carries up to 100 recipients' facts; a day of a campaign has at least one batch per shard. */
const RECIPIENTS_PER_BATCH = 100;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The daily counter fields the real flows wrote for the bench campaign (send, receipt, click and
 * conversion facts), summed over its days: the field set a real day of a campaign holds.
 */
async function template(): Promise<{ fields: Map<string, Big>; recipients: number }> {
  const counters = await readCounters({ appId: APP_ID, campaignId: CAMPAIGN_ID, scope: CAMPAIGN_SCOPE });
  const fields = new Map<string, Big>();
  for (const day of counters.values()) {
    for (const [name, value] of day) fields.set(name, (fields.get(name) ?? new Big(0)).plus(value));
  }
  return { fields, recipients: Number(fields.get("sent") ?? 1) };
}

/** `value × factor`: counts stay whole numbers (at least 1), money keeps two decimals. */
function scaled(value: Big, factor: number): string | number {
  const s = value.toString();
  if (s.includes(".")) return value.times(factor).toFixed(2);
  const n = Math.round(Number(s) * factor);
  return n === 0 ? Math.sign(Number(s)) : n;
}

/**
 * Seeds a campaign of `recipients` over 90 daily instances the way the counter writes them: one bucket
 * update per worker batch of ≤ 100 recipients and scope (the instance and the campaign), each carrying
 * the counter movements such a batch makes (the real field set, scaled), under a shard checkpoint of its
 * own. Sending 100,000 SMS through the flows would take the whole time budget and write the same
 * buckets: a bucket is per (scope, day), so recipients change its values, not the number of items.
 */
async function seed(
  campaignId: string,
  recipients: number,
  fields: Map<string, Big>,
  per: number,
): Promise<number> {
  const perDay = recipients / DAYS;
  const batchesPerDay = Math.max(1, Math.ceil(perDay / RECIPIENTS_PER_BATCH));
  const factor = perDay / batchesPerDay / per;
  const today = Date.now();
  let updates = 0;
  // Each (bucket, shard) is written once, so its checkpoint is known to be absent: no read first.
  await forEachLimit(
    Array.from({ length: DAYS }, (_, d) => d),
    16,
    async (d) => {
      const day = isoDay(today - (DAYS - 1 - d) * 86_400_000);
      for (let b = 0; b < batchesPerDay; b++) {
        const values = new Map([...fields].map(([field, value]) => [field, new Big(scaled(value, factor))]));
        for (const scope of [`d${d}`, CAMPAIGN_SCOPE]) {
          const bucket = { appId: APP_ID, campaignId, scope, day };
          const none = { sequence: null, raw: null, stale: [] };
          await addToBucket(bucket, values, `bench-seed-${b}`, paddedSequence("1"), none, today);
          updates++;
        }
      }
    },
  );
  return updates;
}

/** Analytics of a small and a large campaign, all days and a 90-day range, counted per request. */
export async function measureQueryCost(p: Product, log: (line: string) => void): Promise<QueryRun[]> {
  const { fields, recipients: per } = await template();
  const runs: QueryRun[] = [];
  for (const recipients of [1_000, 100_000]) {
    const campaignId = `q${recipients}`;
    const created = await p.call("PUT", `/v1/apps/${APP_ID}/campaigns/${campaignId}`, {
      name: `Query ${recipients}`,
      connectorId: "gs",
      clickTracking: true,
      goals: [{ goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" }],
    });
    if (created.status !== 201) throw new Error(`campaign: ${created.status}`);
    const seedUpdates = await seed(campaignId, recipients, fields, per);
    log(`  seeded ${campaignId}: ${seedUpdates} counter bucket updates over ${DAYS} days`);

    const path = `/v1/apps/${APP_ID}/campaigns/${campaignId}/analytics`;
    const query = async (qs: string): Promise<QueryRun["allTime"] & { byCommand: QueryRun["byCommand"] }> => {
      await p.call("GET", `${path}${qs}`); // warm: function loaded, caches as in a warm container
      const r = await p.meter.measure(() => p.call("GET", `${path}${qs}`));
      if (r.value.status !== 200) throw new Error(`analytics: ${r.value.status}`);
      const sent = (r.value.body as { delivery?: { sent?: number } }).delivery?.sent ?? 0;
      if (qs === "" && Math.abs(sent - recipients) > recipients * 0.05 + DAYS) {
        throw new Error(`analytics of ${campaignId} reports ${sent} sent, expected about ${recipients}`);
      }
      return {
        requests: r.cost.requests,
        itemsRead: r.cost.itemsRead,
        rru: r.cost.rru,
        ms: r.ms,
        byCommand: r.cost.byCommand,
      };
    };
    const allTime = await query("");
    const from = isoDay(Date.now() - (DAYS - 1) * 86_400_000);
    const range90 = await query(`?from=${from}&to=${isoDay(Date.now() + 86_400_000)}`);
    runs.push({
      recipients,
      campaignId,
      days: DAYS,
      seedUpdates,
      fieldsPerBucket: fields.size,
      allTime: { requests: allTime.requests, itemsRead: allTime.itemsRead, rru: allTime.rru, ms: allTime.ms },
      range90: { requests: range90.requests, itemsRead: range90.itemsRead, rru: range90.rru, ms: range90.ms },
      byCommand: allTime.byCommand,
    });
  }
  return runs;
}
