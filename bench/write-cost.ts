import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { setClock } from "../lambdas/platform/clock.js";
import type { QueueName } from "../lambdas/topology/queues.js";
import { deliverReceipt, gupshupQueryReceipt } from "../test/simulators/index.js";
import { chunks, sqsEvent } from "./capture-queue.js";
import { type Cost, diffCost, emptyCost, sumCost } from "./meter.js";
import { APP_ID, CAMPAIGN_ID, type Product } from "./product.js";

export type Kind = "send" | "receipt" | "click" | "conversion";
export const KINDS: Kind[] = ["send", "receipt", "click", "conversion"];

/** One kind of fact through its worker at one SQS batch size. */
export interface KindRun {
  kind: Kind;
  batch: number;
  facts: number;
  invocations: number;
  /** The worker invocations (without the counter's requests made meanwhile). */
  worker: Cost;
  workerMs: number;
  /**
   * The counter over the table's change stream, for this stage's facts: every request naming a counter
   * bucket from the start of the edge step until the stream is drained after the worker.
   */
  counter: Cost;
  /** The edge that produced the queue messages: sends route, webhook, redirect, events route (without the counter). */
  edge: Cost;
  edgeHttpRequests: number;
  edgeMs: number;
}

/** Facts per batch size: enough invocations to average, small enough to stay well inside the time budget. */
export const BATCHES: Array<{ batch: number; facts: number }> = [
  { batch: 1, facts: 20 },
  { batch: 10, facts: 100 },
  { batch: 100, facts: 200 },
];

type Worker = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

const HOUR = 3_600_000;
const MOBILE_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36";

