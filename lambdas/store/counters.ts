import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import Big from "big.js";
import { dynamoExact } from "./client.js";
import { COUNTER_SHARDS } from "./facts.js";
import { keys } from "./keys.js";
import { tableName } from "./schema.js";

/** Day → field → exact total, summed over every shard. */
export type DailyCounters = Map<string, Map<string, Big>>;

export interface CounterQuery {
  appId: string;
  campaignId: string;
  /** An instanceId, or CAMPAIGN_SCOPE for the whole campaign. */
  scope: string;
  /** Inclusive app-local days; omitted = all days. */
  from?: string;
  to?: string;
}

/**
 * Reads the daily counter buckets of one scope: one Query per shard (more only if a shard's days
 * exceed 1 MB), so the cost depends on the number of days, never on recipients or events.
 */
export async function readCounters(q: CounterQuery): Promise<DailyCounters> {
  const days: DailyCounters = new Map();
  const range =
    q.from || q.to
      ? {
          expr: "pk = :pk AND sk BETWEEN :a AND :b",
          a: keys.counterDay(q.from ?? "0000-00-00"),
          b: keys.counterDay(q.to ?? "9999-99-99"),
        }
      : { expr: "pk = :pk AND begins_with(sk, :a)", a: "DAY#", b: undefined };
  await Promise.all(
    Array.from({ length: COUNTER_SHARDS }, async (_, shard) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await dynamoExact().send(
          new QueryCommand({
            TableName: tableName(),
            KeyConditionExpression: range.expr,
            ExpressionAttributeValues: {
              ":pk": keys.counterPartition(q.appId, q.campaignId, q.scope, shard),
              ":a": range.a,
              ...(range.b ? { ":b": range.b } : {}),
            },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const day = String(item.sk).slice("DAY#".length);
          let fields = days.get(day);
          if (!fields) {
            fields = new Map();
            days.set(day, fields);
          }
          for (const [name, value] of Object.entries(item)) {
            if (name === "pk" || name === "sk") continue;
            fields.set(name, (fields.get(name) ?? new Big(0)).plus(String(value)));
          }
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return days;
}

/** Sum of one field over the given days (all days when omitted). */
export function total(counters: DailyCounters, field: string): Big {
  let sum = new Big(0);
  for (const fields of counters.values()) sum = sum.plus(fields.get(field) ?? 0);
  return sum;
}

/** All fields whose name starts with `prefix`, summed over all days, keyed by the rest of the name. */
export function totalsByPrefix(counters: DailyCounters, prefix: string): Map<string, Big> {
  const out = new Map<string, Big>();
  for (const fields of counters.values()) {
    for (const [name, value] of fields) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      out.set(rest, (out.get(rest) ?? new Big(0)).plus(value));
    }
  }
  return out;
}
