/**
 * The entry the model test's runtime gives every function (`startLocal({ functions })`): it runs the
 * function's real handler (the entry in lambdas/topology/functions.ts) inside the invocation context
 * of faults.ts, so the handler sees its history's virtual clock and fault plan.
 *
 * - HTTP routes: the history is named by the runner's `x-model-app` header.
 * - Queue workers: a batch is split by app (each record names its app) and the real handler runs once
 *   per app, as the flows themselves process a batch app by app; the answers are merged. A send job
 *   received for the n-th time runs (n − 1) × the sends queue's visibility timeout later: on SQS a
 *   failed job comes back no sooner. Then a batch received for the first time may lose its result
 *   (faults.ts): it ran, and the queue is told it failed, so it is delivered again.
 * - The counter (table stream): no history; it runs on real time, and may lose its result too (the
 *   stream retries the batch).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { REPO_ROOT } from "../../lambdas/local/invoker.js";
import { type FunctionName, functions } from "../../lambdas/topology/functions.js";
import { queues } from "../../lambdas/topology/queues.js";
import { ambient, appOfMessage, type FaultState, invocation, pending, runs, tallyFault } from "./faults.js";

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const loaded = new Map<FunctionName, Promise<Handler>>();
function real(name: FunctionName): Promise<Handler> {
  let h = loaded.get(name);
  if (!h) {
    h = import(pathToFileURL(join(REPO_ROOT, functions[name].entry)).href).then(
      (m: { handler: Handler }) => m.handler,
    );
    loaded.set(name, h);
  }
  return h;
}

const WORKERS: Partial<Record<FunctionName, true>> = {
  sendWorker: true,
  deliveryWorker: true,
  clickWorker: true,
  attributionWorker: true,
};

/** Probability that a worker batch of a history with lost results left in its plan loses this one. */
const LOSE_RESULT = 0.3;

function loses(state: FaultState | undefined): boolean {
  if (!state?.enabled || state.lostResults >= state.spec.lostResults) return false;
  if (state.random() >= LOSE_RESULT) return false;
  state.lostResults++;
  return true;
}

/**
 * The send-job invocations of one app, kept in one timeline: a redelivered job, whose clock runs a
 * visibility timeout ahead, runs alone — after the app's send invocations in flight, and before any new
 * one starts — as on SQS, where it comes back only after every earlier invocation has ended. Without
 * it, a redelivery could find a claim another invocation made "12 minutes earlier" on the virtual clock
 * while, on the wall clock, that invocation is still calling the provider, and decide the send unknown
 * (seed 20264000 path 20 of a 6,000-history run: a 422 reported as SEND_OUTCOME_UNKNOWN).
 */
class SendTimeline {
  private shared = 0;
  private alone = false;
  private wantAlone = 0;
  private waiting: Array<() => void> = [];

  async run<T>(redelivered: boolean, fn: () => Promise<T>): Promise<T> {
    if (redelivered) this.wantAlone++;
    const blocked = () => (redelivered ? this.alone || this.shared > 0 : this.alone || this.wantAlone > 0);
    while (blocked()) await new Promise<void>((r) => this.waiting.push(r));
    if (redelivered) {
      this.wantAlone--;
      this.alone = true;
    } else this.shared++;
    try {
      return await fn();
    } finally {
      if (redelivered) this.alone = false;
      else this.shared--;
      for (const wake of this.waiting.splice(0)) wake();
    }
  }
}
const sendTimelines = new Map<string, SendTimeline>();
function sendTimeline(appId: string): SendTimeline {
  let t = sendTimelines.get(appId);
  if (!t) {
    t = new SendTimeline();
    sendTimelines.set(appId, t);
  }
  return t;
}

async function worker(name: FunctionName, event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const handler = await real(name);
  const groups = new Map<string, SQSEvent["Records"]>();
  for (const r of event.Records) {
    const receive = Number(r.attributes?.ApproximateReceiveCount ?? "1");
    const key = JSON.stringify([appOfMessage(r.body), name === "sendWorker" ? receive : 1]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  await Promise.all(
    [...groups].map(async ([key, records]) => {
      const [appId, receive] = JSON.parse(key) as [string | null, number];
      const shiftMs = (receive - 1) * queues.sends.visibilityTimeoutSeconds * 1000;
      let result: SQSBatchResponse | undefined;
      const invoke = () =>
        invocation.run({ fn: name, appId, shiftMs }, () => handler({ Records: records }, context));
      try {
        result = (await (name === "sendWorker" && appId
          ? sendTimeline(appId).run(receive > 1, invoke)
          : invoke())) as SQSBatchResponse | undefined;
      } catch {
        // The function failed as a whole: its records come back (Lambda fails the whole batch).
        for (const r of records) failures.push({ itemIdentifier: r.messageId });
        return;
      }
      const run = appId ? runs.get(appId) : undefined;
      // Only a first delivery loses its result: with the history's crashes, a message stays within its
      // queue's maxReceiveCount (a dead letter would be a fault the product may rightly not absorb).
      const first = records.every((r) => Number(r.attributes?.ApproximateReceiveCount ?? "1") === 1);
      if (first && loses(run?.faults)) {
        run?.faults.log.push(`${name} batch of ${records.length} ran; its result was lost`);
        tallyFault("worker batch ran, result lost");
        for (const r of records) failures.push({ itemIdentifier: r.messageId });
        return;
      }
      const failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      failures.push(...(result?.batchItemFailures ?? []));
      if (appId) pending.add(appId, -records.filter((r) => !failed.has(r.messageId)).length);
    }),
  );
  return { batchItemFailures: failures };
}

export async function handler(event: unknown, context: Context): Promise<unknown> {
  const name = context.functionName.replace(/^sms-analytics-/, "") as FunctionName;
  if (WORKERS[name]) return worker(name, event as SQSEvent, context);
  const h = await real(name);
  if (name === "counter") {
    const result = (await invocation.run({ fn: name, appId: null, shiftMs: 0 }, () => h(event, context))) as {
      batchItemFailures?: Array<{ itemIdentifier: string }>;
    };
    const records = (event as { Records?: Array<{ dynamodb?: { SequenceNumber?: string } }> }).Records ?? [];
    if ((result?.batchItemFailures ?? []).length === 0 && records.length > 0 && loses(ambient.faults)) {
      ambient.faults.log.push(`counter batch of ${records.length} ran; its result was lost`);
      tallyFault("stream batch ran, result lost (counter)");
      return {
        ...result,
        batchItemFailures: [{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber ?? "" }],
      };
    }
    return result;
  }
  const headers = (event as { headers?: Record<string, string | undefined> }).headers ?? {};
  const appId = headers["x-model-app"] ?? null;
  return invocation.run({ fn: name, appId, shiftMs: 0 }, () => h(event, context));
}
