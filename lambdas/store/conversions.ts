import type { ConversionPlan, ConversionState } from "../domain/attribution.js";
import { batchGet } from "./batch-get.js";
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
  const items = await batchGet<Record<string, unknown>>(list.map(keyOf));
  return new Map(
    items.map((item) => [
      String(item.pk),
      {
        eventIds: [...((item.eventIds as Set<string> | undefined) ?? [])],
        firstAtByInstance: (item.firstAtByInstance as Record<string, number> | undefined) ?? {},
        version: Number(item.version),
      },
    ]),
  );
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
