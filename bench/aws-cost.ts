import { functions } from "../lambdas/topology/functions.js";
import { PRICES } from "./prices.js";
import { round } from "./stats.js";
import type { Kind, KindRun } from "./write-cost.js";

/** Assumptions the measurements cannot give; each is stated in results.json next to the result. */
export const ASSUMPTIONS = {
  receiptsPerSms: 1,
  clickRate: 0.05,
  conversionRate: 0.02,
  /** The sends route takes up to 1,000 recipients per request; a campaign uses full requests. */
  recipientsPerSendsRequest: 1000,
  /** Send jobs of 50 recipients, 5 jobs per send-worker invocation (lambdas/routes.ts). */
  recipientsPerSendInvocation: 250,
  /** Receipts, clicks and events reach their workers in batches of 100 (lambdas/routes.ts). */
  workerBatch: 100,
  /** Apps post events one per request (worst case for requests). */
  eventsPerEventsRequest: 1,
  /** DynamoDB round trip on AWS, added per request to the locally measured duration (counted as sequential: an upper bound). */
  awsDynamoMsPerRequest: 5,
  /** Provider API latency per send, with 4 sends in parallel per job. */
  providerMsPerSend: 300,
  parallelSends: 4,
  /** SQS: a send is one SendMessageBatch of ≤ 10; Lambda's poller receives and deletes ≤ 10 per request. */
  sqsMessagesPerRequest: 10,
  /**
   * Changes of fact items per fact, each one stream record for the counter (from the flows): a send
   * claims its message, marks it SENDING and records the outcome; a delivered receipt moves the message
   * and opens its window; a tap writes its clicker (or a tap item); a conversion keeps the event and
   * moves the window's first conversion.
   */
  streamRecordsPerFact: { send: 3, receipt: 2, click: 1, conversion: 2 },
  /**
   * Stream records per counter invocation on AWS: the event source's batch size (1,000). A hot campaign
   * fills it within the 1 s batching window on every shard (docs/scale.md); quiet shards get smaller ones.
   */
  recordsPerCounterInvocation: 1000,
  /** Reading the stream costs nothing: GetRecords calls made by Lambda's DynamoDB trigger are free (DynamoDB pricing page). */
  streamReadsUsd: 0,
} as const;

export interface CostLine {
  step: string;
  perSms: number;
  wru: number;
  rru: number;
  sqsRequests: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  apiRequests: number;
}

export interface CostModel {
  lines: CostLine[];
  /** USD per million SMS, by service. */
  usdPerMillion: {
    dynamodbWrites: number;
    dynamodbReads: number;
    sqs: number;
    lambdaRequests: number;
    lambdaCompute: number;
    apiGateway: number;
    total: number;
  };
}

const EDGE_FN: Record<Kind, keyof typeof functions> = {
  send: "sends",
  receipt: "webhook",
  click: "redirect",
  conversion: "events",
};
const COUNTER_FN: keyof typeof functions = "counter";
const WORKER_FN: Record<Kind, keyof typeof functions> = {
  send: "sendWorker",
  receipt: "deliveryWorker",
  click: "clickWorker",
  conversion: "attributionWorker",
};

/**
 * Cost per million SMS from the units measured at batch 100 (DynamoDB WRU/RRU and requests per fact of
 * the edge, the worker and the counter; local wall time per fact) and the assumptions above.
 */
