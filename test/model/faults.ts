/**
 * Faults for the model test, and the per-history context they need.
 *
 * Several histories run at once against one runtime, each with its own app. Every function invocation
 * (route or worker) runs inside an AsyncLocalStorage context naming its history's app
 * (`fault-handler.ts` sets it), which gives it the history's virtual clock (through the product's
 * clock hook) and its fault plan. Faults are injected by a middleware on the product's DynamoDB clients
 * (`setDynamo`), at step `finalizeRequest`, priority `low`: inside the SDK's retry loop, after the
 * request is built, so a fault "after the write succeeded" has let the write through and consumed the
 * response. Kinds:
 * - transient (each attempt, `transientRate`): ThrottlingException, or a TimeoutError raised before the
 *   call (nothing happened) or after it (it happened; the caller cannot know), or a
 *   TransactionConflictException on a write. The SDK and the store's `retryTransient` retry these.
 * - crash (`crashRate`, at most `maxCrashes` per history): the function dies at this call, before it or
 *   after a write went through. Not in the send worker (a send job redelivered later would send later:
 *   its crashes are the targeted ones of the history, `SendCrash`) nor in the management routes (setup).
 * - targeted send crashes: the history's `crash` of a recipient (`afterClaim`: the SENDING mark went
 *   through, then the worker died; `afterCall`: it died instead of recording the provider's answer).
 * - lost results (fault-handler.ts): a worker batch ran, and its result never reached the queue (first
 *   deliveries only, so that with the crashes no message exceeds its queue's maxReceiveCount).
 * - queue sends (`countingQueue`, half the transient rate): the send fails before anything was queued,
 *   or after the messages were queued.
 * Every fault kind is one the product must absorb (SPEC §3 "Exactly once", §5): none may change a
 * number, except the targeted send crashes, which the model knows about.
 * The counter (stream consumer) has no history: its faults come from `ambient`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { setClock } from "../../lambdas/platform/clock.js";
import type { QueueMessage, QueueName, QueuePort } from "../../lambdas/queue/index.js";
import { documentClients, setDynamo } from "../../lambdas/store/client.js";
import { seededRandom } from "../load/plan.js";
import type { FaultSpec, SendCrash } from "./history.js";

export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

export interface FaultState {
  spec: FaultSpec;
  random: () => number;
  /** Off during setup and once a history is being read back. */
  enabled: boolean;
  crashes: number;
  lostResults: number;
  transient: number;
  /** What was injected, in order: `fn command key kind`. */
  log: string[];
  /** Forced faults already injected (by index). */
  fired: Set<number>;
}

export function faultState(spec: FaultSpec): FaultState {
  return {
    spec,
    random: seededRandom(spec.seed), // fault draws follow the history's seed
    enabled: false,
    crashes: 0,
    lostResults: 0,
    transient: 0,
    log: [],
    fired: new Set(),
  };
}

/** One history being played: its clock and faults, by app id. */
export interface RunState {
  appId: string;
  /** The history's virtual now (epoch ms): the time of its current step. */
  now: number;
  faults: FaultState;
  /** Message id → the crash planned for its send (each fires once). */
  sendCrashes: Map<string, SendCrash>;
}

export const runs = new Map<string, RunState>();

/**
 * Queue messages of each app not yet processed: counted up when a function queues one, down when a
 * worker's batch succeeded for it. A history waits for its own work only, so histories do not wait for
 * each other between steps.
 */
class PendingWork {
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Map<string, Array<() => void>>();

  add(appId: string, n: number): void {
    this.counts.set(appId, (this.counts.get(appId) ?? 0) + n);
    if ((this.counts.get(appId) ?? 0) <= 0) this.wake(appId);
  }

  count(appId: string): number {
    return this.counts.get(appId) ?? 0;
  }

