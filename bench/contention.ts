import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { randomBase62 } from "../lambdas/domain/ids.js";
import { LINK_LIFETIME_MS } from "../lambdas/domain/links.js";
import { messageIdFor, providerRefDigest } from "../lambdas/domain/message-id.js";
import { type MessageRecord, sendOutcome } from "../lambdas/domain/message-state.js";
import { configureApp, configureCampaign, configureConnector } from "../lambdas/flows/configuration.js";
import { acceptReceipt } from "../lambdas/flows/webhooks.js";
import { addContentionModel, type ContentionStats } from "../lambdas/local/contention.js";
import { ensureTable, type LocalDynamo, startDynoxide } from "../lambdas/local/dynamo.js";
import { LocalStream } from "../lambdas/local/stream.js";
import type { ClickMessageBody } from "../lambdas/queue/contracts.js";
import { setQueue } from "../lambdas/queue/index.js";
import { appInput } from "../lambdas/schemas/app.js";
import { campaignInput } from "../lambdas/schemas/campaign.js";
import { connectorInput } from "../lambdas/schemas/connector.js";
import { batchPut } from "../lambdas/store/batch.js";
import { campaignContext } from "../lambdas/store/campaign-context.js";
import { setDynamo } from "../lambdas/store/client.js";
import { readCounters } from "../lambdas/store/counters.js";
import { keys } from "../lambdas/store/keys.js";
import { messageWrite } from "../lambdas/store/messages.js";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../lambdas/store/table.js";
import { queues } from "../lambdas/topology/queues.js";
import { asReceiptRequest, gupshupQueryReceipt } from "../test/simulators/index.js";
import { CaptureQueue, type Delivery, sqsDeliveries } from "./capture-queue.js";
import { PRODUCT_MAX_ATTEMPTS, productClients } from "./meter.js";
import { type OldKind, oldDesignWorker } from "./old-design.js";
import { round } from "./stats.js";

/**
 * Issue 16 §1: one hot campaign's receipts and clicks at 1, 4, 16 and 64 concurrent worker
 * invocations, with the contention model (`lambdas/local/contention.ts`) in front of the product's
 * DynamoDB clients.
 *
 * New design: the real delivery and click worker handlers, fed SQS-shaped batches of 100 from one
 * shared queue by `workers` concurrent loops, and the counter (the real handler) consuming the table's
 * change stream through the local runtime's consumer (`LocalStream`, `STREAM_SHARDS` shards in
 * parallel); a run ends when the campaign's counters show every fact. Each run has an engine of its
 * own, seeded before the table's stream is enabled: the embedded engine's writes slow down with every
 * record its stream holds (measured: ~1,300 puts/s without a stream; 435 → 54 puts/s over the first
 * 16,000 records with one), which DynamoDB does not do, and a seed in the stream would make the engine
 * the subject of the measurement.
 *
 * Old design: the synthetic worker of bench/old-design.ts through the same model, on an engine without
 * a stream (its counters are in its transactions); a run ends when the last transaction commits.
 */

export interface ContentionRow {
  workers: number;
  /** Facts recorded ÷ seconds from the first invocation until the last of them shows in the counters. */
  factsPerSecond: number;
  /** Cancelled-for-conflict TransactWriteItems ÷ TransactWriteItems (0 when there were none). */
  conflictRate: number;
  /** Repeated attempts per fact: DynamoDB attempts refused (conflict or throttling) + records redelivered. */
  retriesPerFact: number;
  /** Records that failed their last allowed receive (maxReceiveCount of the queue). */
  deadLetters: number;
}

export interface ContentionRun extends ContentionRow {
  design: "new" | "old";
  kind: OldKind;
  facts: number;
  seconds: number;
  invocations: number;
  /** Records handed back by a worker and received again. */
  redelivered: number;
  /** Seconds until the workers had emptied the queue (the rest of `seconds` is the counter's lag). */
  workSeconds: number;
  model: Omit<ContentionStats, "conflictRate">;
  /** Requests the model saw per second (every attempt). */
  requestsPerSecond: number;
  /** Plain PutItems per second the engine alone took just before the run (new design; `engineCeiling`). */
  engineCeilingPerSecond?: number;
  /** Counter batches that failed and were retried (new design). */
  counterFailures: number;
  /**
   * CPU time of this process and the engine ÷ (wall time × CPUs). The model only adds waiting; when
   * this is high (or the machine is shared), the machine, not DynamoDB's rules, sets facts/s.
   */
  cpuBusy: number;
}