export function lambdaContext(timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return { getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
}

function phoneOf(batch: number, i: number): string {
  return `+9198${String(batch).padStart(3, "0")}${String(i).padStart(5, "0")}`;
}

export async function loadWorkers(): Promise<Record<Kind, Worker>> {
  const [send, delivery, click, attribution] = await Promise.all([
    import("../lambdas/handlers/send-worker.js"),
    import("../lambdas/handlers/delivery-worker.js"),
    import("../lambdas/handlers/click-worker.js"),
    import("../lambdas/handlers/attribution-worker.js"),
  ]);
  return {
    send: send.handler as Worker,
    receipt: delivery.handler as Worker,
    click: click.handler as Worker,
    conversion: attribution.handler as Worker,
  };
}

const QUEUE_OF: Record<Kind, QueueName> = {
  send: "sends",
  receipt: "receipts",
  click: "clicks",
  conversion: "events",
};

/**
 * Runs one campaign instance per batch size through the real flows: the sends route, the send worker
 * against the Gupshup simulator, real GET receipts through the webhook, taps through the redirect, and
 * purchase events through the events route; each worker gets SQS events of exactly `batch` records.
 */
export async function measureWriteCost(p: Product, log: (line: string) => void): Promise<KindRun[]> {
  const workers = await loadWorkers();
  const runs: KindRun[] = [];
  for (const { batch, facts } of BATCHES) {
    const instanceId = `b${batch}`;
    const users = Array.from({ length: facts }, (_, i) => ({
      userId: `u${batch}-${i}`,
      phone: phoneOf(batch, i),
      attributes: { first_name: "Asha" },
    }));

    /** Runs the edge step, then the worker over what the edge queued, in SQS batches of `batch`. */
    const stage = async (
      kind: Kind,
      edge: () => Promise<number>,
      group: (bodies: string[]) => string[][] = (b) => chunks(b, batch),
    ): Promise<void> => {
      const e = await p.meter.measure(edge);
      const groups = group(p.capture.take(QUEUE_OF[kind]));
      let worker = emptyCost();
      let counter = e.counter;
      let workerMs = 0;
      for (const records of groups) {
        const r = await p.meter.measure(() =>
          workers[kind](sqsEvent(QUEUE_OF[kind], records), lambdaContext(120)),
        );
        if (r.value.batchItemFailures.length > 0) {
          throw new Error(
            `${kind} worker failed ${r.value.batchItemFailures.length} records at batch ${batch}`,
          );
        }
        worker = sumCost(worker, diffCost(r.cost, r.counter));
        counter = sumCost(counter, r.counter);
        workerMs += r.ms;
      }
      // The counter runs in the background as in `npm start`; its rest for this stage is counted here.
      const drained = await p.meter.measure(() => p.runtime.drain());
      counter = sumCost(counter, drained.cost);
      runs.push({
        kind,
        batch,
        facts,
        invocations: groups.length,
        worker,
        workerMs,
        counter,
        edge: diffCost(e.cost, e.counter),
        edgeHttpRequests: e.value,
        edgeMs: e.ms,
      });
      log(
        `  ${kind.padEnd(10)} batch ${String(batch).padStart(3)}: ${facts} facts, ${groups.length} invocations`,
      );
    };

    // Sends: the route claims and chunks (≤ 50 recipients per job); a worker event carries `batch` recipients.
    const perRequest = Math.min(batch, 1000);
    await stage(
      "send",
      async () => {
        let n = 0;
        for (const recipients of chunks(users, perRequest)) {
          const r = await p.call(
            "POST",
            `/v1/apps/${APP_ID}/campaigns/${CAMPAIGN_ID}/instances/${instanceId}/sends`,
            {
              message: "Hi {{first_name|there}}, today only: https://shop.example/sale?utm=sms",
              recipients,
            },
          );
          if (r.status !== 202) throw new Error(`sends: ${r.status} ${JSON.stringify(r.body)}`);
          n++;
        }
        return n;
      },
      (jobs) => groupJobs(jobs, batch),
    );

    // Receipts: the provider's GET delivery report for each message, through the webhook URL.
    const accepted = new Map(p.sim.accepted.map((a) => [a.phone.replace(/\D/g, ""), a.providerMessageId]));
    await stage("receipt", async () => {
      for (const u of users) {
        const externalId = accepted.get(u.phone.slice(1));
        if (!externalId) throw new Error(`no provider id for ${u.userId}`);
        const receipt = gupshupQueryReceipt({
          externalId,
          status: "SUCCESS",
          cause: "SUCCESS",
          errCode: "000",
          deliveredTS: Date.now(),
          phoneNo: u.phone,
        });
        const r = await deliverReceipt(p.webhookUrl, receipt);
        if (r.status !== 200) throw new Error(`webhook: ${r.status} ${r.body}`);
      }
      return users.length;
    });

    // Clicks: one tap per user on the short link in their message.
    const codes = new Map<string, string>();
    for (const q of p.sim.requests) {
      const body = q.body as Record<string, string>;
      const code = /\/l\/([0-9A-Za-z]{14})/.exec(body.msg ?? "")?.[1];
      if (code && body.send_to) codes.set(body.send_to, code);
    }
    await stage("click", async () => {
      for (const u of users) {
        const code = codes.get(u.phone.slice(1));
        if (!code) throw new Error(`no link for ${u.userId}`);
        const r = await fetch(`${p.runtime.url}/l/${code}`, {
          redirect: "manual",
          headers: { "user-agent": MOBILE_UA },
        });
        await r.arrayBuffer();
        if (r.status !== 302) throw new Error(`redirect: ${r.status}`);
      }
      return users.length;
    });

    // Conversions: one purchase per user, 10 minutes after delivery (the clock moves an hour on).
    const eventAt = Date.now() + 10 * 60_000;
    setClock(() => Date.now() + HOUR);
    try {
      await stage("conversion", async () => {
        let n = 0;
        for (const group of chunks(users, Math.min(batch, 500))) {
          const r = await p.call("POST", `/v1/apps/${APP_ID}/events`, {
            events: group.map((u, i) => ({
              eventId: `e-${u.userId}`,
              userId: u.userId,
              name: "Purchase",
              time: new Date(eventAt + i).toISOString(),
              attributes: { order_value: "499.00" },
            })),
          });
          if (r.status !== 202) throw new Error(`events: ${r.status} ${JSON.stringify(r.body)}`);
          n++;
        }
        return n;
      });
    } finally {
      setClock(undefined);
    }
  }
  return runs;
}

/** Send jobs hold ≤ 50 recipients each: one SQS event carries jobs totalling `batch` recipients. */
function groupJobs(jobs: string[], batch: number): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const job of jobs) {
    const n = (JSON.parse(job) as { recipients: unknown[] }).recipients.length;
    if (current.length > 0 && size + n > batch) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(job);
    size += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}
