import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { startDynoxide } from "../lambdas/local/dynamo.js";

/**
 * `npx tsx bench/engine-stream.ts`: how the embedded engine's write time grows with its change stream
 * (docs/operations.md "The embedded engine slows as its stream grows"). Writes 30,000 small items, 50
 * at a time, into a table with a stream and into one without, and prints the mean time per write over
 * each stretch (0–5,000, 5,000–15,000, 15,000–30,000 items). Not part of `npm test` or `npm run bench`.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const STRETCHES = [5_000, 15_000, 30_000];
const IN_FLIGHT = 50;

for (const stream of [true, false]) {
  const engine = await startDynoxide();
  const client = new DynamoDBClient({
    endpoint: engine.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await client.send(
    new CreateTableCommand({
      TableName: "engine-stream",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      ...(stream
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } }
        : {}),
    }),
  );
  let n = 0;
  for (const end of STRETCHES) {
    const start = n;
    const t0 = performance.now();
    while (n < end) {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, () => {
          const i = n++;
          return client.send(
            new PutItemCommand({
              TableName: "engine-stream",
              Item: { pk: { S: `p${i % 997}` }, sk: { S: `s${i}` }, f: { S: "x" } },
            }),
          );
        }),
      );
    }
    const ms = (performance.now() - t0) / (n - start);
    console.log(`${stream ? "stream   " : "no stream"} items ${start}–${n}: ${ms.toFixed(2)} ms a write`);
  }
  client.destroy();
  await engine.stop();
}
