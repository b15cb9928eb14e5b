import { DeleteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "../../lambdas/store/client.js";
import { TTL_ATTRIBUTE, tableName } from "../../lambdas/store/table.js";

/**
 * DynamoDB's TTL at its most eager: deletes every item whose `ttl` (epoch seconds) is at or before
 * `nowMs`, as the service may at any moment after that time (`keep`: items TTL has not reached yet —
 * it may lag by days). The embedded engine does not expire items by itself; tests call this to see
 * what the product does once cleanup has run. Returns how many items it deleted.
 */
export async function expireItems(
  nowMs: number,
  keep: (item: { pk: string; sk: string }) => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: "#ttl <= :now",
        ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":now": Math.floor(nowMs / 1000) },
        ProjectionExpression: "pk, sk",
        ExclusiveStartKey: start,
      }),
    );
    for (const key of page.Items ?? []) {
      if (keep(key as { pk: string; sk: string })) continue;
      await dynamo().send(new DeleteCommand({ TableName: tableName(), Key: key }));
      deleted++;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return deleted;
}
