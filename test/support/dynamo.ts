import { afterAll, beforeAll } from "vitest";
import { ensureTable, type LocalDynamo, startDynoxide } from "../../lambdas/local/dynamo.js";

/**
 * Gives the calling test file its own in-memory engine and table (files run in parallel, each isolated),
 * and points the product's clients at it through the environment.
 */
export function useLocalDynamo(tableName = "analytics-test"): { endpoint: () => string } {
  let engine: LocalDynamo | undefined;
  beforeAll(async () => {
    engine = await startDynoxide();
    await ensureTable(engine.endpoint, tableName);
    process.env.DYNAMODB_ENDPOINT = engine.endpoint;
    process.env.TABLE_NAME = tableName;
    process.env.AWS_REGION ??= "local";
  });
  afterAll(async () => {
    await engine?.stop();
  });
  return {
    endpoint: () => {
      if (!engine) throw new Error("engine not started");
      return engine.endpoint;
    },
  };
}
