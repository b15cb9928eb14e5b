/**
 * The single table: every item has a string `pk` and `sk`; short-lived items carry `ttl` (epoch
 * seconds) for cleanup only — no decision ever relies on TTL deletion. Fact items carry `fact` (their
 * kind, see domain/contributions): the table's change stream (new and old images) drives the counters.
 */
export const TABLE_KEY = { partitionKey: "pk", sortKey: "sk" } as const;
export const TTL_ATTRIBUTE = "ttl";
/** The attribute that marks an item as a fact whose changes move the counters. */
export const FACT_ATTRIBUTE = "fact";

export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error("TABLE_NAME is not set");
  return name;
}

/** Epoch seconds for the `ttl` attribute, from epoch milliseconds. */
export function ttlSeconds(epochMs: number): number {
  return Math.floor(epochMs / 1000);
}