export function costModel(runs: KindRun[]): CostModel {
  const a = ASSUMPTIONS;
  const perSms: Record<Kind, number> = {
    send: 1,
    receipt: a.receiptsPerSms,
    click: a.clickRate,
    conversion: a.conversionRate,
  };
  const lines: CostLine[] = [];
  for (const kind of ["send", "receipt", "click", "conversion"] as Kind[]) {
    const run = runs.find((r) => r.kind === kind && r.batch === 100);
    if (!run) throw new Error(`no batch-100 run for ${kind}`);
    const n = run.facts;
    // Edge: one API request per fact, except sends (full requests) and events (per the assumption).
    const factsPerApiRequest =
      kind === "send" ? a.recipientsPerSendsRequest : kind === "conversion" ? a.eventsPerEventsRequest : 1;
    const edgeMsPerFact = run.edgeMs / n + (a.awsDynamoMsPerRequest * run.edge.requests) / n;
    const edgeMemGb = functions[EDGE_FN[kind]].memoryMb / 1024;
    // Sends queue one job per 50 recipients; the other edges one message per fact.
    const messagesPerFact = kind === "send" ? 1 / 50 : 1;
    const sendsPerFact =
      kind === "send"
        ? messagesPerFact / a.sqsMessagesPerRequest
        : kind === "conversion"
          ? 1 / a.eventsPerEventsRequest
          : 1;
    lines.push({
      step: `${kind}: ${EDGE_FN[kind]} (edge)`,
      perSms: perSms[kind],
      wru: run.edge.wru / n,
      rru: run.edge.rru / n,
      sqsRequests: sendsPerFact,
      lambdaInvocations: 1 / factsPerApiRequest,
      lambdaGbSeconds: (edgeMsPerFact / 1000) * edgeMemGb,
      apiRequests: 1 / factsPerApiRequest,
    });
    const factsPerInvocation = kind === "send" ? a.recipientsPerSendInvocation : a.workerBatch;
    const providerMs = kind === "send" ? a.providerMsPerSend / a.parallelSends : 0;
    const workerMsPerFact =
      run.workerMs / n + (a.awsDynamoMsPerRequest * run.worker.requests) / n + providerMs;
    const workerMemGb = functions[WORKER_FN[kind]].memoryMb / 1024;
    lines.push({
      step: `${kind}: ${WORKER_FN[kind]}`,
      perSms: perSms[kind],
      wru: run.worker.wru / n,
      rru: run.worker.rru / n,
      // Receive + delete, ≤ 10 messages per request each.
      sqsRequests: (2 * messagesPerFact) / a.sqsMessagesPerRequest,
      lambdaInvocations: 1 / factsPerInvocation,
      lambdaGbSeconds: (workerMsPerFact / 1000) * workerMemGb,
      apiRequests: 0,
    });
    // The counter: its bucket updates and checkpoint reads as measured, one invocation per full batch.
    lines.push({
      step: `${kind}: ${COUNTER_FN} (stream)`,
      perSms: perSms[kind],
      wru: run.counter.wru / n,
      rru: run.counter.rru / n,
      sqsRequests: 0,
      lambdaInvocations: a.streamRecordsPerFact[kind] / a.recordsPerCounterInvocation,
      lambdaGbSeconds:
        ((a.awsDynamoMsPerRequest * run.counter.requests) / n / 1000) *
        (functions[COUNTER_FN].memoryMb / 1024),
      apiRequests: 0,
    });
  }
  const sum = (f: (l: CostLine) => number): number => lines.reduce((s, l) => s + l.perSms * f(l), 0);
  const M = 1_000_000;
  const usd = {
    dynamodbWrites: (sum((l) => l.wru) * M * PRICES.dynamodbWritePerMillionWru) / M,
    dynamodbReads: (sum((l) => l.rru) * M * PRICES.dynamodbReadPerMillionRru) / M,
    sqs: (sum((l) => l.sqsRequests) * M * PRICES.sqsStandardPerMillionRequests) / M,
    lambdaRequests: (sum((l) => l.lambdaInvocations) * M * PRICES.lambdaPerMillionRequests) / M,
    lambdaCompute: sum((l) => l.lambdaGbSeconds) * M * PRICES.lambdaArm64PerGbSecond,
    apiGateway: (sum((l) => l.apiRequests) * M * PRICES.apiGatewayHttpApiPerMillionRequests) / M,
    total: 0,
  };
  usd.total =
    usd.dynamodbWrites +
    usd.dynamodbReads +
    usd.sqs +
    usd.lambdaRequests +
    usd.lambdaCompute +
    usd.apiGateway;
  const rounded = Object.fromEntries(
    Object.entries(usd).map(([k, v]) => [k, round(v, 2)]),
  ) as CostModel["usdPerMillion"];
  return {
    lines: lines.map((l) => ({
      ...l,
      wru: round(l.wru, 3),
      rru: round(l.rru, 3),
      sqsRequests: round(l.sqsRequests, 4),
      lambdaInvocations: round(l.lambdaInvocations, 4),
      lambdaGbSeconds: round(l.lambdaGbSeconds, 6),
      apiRequests: round(l.apiRequests, 4),
    })),
    usdPerMillion: rounded,
  };
}