  /**
   * Resolves once the app has nothing queued or in flight (null), or with a reason when it never will:
   * `stuck()` names one (e.g. dead letters), or `timeoutMs` passed.
   */
  async idle(appId: string, timeoutMs: number, stuck: () => string | null): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(appId) > 0) {
      const why = stuck();
      if (why) return why;
      if (Date.now() > deadline)
        return `${this.count(appId)} queued messages still pending after ${timeoutMs} ms`;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        const list = this.waiters.get(appId) ?? [];
        list.push(() => {
          clearTimeout(timer);
          resolve();
        });
        this.waiters.set(appId, list);
      });
    }
    return null;
  }

  forget(appId: string): void {
    this.counts.delete(appId);
    this.waiters.delete(appId);
  }

  private wake(appId: string): void {
    for (const w of this.waiters.get(appId) ?? []) w();
    this.waiters.delete(appId);
  }
}

export const pending = new PendingWork();

/** The app a queue message belongs to (every queue contract carries `appId`). */
export function appOfMessage(body: string): string | null {
  try {
    const v = JSON.parse(body) as { appId?: unknown };
    return typeof v.appId === "string" ? v.appId : null;
  } catch {
    return null;
  }
}

/**
 * A fault at a queue send (SQS SendMessageBatch), drawn like a transient DynamoDB fault: the send fails
 * before anything was queued, or after the messages were queued (the caller cannot know). Only the
 * routes queue messages; they answer 5xx and their clients retry. The redirect gets "after" only: it
 * answers the tap whatever happens, and a click it could not queue is logged for an operator to queue
 * again (flows/links.ts recordClick), which no client retry can stand in for.
 */
function queueFault(): "before" | "after" | null {
  const inv = invocation.getStore();
  const run = inv?.appId ? runs.get(inv.appId) : undefined;
  const state = run?.faults;
  if (!inv || !state?.enabled || inv.fn === "management") return null;
  if (state.transient >= MAX_TRANSIENT || state.random() >= state.spec.transientRate / 2) return null;
  state.transient++;
  const after = inv.fn === "redirect" || state.random() < 0.5;
  const kind = after ? "queue send failed after queueing" : "queue send failed before queueing";
  state.log.push(`${inv.fn} ${kind}`);
  tallyFault(kind);
  return after ? "after" : "before";
}

function queueError(): Error {
  return Object.assign(new Error("We encountered an internal error. Please try again."), {
    name: "InternalError",
    $fault: "server",
    $metadata: { httpStatusCode: 500 },
  });
}

/**
 * Wraps the product's queue port: counts each app's queued messages (see `pending`) and injects the
 * history's queue faults (`queueFault`).
 */
export function countingQueue(port: QueuePort): QueuePort {
  return {
    async send(queue: QueueName, bodies: ReadonlyArray<string | QueueMessage>) {
      const apps = bodies.map((b) => appOfMessage(typeof b === "string" ? b : b.body));
      const fault = queueFault();
      if (fault === "before") throw queueError();
      for (const a of apps) if (a) pending.add(a, 1);
      try {
        await port.send(queue, bodies);
      } catch (e) {
        for (const a of apps) if (a) pending.add(a, -1);
        throw e;
      }
      if (fault === "after") throw queueError();
    },
    ...(port.retryAfter ? { retryAfter: port.retryAfter.bind(port) } : {}),
  };
}

/** Faults of functions that serve no single history (the counter): seeded per test batch. */
export const ambient: { faults: FaultState } = {
  faults: faultState({ seed: 1, transientRate: 0, crashRate: 0, maxCrashes: 0, lostResults: 0 }),
};

export interface Invocation {
  fn: string;
  appId: string | null;
  /** Added to the history's clock (a send job redelivered after its visibility timeout). */
  shiftMs: number;
}

export const invocation = new AsyncLocalStorage<Invocation>();

/** The product's clock: the running history's virtual time; outside any history, real time. */
export function installClock(): void {
  setClock(() => {
    const inv = invocation.getStore();
    const run = inv?.appId ? runs.get(inv.appId) : undefined;
    return run ? run.now + inv!.shiftMs : Date.now();
  });
}