export interface ContentionResult {
  method: string;
  model: { latencyMs: number; partitionWriteUnitsPerSecond: number; maxAttempts: number };
  streamShards: number;
  batch: number;
  receipts: ContentionRow[];
  clicks: ContentionRow[];
  oldDesign: { receipts: ContentionRow[]; clicks: ContentionRow[] };
  /** factsPerSecond at 64 workers ÷ at 1 worker. */
  ratio64to1: { receipts: number; clicks: number; oldReceipts: number; oldClicks: number };
  runs: ContentionRun[];
}

export const WORKERS = [1, 4, 16, 64];
/**
 * Stream shards (= counter invocations at once). The table's stream has a shard per partition; at
 * the write rates measured here a table needs no more than 4 partitions (1,000 WCU/s each), and a new
 * on-demand table starts with room for 4,000 writes/s. docs/scale.md computes the figure at scale.
 */
export const STREAM_SHARDS = 4;
const MODEL = { latencyMs: 10, partitionWriteUnitsPerSecond: 1000 };
/**
 * Records per invocation. The product's queues take up to 100 (`queues.receipts.batchSize`); the runs
 * use 25 so that 64 invocations at once (one batch each) fit the embedded engine's pace in the bench's
 * ~10 minutes. Conflicts in the new design do not depend on the batch size (no transaction); in the
 * old design a smaller batch means more transactions per fact, as a hot campaign's partly filled
 * batches do.
 */
const BATCH = 25;
/** Facts per run: one batch per worker, at least 3 batches. */
const factsFor = (workers: number): number => BATCH * Math.max(3, workers);
const TABLE = "sms-contention";
const CAMPAIGN = "hot";
const INSTANCE = "i1";
const QUEUE: Record<OldKind, "receipts" | "clicks"> = { receipts: "receipts", clicks: "clicks" };
const FIELD: Record<OldKind, string> = { receipts: "delivered", clicks: "clicks" };

type Invoke = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * An SQS queue drained by `workers` concurrent invocations of `invoke`, batches of `BATCH`: records a
 * worker hands back are received again (at once: a hot campaign keeps its contention) until the
 * queue's maxReceiveCount, then they are dead letters.
 */
