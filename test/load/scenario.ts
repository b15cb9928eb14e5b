import type { QueueStats } from "../../lambdas/local/queue.js";
import type { QueueName } from "../../lambdas/topology/queues.js";
import { type GupshupSimulator, startGupshupSimulator } from "../simulators/index.js";
import { runWork } from "./client.js";
import { type Expected, type PlanOptions, phoneOf, planLoad, planUsers, userId } from "./plan.js";
import type { ProductTarget } from "./targets.js";

/**
 * The load with duplicates, end to end through the product's HTTP API: an app, a Gupshup connector
 * (pointed at the simulator) and a campaign; one instance sent to every planned user; then the planned
 * receipts and events from concurrent clients in random order, duplicates included, optionally killing
 * the product part-way; then the queues drain and the analytics are compared with the plan.
 */

const CAMPAIGN = "bf";
const INSTANCE = "i1";
const RECIPIENTS_PER_CALL = 1_000;

export interface ScenarioOptions extends PlanOptions {
  adminApiKey: string;
  /** Default "load". Runs in one process use distinct apps: workers cache campaign contexts for 30 s. */
  appId?: string;
  concurrency?: number;
  /** Kill -9 and restart the product when this share of the work is acknowledged (e.g. [0.5]). */
  crashAt?: number[];
  /** Runs once the sends are recorded, before the load (e.g. to start injecting faults). */
  afterSeed?: () => void;
}

export interface Actual {
  sent: number;
  failedToSend: number;
  delivered: number;
  failedToDeliver: number;
  inTransit: number;
  failuresByCode: Record<string, number>;
  conversionEvents: number;
  conversions: number;
  eventsWithoutRevenue: number;
  revenue: string;
}

export interface ScenarioReport {
  users: number;
  seedMs: number;
  loadMs: number;
  drainMs: number;
  receiptRequests: number;
  receiptDuplicates: number;
  eventRequests: number;
  eventSubmissions: number;
  eventDuplicates: number;
  attempts: number;
  noAnswer: number;
  serverErrors: number;
  crashes: number;
  ackedByGeneration: number[];
  /** Distinct receipts every delivery of which was acknowledged by a server that was later killed. */
  receiptsOnlyAckedBeforeACrash: number;
  parkedReceipts: number;
  queues: Record<QueueName, QueueStats>;
  expected: Expected & { failedToSend: number };
  actual: Actual;
}