/** Faults injected in this process, by kind (the CLI's report). */
export const injectedFaults: Record<string, number> = {};

export function tallyFault(kind: string): void {
  injectedFaults[kind] = (injectedFaults[kind] ?? 0) + 1;
}

/** DynamoDB calls made through the product's clients, by command (for the runner's cost report). */
export const callCounts: Record<string, number> = {};

/** Caps that keep every history finite: transient faults per history. */
const MAX_TRANSIENT = 60;

const WRITES = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
  "BatchWriteItemCommand",
]);

function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}

/** A string attribute of an input item or key, marshalled (`{S: …}`) or not. */
function text(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { S?: unknown }).S === "string")
    return (v as { S: string }).S;
  return undefined;
}

/** The item key a command touches, for the log (first key of a batch). */
function keyOf(input: Record<string, unknown>): string {
  const item = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
  if (item) return `${text(item.pk) ?? "?"}|${text(item.sk) ?? "?"}`;
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (input.KeyConditionExpression && values) return `query ${text(Object.values(values)[0]) ?? "?"}`;
  if (input.TransactItems) return `transaction of ${(input.TransactItems as unknown[]).length}`;
  if (input.RequestItems) return "batch";
  return "?";
}

/** The planned crash a send-worker call hits, if any: the SENDING mark, or the outcome write. */
function sendCrashAt(run: RunState, command: string, input: Record<string, unknown>): SendCrash | null {
  if (run.sendCrashes.size === 0) return null;
  const pk = text(((input.Item ?? input.Key) as Record<string, unknown> | undefined)?.pk);
  const messageId = pk?.startsWith("MSG#") ? pk.slice(pk.lastIndexOf("#") + 1) : undefined;
  if (!messageId) return null;
  const planned = run.sendCrashes.get(messageId);
  if (!planned) return null;
  const values = JSON.stringify(input.ExpressionAttributeValues ?? {});
  if (planned === "afterClaim" && command === "UpdateItemCommand" && values.includes("SENDING")) {
    run.sendCrashes.delete(messageId);
    return planned;
  }
  const status = text((input.Item as Record<string, unknown> | undefined)?.status);
  if (
    planned === "afterCall" &&
    command === "PutItemCommand" &&
    status !== undefined &&
    status !== "QUEUED"
  ) {
    run.sendCrashes.delete(messageId);
    return planned;
  }
  return null;
}

type Decision =
  | { kind: "none" }
  | { kind: "throwBefore"; error: Error }
  | {
      kind: "throwAfter";
      error: Error;
      /** Runs when the call itself failed (nothing landed), so the fault did not happen. */
      unlanded?: () => void;
    };

