import { afterAll, beforeAll } from "vitest";
import { handler as counter } from "../../lambdas/handlers/counter.js";
import { ensureTable, type LocalDynamo, startDynoxide } from "../../lambdas/local/dynamo.js";
import { LocalStream } from "../../lambdas/local/stream.js";

/**
 * Gives the calling test file its own in-memory engine and table (files run in parallel, each isolated),
 * and points the product's clients at it through the environment. `count()` runs the counter over
 * every change written so far, as the stream consumer does in the running product.
 */
export function useLocalDynamo(tableName = "analytics-test"): {
  endpoint: () => string;
  count: () => Promise<void>;
} {
  let engine: LocalDynamo | undefined;
  let stream: LocalStream | undefined;
  beforeAll(async () => {
    engine = await startDynoxide();
    await ensureTable(engine.endpoint, tableName);
    process.env.DYNAMODB_ENDPOINT = engine.endpoint;
    process.env.TABLE_NAME = tableName;
    process.env.AWS_REGION ??= "local";
    stream = LocalStream.manual({ endpoint: engine.endpoint, tableName, consume: (event) => counter(event) });
  });
  afterAll(async () => {
    await stream?.stop();
    await engine?.stop();
  });
  return {
    endpoint: () => {
      if (!engine) throw new Error("engine not started");
      return engine.endpoint;
    },
    count: async () => {
      if (!stream) throw new Error("engine not started");
      await stream.drain();
    },
  };
}
