/**
 * The single DynamoDB table: every item has a string `pk` and `sk`; short-lived items carry `ttl`
 * (epoch seconds) for cleanup only — no decision ever relies on TTL deletion.
 */
export const TABLE_KEY = { partitionKey: "pk", sortKey: "sk" } as const;
export const TTL_ATTRIBUTE = "ttl";

export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error("TABLE_NAME is not set");
  return name;
}
