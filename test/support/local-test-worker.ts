/**
 * A stand-in queue worker for the local server's end-to-end test: it records each message in the real
 * table (so the test sees the runtime's environment and engine at work) and fails `fail-once-*` bodies
 * on their first receive.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { dynamo } from "../../lambdas/store/client.js";
import { tableName } from "../../lambdas/store/table.js";

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    if (record.body.startsWith("fail-once") && receiveCount === 1) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk: `local-test#${record.body}`, sk: "worker", receiveCount, messageId: record.messageId },
      }),
    );
  }
  return { batchItemFailures };
}