function decide(inv: Invocation | undefined, command: string, input: Record<string, unknown>): Decision {
  const run = inv?.appId ? runs.get(inv.appId) : undefined;
  const state = run?.faults ?? (inv?.fn === "counter" ? ambient.faults : undefined);
  if (!state?.enabled || !inv || inv.fn === "management") return { kind: "none" };
  const write = WRITES.has(command);
  const note = (kind: string) => {
    state.log.push(`${inv.fn} ${command.replace("Command", "")} ${keyOf(input)} ${kind}`);
    tallyFault(`DynamoDB ${kind}${inv.fn === "counter" ? " (counter)" : ""}`);
  };

  if (run && inv.fn === "sendWorker") {
    const crash = sendCrashAt(run, command, input);
    if (crash === "afterClaim") {
      note("crash after the SENDING mark (planned)");
      return {
        kind: "throwAfter",
        error: new SimulatedCrash("send worker killed after marking SENDING"),
        // Another copy of the job claimed the message first (its mark failed its condition): the
        // worker that did claim it is the one to die (seed 20267024 path 20 sent it instead).
        unlanded: () => {
          const pk = text(((input.Key ?? {}) as Record<string, unknown>).pk) ?? "";
          run.sendCrashes.set(pk.slice(pk.lastIndexOf("#") + 1), "afterClaim");
          state.log.push(`${inv.fn} ${keyOf(input)} SENDING mark did not land: the planned crash waits`);
        },
      };
    }
    if (crash === "afterCall") {
      note("crash before recording the send outcome (planned)");
      return {
        kind: "throwBefore",
        error: new SimulatedCrash("send worker killed before recording the outcome"),
      };
    }
  }

  const { spec, random } = state;
  const forced = spec.forced?.findIndex(
    (f) => f.fn === inv.fn && f.command === command && JSON.stringify(input).includes(f.match),
  );
  if (forced !== undefined && forced >= 0 && !state.fired.has(forced)) {
    state.fired.add(forced);
    const f = spec.forced?.[forced] as NonNullable<FaultSpec["forced"]>[number];
    note(`${f.kind} (forced)`);
    const timeout = Object.assign(new Error("Connection timed out after 3000 ms"), {
      name: "TimeoutError",
      $metadata: {},
    });
    const crash = new SimulatedCrash(`${inv.fn} killed at ${command} (forced)`);
    if (f.kind === "timeoutAfter") return { kind: "throwAfter", error: timeout };
    if (f.kind === "timeoutBefore") return { kind: "throwBefore", error: timeout };
    return f.kind === "crashAfter"
      ? { kind: "throwAfter", error: crash }
      : { kind: "throwBefore", error: crash };
  }
  if (inv.fn !== "sendWorker" && state.crashes < spec.maxCrashes && random() < spec.crashRate) {
    state.crashes++;
    const after = write && random() < 0.5;
    note(after ? "crash after the write" : "crash before the call");
    const error = new SimulatedCrash(`${inv.fn} killed at ${command}`);
    return after ? { kind: "throwAfter", error } : { kind: "throwBefore", error };
  }
  if (state.transient < MAX_TRANSIENT && random() < spec.transientRate) {
    state.transient++;
    const r = random();
    if (r < 0.3) {
      note("throttled");
      return {
        kind: "throwBefore",
        error: awsError("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
      };
    }
    const timeout = Object.assign(new Error("Connection timed out after 3000 ms"), {
      name: "TimeoutError",
      $metadata: {},
    });
    if (write && r < 0.4 && command !== "TransactWriteItemsCommand" && command !== "BatchWriteItemCommand") {
      note("transaction conflict");
      return {
        kind: "throwBefore",
        error: awsError("TransactionConflictException", "Transaction is ongoing for the item"),
      };
    }
    if (write && r >= 0.7) {
      note("timed out after the write");
      return { kind: "throwAfter", error: timeout };
    }
    note("timed out before the call");
    return { kind: "throwBefore", error: timeout };
  }
  return { kind: "none" };
}

/**
 * Points the product's DynamoDB clients (the plain and the exact-number one, as lambdas/store/client.ts
 * builds them: maxAttempts 5) at `endpoint` with the fault middleware. One deviation: the SDK's retry
 * backoff is 1 ms instead of 100–500 ms with jitter, so that faults cost retries, not wall time.
 */
export function installFaultyDynamo(endpoint: string): void {
  const client = (): DynamoDBClient => {
    const c = new DynamoDBClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 5,
      retryStrategy: new ConfiguredRetryStrategy(5, 1),
    });
    c.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName);
        callCounts[command] = (callCounts[command] ?? 0) + 1;
        const fnName = `fn:${invocation.getStore()?.fn ?? "none"}`;
        callCounts[fnName] = (callCounts[fnName] ?? 0) + 1;
        const d = decide(invocation.getStore(), command, args.input as Record<string, unknown>);
        if (d.kind === "throwBefore") throw d.error;
        let out: Awaited<ReturnType<typeof next>>;
        try {
          out = await next(args);
        } catch (e) {
          if (d.kind === "throwAfter") d.unlanded?.();
          throw e;
        }
        if (d.kind === "throwAfter") throw d.error;
        return out;
      },
      { step: "finalizeRequest", name: "modelFaults", priority: "low" },
    );
    return c;
  };
  setDynamo(...documentClients(client));
}
