import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import type { ConversionPlan, ConversionState } from "../domain/attribution.js";
import { dynamo } from "./client.js";
import type { Fact } from "./facts.js";
import { type Key, keys } from "./keys.js";
import { tableName } from "./schema.js";

export interface ConversionKey {
  appId: string;
  campaignId: string;
  goalId: string;
  userId: string;
}

const keyOf = (c: ConversionKey): Key => keys.conversion(c.appId, c.campaignId, c.goalId, c.userId);
export const conversionId = (c: ConversionKey): string => keyOf(c).pk;

/** Strongly consistent read of conversion states, by `conversionId`. */
export async function getConversions(list: ConversionKey[]): Promise<Map<string, ConversionState>> {
  const out = new Map<string, ConversionState>();
  const unique = [...new Map(list.map((c) => [conversionId(c), keyOf(c)])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [tableName()]: { Keys: unique.slice(i, i + 100).map((k) => ({ ...k })), ConsistentRead: true },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 8) throw new Error("BatchGet kept leaving keys unprocessed");
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const r = await dynamo().send(new BatchGetCommand({ RequestItems: request }));
      for (const item of r.Responses?.[tableName()] ?? []) {
        out.set(String(item.pk), {
          eventIds: [...((item.eventIds as Set<string> | undefined) ?? [])],
          firstAtByInstance: (item.firstAtByInstance as Record<string, number> | undefined) ?? {},
          version: Number(item.version),
        });
      }
      request = r.UnprocessedKeys as typeof request;
    }
  }
  return out;
}

/** The fact that records a conversion plan: the state item moves from the version read to the next. */
export function conversionFact(c: ConversionKey, before: ConversionState | null, plan: ConversionPlan): Fact {
  const key = keyOf(c);
  const counters = plan.deltas.map((d) => ({ ...d, appId: c.appId, campaignId: c.campaignId }));
  const item = {
    ...key,
    eventIds: new Set(plan.next.eventIds),
    firstAtByInstance: plan.next.firstAtByInstance,
    version: plan.next.version,
  };
  return {
    id: `${key.pk}@${before?.version ?? 0}`,
    steps: [
      {
        write: {
          Put: {
            TableName: tableName(),
            Item: item,
            ConditionExpression: before ? "version = :v" : "attribute_not_exists(pk)",
            ...(before ? { ExpressionAttributeValues: { ":v": before.version } } : {}),
          },
        },
        counters,
      },
    ],
  };
}