async function call(
  base: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

async function must(
  r: Promise<{ status: number; body: any }>,
  status: number,
  what: string,
): Promise<{ status: number; body: any }> {
  const got = await r;
  if (got.status !== status) throw new Error(`${what}: ${got.status} ${JSON.stringify(got.body)}`);
  return got;
}

/** What the analytics route answers, reduced to the figures the plan predicts. */
export async function readActual(base: string, key: string, APP: string): Promise<Actual> {
  const a = (
    await must(call(base, "GET", `/v1/apps/${APP}/campaigns/${CAMPAIGN}/analytics`, key), 200, "analytics")
  ).body;
  const failuresByCode: Record<string, number> = {};
  for (const f of a.failures.failedToDeliver as Array<{ code: string; count: number }>)
    failuresByCode[f.code] = f.count;
  return {
    sent: a.delivery.sent,
    failedToSend: a.delivery.failedToSend,
    delivered: a.delivery.delivered,
    failedToDeliver: a.delivery.failedToDeliver,
    inTransit: a.delivery.inTransit,
    failuresByCode,
    conversionEvents: a.conversions.conversionEvents,
    conversions: a.conversions.conversions,
    eventsWithoutRevenue: a.revenue.eventsWithoutRevenue,
    revenue: a.revenue.total,
  };
}

export async function runScenario(target: ProductTarget, o: ScenarioOptions): Promise<ScenarioReport> {
  const sim: GupshupSimulator = await startGupshupSimulator({ userId: "acct", password: "pw" });
  const APP = o.appId ?? "load";
  try {
    const admin = o.adminApiKey;
    const created = await must(
      call(target.url(), "PUT", `/v1/apps/${APP}`, admin, { name: "Load", timezone: "UTC", currency: "USD" }),
      201,
      "create app",
    );
    const key = created.body.apiKey as string;
    const connector = await must(
      call(target.url(), "PUT", `/v1/apps/${APP}/connectors/gs`, key, {
        provider: "gupshup",
        gupshup: { userId: "acct", password: "pw", mask: "LOAD", baseUrl: sim.url },
        sendRatePerSecond: 1000,
        timeoutMs: 5_000,
      }),
      201,
      "create connector",
    );
    // Only the path: the origin is the target's (it is the same server; `localhost` may resolve to ::1 first).
    const webhookPath = new URL(connector.body.webhookUrl as string).pathname;
    await must(
      call(target.url(), "PUT", `/v1/apps/${APP}/campaigns/${CAMPAIGN}`, key, {
        name: "Load",
        connectorId: "gs",
        clickTracking: false,
        conversionWindowHours: 36,
        goals: [
          { goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" },
        ],
      }),
      201,
      "create campaign",
    );

    // Seed: one instance to every planned user, 1,000 recipients per call, two calls at a time.
    const seedStart = Date.now();
    const { users } = planUsers(o);
    const calls: number[] = [];
    for (let i = 0; i < users; i += RECIPIENTS_PER_CALL) calls.push(i);
    const sendCall = async (from: number): Promise<void> => {
      const recipients = [];
      for (let i = from; i < Math.min(users, from + RECIPIENTS_PER_CALL); i++)
        recipients.push({ userId: userId(i), phone: phoneOf(i) });
      const r = await must(
        call(target.url(), "POST", `/v1/apps/${APP}/campaigns/${CAMPAIGN}/instances/${INSTANCE}/sends`, key, {
          message: "Black Friday: 20% off today",
          recipients,
        }),
        202,
        "sends",
      );
      if (r.body.accepted !== recipients.length) throw new Error(`sends accepted ${r.body.accepted}`);
    };
    let nextCall = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (nextCall < calls.length) await sendCall(calls[nextCall++] as number);
      }),
    );
    await target.drain();
    const seedMs = Date.now() - seedStart;
    const seeded = await readActual(target.url(), key, APP);
    if (seeded.sent !== users || seeded.failedToSend !== 0)
      throw new Error(`seed: sent ${seeded.sent}, failed ${seeded.failedToSend} of ${users}`);

    o.afterSeed?.();
    const providerIds = new Map(sim.accepted.map((a) => [a.phone.replace(/\D/g, ""), a.providerMessageId]));
    const t0 = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 2));
    const plan = planLoad(
      o,
      (i) => {
        const id = providerIds.get(phoneOf(i).slice(1));
        if (!id) throw new Error(`no provider id for user ${i}`);
        return id;
      },
      t0,
    );

    // The load, with kills at the planned points.
    const crashPoints = [...(o.crashAt ?? [])].sort().map((f) => Math.floor(f * plan.work.length));
    const crashes: Promise<void>[] = [];
    let restarting: Promise<void> = Promise.resolve();
    const loadStart = Date.now();
    const stats = await runWork(plan.work, {
      baseUrl: () => target.url(),
      webhookPath,
      appId: APP,
      apiKey: key,
      concurrency: o.concurrency ?? 32,
      generation: () => target.generation(),
      onAck: (s) => {
        if (crashPoints.length > 0 && s.acknowledged >= (crashPoints[0] as number)) {
          crashPoints.shift();
          restarting = restarting.then(() => target.crashAndRestart());
          crashes.push(restarting);
        }
      },
    });
    await Promise.all(crashes);
    const loadMs = Date.now() - loadStart;
    const drainStart = Date.now();
    const queues = await target.drain();
    const drainMs = Date.now() - drainStart;

    const lastGeneration = target.generation();
    const ackGenerations = new Map<string, number[]>();
    for (const item of plan.work) {
      if (item.kind !== "receipt") continue;
      const base = item.key.replace(/\.dup\d+$/, "");
      const list = ackGenerations.get(base) ?? [];
      list.push(stats.ackedIn.get(item.key) ?? -1);
      ackGenerations.set(base, list);
    }
    const receiptsOnlyAckedBeforeACrash = [...ackGenerations.values()].filter((g) =>
      g.every((x) => x >= 0 && x < lastGeneration),
    ).length;
    const parked = await must(
      call(target.url(), "GET", `/v1/apps/${APP}/parked-receipts`, admin),
      200,
      "parked receipts",
    );

    return {
      users,
      seedMs,
      loadMs,
      drainMs,
      receiptRequests: plan.receiptRequests,
      receiptDuplicates: plan.receiptDuplicates,
      eventRequests: plan.work.length - plan.receiptRequests,
      eventSubmissions: plan.eventSubmissions,
      eventDuplicates: plan.eventDuplicates,
      attempts: stats.attempts,
      noAnswer: stats.noAnswer,
      serverErrors: stats.serverErrors,
      crashes: lastGeneration,
      ackedByGeneration: stats.ackedByGeneration,
      receiptsOnlyAckedBeforeACrash,
      parkedReceipts: (parked.body.parkedReceipts as unknown[]).length,
      queues,
      expected: { ...plan.expected, failedToSend: 0 },
      actual: await readActual(target.url(), key, APP),
    };
  } finally {
    await sim.stop();
  }
}
