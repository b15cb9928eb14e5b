import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { documentClients, setDynamo } from "../../lambdas/store/client.js";
import { seededRandom } from "../load/plan.js";

/**
 * DynamoDB as it fails in production: throttling, transaction conflicts and timeouts, the last both
 * before the write (nothing happened) and after it (it happened, the caller cannot know). The faults are
 * injected by a middleware on real clients pointed at the real engine, so every write that does go
 * through is real. Only writes fail; reads pass.
 */

export type FaultKind = "throttle" | "conflict" | "timeoutBefore" | "timeoutAfter";

export interface FaultPlan {
  /**
   * Picks the fault (or none) for the n-th write of this command (1-based, counted per command name).
   * `conflict` is a cancelled transaction for TransactWriteItems, a TransactionConflictException (the
   * item is in another transaction) for a single write.
   */
  choose(command: string, n: number, input?: Record<string, unknown>): FaultKind | null;
  /**
   * Where the fault is raised: "outside" the SDK's own retries (what a caller sees once they are used
   * up), or "inside" them (each attempt may fail; the SDK retries throttling and timeouts itself).
   */
  where: "outside" | "inside";
}

export interface FaultMeter {
  injected: Record<FaultKind, number>;
  writes: Record<string, number>;
  enabled: boolean;
}

/** Writes that record facts: single conditional puts, and the rare transaction. */
export const FACT_WRITES = new Set(["PutItemCommand", "TransactWriteItemsCommand"]);

const WRITES = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
  "BatchWriteItemCommand",
]);

function faultError(kind: FaultKind, itemCount: number, command: string): Error {
  const meta = { $metadata: { httpStatusCode: 400 } };
  switch (kind) {
    case "throttle":
      return Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
        name: "ThrottlingException",
        $fault: "client",
        ...meta,
      });
    case "conflict":
      if (command !== "TransactWriteItemsCommand") {
        return Object.assign(new Error("Transaction is ongoing for the item"), {
          name: "TransactionConflictException",
          $fault: "client",
          ...meta,
        });
      }
      return new TransactionCanceledException({
        message: "Transaction cancelled, please refer cancellation reasons for specific reasons",
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: Array.from({ length: itemCount }, (_, i) =>
          i === 0 ? { Code: "TransactionConflict" } : { Code: "None" },
        ),
      });
    default:
      // What the SDK's HTTP handler raises when the socket times out.
      return Object.assign(new Error("Connection timed out after 3000 ms"), {
        name: "TimeoutError",
        $metadata: {},
      });
  }
}

/** A seeded plan: each write fails with probability `rate`, the kind drawn uniformly from `kinds`. */
export function randomFaults(
  seed: number,
  rate: number,
  kinds: FaultKind[],
  where: FaultPlan["where"],
): FaultPlan {
  const random = seededRandom(seed);
  return {
    where,
    choose(command) {
      if (random() >= rate) return null;
      void command;
      return kinds[Math.floor(random() * kinds.length)] ?? null;
    },
  };
}

/** Installs the product's clients (same settings as `lambdas/store/client.ts`) with the fault middleware. */
export function installFaultyDynamo(endpoint: string, plan: FaultPlan): FaultMeter {
  const meter: FaultMeter = {
    injected: { throttle: 0, conflict: 0, timeoutBefore: 0, timeoutAfter: 0 },
    writes: {},
    enabled: true,
  };
  const inject = async <T>(name: string, input: object, proceed: () => Promise<T>): Promise<T> => {
    if (!meter.enabled || !WRITES.has(name)) return proceed();
    const n = (meter.writes[name] ?? 0) + 1;
    meter.writes[name] = n;
    const kind = plan.choose(name, n, input as Record<string, unknown>);
    if (kind === null) return proceed();
    meter.injected[kind]++;
    const items = (input as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
    if (kind === "timeoutAfter") await proceed();
    throw faultError(kind, items, name);
  };
  const raw = (): DynamoDBClient => {
    const client = new DynamoDBClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 5,
    });
    // "initialize" runs once per call, before the retry middleware; "finalizeRequest" at low priority runs
    // on each attempt inside the retry loop, outside the deserializer: a write that "timed out after it
    // was applied" has had its response read, so no socket is left half-read (that would drain the pool).
    if (plan.where === "outside") {
      client.middlewareStack.add(
        (next, context) => (args) => inject(String(context.commandName), args.input, () => next(args)),
        { step: "initialize", name: "faults" },
      );
    } else {
      client.middlewareStack.add(
        (next, context) => (args) => inject(String(context.commandName), args.input, () => next(args)),
        { step: "finalizeRequest", name: "faults", priority: "low" },
      );
    }
    return client;
  };
  setDynamo(...documentClients(raw));
  return meter;
}
