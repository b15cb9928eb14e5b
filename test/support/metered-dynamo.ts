import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { documentClients, setDynamo } from "../../lambdas/store/client.js";

export interface Meter {
  requests: number;
  writeUnits: number;
  readUnits: number;
  byCommand: Record<string, number>;
  /** Throw instead of sending the n-th fact write (PutItem or TransactWriteItems, 1-based): a crash. */
  crashOnWrite?: number;
  writes: number;
  /** Throw instead of sending the n-th counter bucket update (1-based): the counter dies mid-batch. */
  crashOnCounterUpdate?: number;
  counterUpdates: number;
  counterCrashes: number;
  reset(): void;
}

export class SimulatedCrashError extends Error {
  override name = "SimulatedCrashError";
}

/**
 * Points the product's DynamoDB clients at `endpoint` through a middleware that asks for consumed
 * capacity on every request and adds it up — the engine reports the same units DynamoDB bills.
 */
export function installMeteredDynamo(endpoint: string): Meter {
  const meter: Meter = {
    requests: 0,
    writeUnits: 0,
    readUnits: 0,
    byCommand: {},
    writes: 0,
    counterUpdates: 0,
    counterCrashes: 0,
    reset() {
      this.requests = 0;
      this.writeUnits = 0;
      this.readUnits = 0;
      this.byCommand = {};
      this.writes = 0;
      this.counterUpdates = 0;
      this.counterCrashes = 0;
    },
  };
  const meterClient = (raw: DynamoDBClient): DynamoDBClient => {
    raw.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName);
        const input = args.input as Record<string, unknown>;
        if (name === "TransactWriteItemsCommand" || name === "PutItemCommand") {
          meter.writes++;
          if (meter.crashOnWrite === meter.writes) throw new SimulatedCrashError("crash");
        }
        const key = input.Key as { pk?: unknown } | undefined;
        const pk = typeof key?.pk === "string" ? key.pk : (key?.pk as { S?: string } | undefined)?.S;
        if (name === "UpdateItemCommand" && pk?.startsWith("COUNT#")) {
          meter.counterUpdates++;
          if (meter.crashOnCounterUpdate === meter.counterUpdates) {
            meter.counterCrashes++;
            throw new SimulatedCrashError("counter crash");
          }
        }
        if (!("ReturnConsumedCapacity" in input) || input.ReturnConsumedCapacity === undefined) {
          input.ReturnConsumedCapacity = "TOTAL";
        }
        meter.requests++;
        meter.byCommand[name] = (meter.byCommand[name] ?? 0) + 1;
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: unknown };
        const consumed = ([] as unknown[]).concat(output.ConsumedCapacity ?? []) as Array<{
          CapacityUnits?: number;
          WriteCapacityUnits?: number;
          ReadCapacityUnits?: number;
        }>;
        for (const c of consumed) {
          const isWrite = /Put|Update|Delete|TransactWrite|BatchWrite/.test(name);
          if (isWrite) meter.writeUnits += c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
          else meter.readUnits += c.ReadCapacityUnits ?? c.CapacityUnits ?? 0;
        }
        return result;
      },
      { step: "initialize", name: "meter" },
    );
    return raw;
  };
  const newRaw = (): DynamoDBClient =>
    meterClient(
      new DynamoDBClient({
        endpoint,
        region: "local",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      }),
    );
  setDynamo(...documentClients(newRaw));
  return meter;
}