async function drive(kind: OldKind, bodies: string[], workers: number, invoke: Invoke) {
  const maxReceives = queues[QUEUE[kind]].maxReceiveCount;
  const pool: Delivery[] = bodies.map((body, i) => ({ messageId: `m${i}`, body, receiveCount: 0 }));
  let inFlight = 0;
  const out = { invocations: 0, redelivered: 0, deadLetters: 0 };
  const worker = async (): Promise<void> => {
    for (;;) {
      const batch = pool.splice(0, BATCH);
      if (batch.length === 0) {
        if (inFlight === 0) return;
        await sleep(5);
        continue;
      }
      inFlight++;
      out.invocations++;
      for (const d of batch) d.receiveCount++;
      let failed: Set<string>;
      try {
        const r = await invoke(sqsDeliveries(QUEUE[kind], batch));
        failed = new Set(r.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        failed = new Set(batch.map((d) => d.messageId));
      } finally {
        inFlight--;
      }
      for (const d of batch) {
        if (!failed.has(d.messageId)) continue;
        if (d.receiveCount >= maxReceives) out.deadLetters++;
        else {
          out.redelivered++;
          pool.push(d);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

/**
 * What the embedded engine alone accepts on this machine right now: plain PutItems (64 at a time, no
 * model, no condition) for `ms`, per second. The model can only slow requests down, so a run whose
 * requests per second approach this is measuring the engine and the machine, not DynamoDB's rules.
 */
async function engineCeiling(endpoint: string, ms = 2000): Promise<number> {
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  let n = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (performance.now() - t0 < ms) {
          const i = n++;
          await client.send(
            new PutItemCommand({
              TableName: TABLE,
              Item: { [TABLE_KEY.partitionKey]: { S: `CEILING#${i}` }, [TABLE_KEY.sortKey]: { S: "x" } },
            }),
          );
        }
      }),
    );
    return round(n / ((performance.now() - t0) / 1000), 0);
  } finally {
    client.destroy();
  }
}

/** CPU seconds used so far by this process and by the engine (Linux /proc; 100 ticks per second). */
function cpuSeconds(enginePid: number | undefined): number {
  const own = process.cpuUsage();
  let engine = 0;
  try {
    const stat = readFileSync(`/proc/${enginePid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    engine = (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    // not Linux: the figure leaves the engine out
  }
  return (own.user + own.system) / 1e6 + engine;
}

/** The product's table as `ensureTable` makes it, without its stream yet (enabled after the seed). */
async function createTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: TABLE_KEY.partitionKey, AttributeType: "S" },
          { AttributeName: TABLE_KEY.sortKey, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
        ],
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: TABLE,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
      }),
    );
  } finally {
    client.destroy();
  }
}

/** An engine with the table, the product's clients pointed at it: plain and behind one model. */
async function environment() {
  const engine: LocalDynamo = await startDynoxide();
  await createTable(engine.endpoint);
  process.env.TABLE_NAME = TABLE;
  // Set by the local runtime when the bench ran it first; needed to derive webhook tokens.
  process.env.SERVER_SECRET ??= "bench-contention-server-secret";
  process.env.WEBHOOK_TOKEN_SECRET ??= process.env.SERVER_SECRET;
  process.env.PUBLIC_BASE_URL ??= "http://localhost:3000";
  let model: ReturnType<typeof addContentionModel> | undefined;
  const modelled = productClients(
    engine.endpoint,
    (raws) => {
      model = addContentionModel(raws, MODEL);
    },
    // One process stands for up to 64 Lambda containers, each with the SDK's 50 sockets.
    50 * Math.max(...WORKERS),
  );
  if (!model) throw new Error("no contention model");
  return { engine, plain: productClients(engine.endpoint), modelled, model };
}

/** App, Gupshup connector and campaign through the configuration flows; returns the webhook token. */
async function configure(appId: string, now: number): Promise<string> {
  await configureApp(appId, appInput.parse({ name: "Hot", timezone: "Asia/Kolkata", currency: "INR" }), now);
  const { webhookUrl } = await configureConnector(
    appId,
    "gs",
    connectorInput.parse({
      provider: "gupshup",
      gupshup: { userId: "acct", password: "pw", mask: "BENCH", baseUrl: "http://127.0.0.1:9" },
      sendRatePerSecond: 1000,
    }),
    process.env.PUBLIC_BASE_URL ?? "http://localhost:3000",
    now,
  );
  if (!webhookUrl) throw new Error("new connector without a webhook URL");
  await configureCampaign(
    appId,
    CAMPAIGN,
    campaignInput.parse({
      name: "Hot",
      connectorId: "gs",
      clickTracking: true,
      goals: [{ goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" }],
    }),
    now,
  );
  return new URL(webhookUrl).pathname.split("/").pop() ?? "";
}

/**
 * The queue bodies of one run, and for receipts the messages they name. Messages are written in bulk as
 * the send flow leaves them after an accepted send (claimed QUEUED by the sends flow, SENDING, then SENT
 * with `sendOutcome`: version 3) with their provider-id index items; each gets a delivered Gupshup GET
 * receipt through the webhook flow. Taps are built as the redirect queues them (`ClickMessageBody`).
 */
async function seed(kind: OldKind, appId: string, facts: number, now: number): Promise<string[]> {
  const token = await configure(appId, now);
  const ctx = await campaignContext(appId, CAMPAIGN, now);
  if (!ctx) throw new Error("hot campaign missing");
  const { app, campaign, connector } = ctx;
  const capture = new CaptureQueue();
  setQueue(capture);
  const items: Record<string, unknown>[] = [];
  const taps: string[] = [];
  for (let i = 0; i < facts; i++) {
    const userId = `u${i}`;
    if (kind === "clicks") {
      const tap: ClickMessageBody = {
        id: randomBase62(16),
        at: now + 60_000,
        bot: false,
        expired: false,
        appId,
        campaignId: CAMPAIGN,
        instanceId: INSTANCE,
        userId,
        url: "https://shop.example/sale?utm=sms",
        country: "IN",
        provider: connector.provider,
        expiresAt: now + LINK_LIFETIME_MS,
      };
      taps.push(JSON.stringify(tap));
      continue;
    }
    const messageId = messageIdFor(appId, CAMPAIGN, INSTANCE, userId);
    const providerMessageId = `357666${String(i).padStart(6, "0")}-1`;
    const m: MessageRecord = {
      appId,
      messageId,
      campaignId: CAMPAIGN,
      instanceId: INSTANCE,
      userId,
      connectorId: connector.connectorId,
      provider: connector.provider,
      tracked: connector.deliveryTracking,
      windowHours: campaign.conversionWindowHours,
      tz: app.timezone,
      status: "SENDING",
      queuedAt: now,
      sendingAt: now,
      sentAt: null,
      country: null,
      providerMessageId: null,
      deliveredAt: null,
      failedAt: null,
      failCode: null,
      failDescription: null,
      notSentReason: null,
      notSentCode: null,
      missing: null,
      version: 2,
    };
    const sent = messageWrite(m, { ...m, ...sendOutcome(m, { status: "SENT", providerMessageId }, "IN") });
    items.push({ ...sent.item, ...sent.key, ttl: sent.ttl });
    items.push({
      ...keys.providerMessage(appId, connector.connectorId, providerRefDigest(providerMessageId)),
      messageId,
      ttl: sent.ttl,
    });
    const receipt = gupshupQueryReceipt({
      externalId: providerMessageId,
      status: "SUCCESS",
      cause: "SUCCESS",
      errCode: "000",
      deliveredTS: now + 5_000,
    });
    await acceptReceipt({ connectorId: connector.connectorId, token, ...asReceiptRequest(receipt) }, now);
  }
  await batchPut(items);
  return kind === "clicks" ? taps : capture.take("receipts");
}

async function waitCounted(appId: string, field: string, expected: number): Promise<void> {
  const deadline = performance.now() + 600_000;
  for (;;) {
    const days = await readCounters({ appId, campaignId: CAMPAIGN, scope: INSTANCE });
    let n = 0;
    for (const day of days.values()) n += Number(day.get(field) ?? 0);
    if (n >= expected) return;
    if (performance.now() > deadline) throw new Error(`${appId}: ${n} of ${expected} ${field} counted`);
    await sleep(25);
  }
}

type Env = Awaited<ReturnType<typeof environment>>;

/** Runs `work` with the model in front of the product's clients and records what it saw. */
async function measured(
  env: Env,
  design: "new" | "old",
  kind: OldKind,
  workers: number,
  work: () => Promise<Awaited<ReturnType<typeof drive>> & { recorded: number; workSeconds?: number }>,
  counterFailures: () => number = () => 0,
  engineCeilingPerSecond?: number,
): Promise<ContentionRun> {
  setDynamo(...env.modelled);
  env.model.reset();
  const cpu0 = cpuSeconds(env.engine.pid);
  const t0 = performance.now();
  const q = await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(env.engine.pid) - cpu0;
  const { conflictRate, ...stats } = env.model.stats();
  const refused = stats.conflictedTransactions + stats.conflictedSingleWrites + stats.throttled;
  const facts = q.recorded;
  return {
    design,
    kind,
    workers,
    facts,
    seconds: round(seconds, 2),
    factsPerSecond: round(facts / seconds, 0),
    conflictRate: round(conflictRate, 4),
    retriesPerFact: round((refused + q.redelivered) / facts, 4),
    deadLetters: q.deadLetters,
    invocations: q.invocations,
    redelivered: q.redelivered,
    workSeconds: round(q.workSeconds ?? seconds, 2),
    model: stats,
    counterFailures: counterFailures(),
    requestsPerSecond: round(stats.requests / seconds, 0),
    ...(engineCeilingPerSecond === undefined ? {} : { engineCeilingPerSecond }),
    cpuBusy: round(cpu / (seconds * cpus().length), 2),
  };
}

/** One new-design run: its own engine, seed, stream consumer and counter. */
async function newDesignRun(kind: OldKind, workers: number, worker: Invoke): Promise<ContentionRun> {
  const { handler: counter } = await import("../lambdas/handlers/counter.js");
  const env = await environment();
  let stream: LocalStream | undefined;
  try {
    setDynamo(...env.plain);
    const appId = `hot-${kind}-${workers}`;
    const bodies = await seed(kind, appId, factsFor(workers), Date.now());
    const ceiling = await engineCeiling(env.engine.endpoint);
    await ensureTable(env.engine.endpoint, TABLE); // enables the stream: the runs' changes only
    let failures = 0;
    stream = LocalStream.start({
      endpoint: env.engine.endpoint,
      tableName: TABLE,
      lanes: STREAM_SHARDS,
      consume: async (event) => {
        const r = await counter(event);
        if (r.batchItemFailures.length > 0) failures++;
        return r;
      },
      log: (line) => {
        if (line.includes("failed")) failures++;
      },
    });
    return await measured(
      env,
      "new",
      kind,
      workers,
      async () => {
        const t0 = performance.now();
        const q = await drive(kind, bodies, workers, worker);
        const workSeconds = (performance.now() - t0) / 1000;
        // A dead letter is a fact never recorded (none are expected here).
        const recorded = bodies.length - q.deadLetters;
        await waitCounted(appId, FIELD[kind], recorded);
        return { ...q, recorded, workSeconds };
      },
      () => failures,
      ceiling,
    );
  } finally {
    await stream?.stop();
    await env.engine.stop();
  }
}

function row(r: ContentionRun): ContentionRow {
  return {
    workers: r.workers,
    factsPerSecond: r.factsPerSecond,
    conflictRate: r.conflictRate,
    retriesPerFact: r.retriesPerFact,
    deadLetters: r.deadLetters,
  };
}

/** Every run, new design then old, receipts then clicks; leaves the product's clients on a stopped engine. */
export async function measureContention(
  log: (line: string) => void,
  /** A subset, for a quick look (`npm run bench` uses every design, kind and worker count). */
  only: {
    workers?: readonly number[];
    designs?: ReadonlyArray<"new" | "old">;
    kinds?: readonly OldKind[];
  } = {},
): Promise<ContentionResult> {
  const workerCounts = only.workers ?? WORKERS;
  const designs = only.designs ?? ["new", "old"];
  const kinds = only.kinds ?? (["receipts", "clicks"] as const);
  const workerOf: Record<OldKind, Invoke> = {
    receipts: (await import("../lambdas/handlers/delivery-worker.js")).handler,
    clicks: (await import("../lambdas/handlers/click-worker.js")).handler,
  };
  const runs: ContentionRun[] = [];
  const report = (r: ContentionRun): void => {
    runs.push(r);
    log(
      `  ${r.design} ${r.kind.padEnd(8)} ${String(r.workers).padStart(2)} workers: ${r.factsPerSecond} facts/s (${r.facts} in ${r.seconds} s, queue empty at ${r.workSeconds} s, ${r.requestsPerSecond} req/s, engine alone ${r.engineCeilingPerSecond ?? "–"} puts/s, CPU ${r.cpuBusy}), conflicts ${r.conflictRate}, retries/fact ${r.retriesPerFact}, dead letters ${r.deadLetters}`,
    );
  };
  if (designs.includes("new"))
    for (const kind of kinds)
      for (const workers of workerCounts) report(await newDesignRun(kind, workers, workerOf[kind]));
  const old = designs.includes("old") ? await environment() : undefined;
  try {
    for (const kind of old ? kinds : []) {
      for (const workers of workerCounts) {
        const ids = Array.from({ length: factsFor(workers) }, (_, i) => `f${i}`);
        const worker = oldDesignWorker(kind, `${kind}-${workers}`);
        report(
          await measured(old as Env, "old", kind, workers, async () => ({
            ...(await drive(kind, ids, workers, worker)),
            recorded: worker.recorded(),
          })),
        );
      }
    }
  } finally {
    await old?.engine.stop();
  }

  const rows = (design: "new" | "old", kind: OldKind) =>
    runs.filter((r) => r.design === design && r.kind === kind).map(row);
  const ratio = (design: "new" | "old", kind: OldKind): number => {
    const list = rows(design, kind);
    const at = (n: number) => list.find((r) => r.workers === n)?.factsPerSecond ?? Number.NaN;
    return round(at(64) / at(1), 2);
  };
  return {
    method:
      "One hot campaign. SQS-shaped batches of 100 from one queue, taken by 1–64 concurrent invocation loops; records a worker hands back are received again at once until the queue's maxReceiveCount, then counted as dead letters. New design: the real delivery and click worker handlers; the counter consumes the table's change stream meanwhile (LocalStream, `streamShards` shards in parallel); a run ends when the campaign's counters show every fact. Each new-design run has a fresh in-memory engine, seeded before the table's stream is enabled (the embedded engine's writes slow down with every record its stream holds): messages in bulk as the send flow leaves them (SENT, with their provider-id index items), a delivered Gupshup GET receipt per message through the webhook flow, one tap per user as the redirect queues it. Old design: bench/old-design.ts (the pre-rework transactions, 4 counter shards) on an engine without a stream; a run ends when the last transaction commits. Both: the product's two clients (maxAttempts 5; 50 sockets per simulated container) behind one contention model; every attempt judged.",
    model: { ...MODEL, maxAttempts: PRODUCT_MAX_ATTEMPTS },
    streamShards: STREAM_SHARDS,
    batch: BATCH,
    receipts: rows("new", "receipts"),
    clicks: rows("new", "clicks"),
    oldDesign: { receipts: rows("old", "receipts"), clicks: rows("old", "clicks") },
    ratio64to1: {
      receipts: ratio("new", "receipts"),
      clicks: ratio("new", "clicks"),
      oldReceipts: ratio("old", "receipts"),
      oldClicks: ratio("old", "clicks"),
    },
    runs,
  };
}
