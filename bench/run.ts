import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { LocalQueues } from "../lambdas/local/queue.js";
import { setQueue } from "../lambdas/queue/index.js";
import { REPO_ROOT } from "../lib/paths.js";
import { ASSUMPTIONS, costModel } from "./aws-cost.js";
import { measureIngestion } from "./ingestion.js";
import { measureRedirect } from "./latency.js";
import { plainClients } from "./meter.js";
import { measurePackages } from "./packages.js";
import { PRICES } from "./prices.js";
import { startBenchProduct } from "./product.js";
import { measureQueryCost } from "./query-cost.js";
import { round } from "./stats.js";
import { fixed, table } from "./table.js";
import { KINDS, type KindRun, measureWriteCost } from "./write-cost.js";

/**
 * `npm run bench`: write cost per fact, analytics query cost, redirect overhead, webhook ingestion,
 * Lambda packages and the AWS cost per million SMS, in one run; prints Markdown tables and writes
 * bench/results.json. Not part of `npm test`: nothing here asserts timings.
 */

const TARGET_WRU_PER_FACT = 2.5;
const TARGET_REDIRECT_P50_RATIO = 1.5;
const TARGET_QUERY_REQUESTS_90_DAYS = 10;

const started = performance.now();
/** Other work on the machine skews timings (not unit counts): recorded next to the results. */
const loadAtStart = loadavg().map((x) => round(x, 2));
const log = (line: string): void => console.error(line);
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;

function perFact(run: KindRun) {
  const n = run.facts;
  const tx = run.worker.byCommand.TransactWriteItems?.wru ?? 0;
  const outside = Object.entries(run.worker.byCommand)
    .filter(([op, c]) => op !== "TransactWriteItems" && c.wru > 0)
    .map(([op, c]) => `${op} ${fixed(c.wru / n)}`);
  return {
    kind: run.kind,
    batch: run.batch,
    facts: n,
    invocations: run.invocations,
    wruPerFact: round(run.worker.wru / n, 3),
    transactionWruPerFact: round(tx / n, 3),
    otherWrites: outside.join(", "),
    rruPerFact: round(run.worker.rru / n, 3),
    requestsPerFact: round(run.worker.requests / n, 3),
    transactionItemsPerFact: round(run.worker.transactionItems / n, 3),
    failedConditionalPerFact: round(run.worker.failedConditional / n, 3),
    edgeWruPerFact: round(run.edge.wru / n, 3),
    edgeRruPerFact: round(run.edge.rru / n, 3),
    edgeRequestsPerFact: round(run.edge.requests / n, 3),
    pathWruPerFact: round((run.edge.wru + run.worker.wru) / n, 3),
    workerMsPerFact: round(run.workerMs / n, 2),
    byCommand: run.worker.byCommand,
    edgeByCommand: run.edge.byCommand,
  };
}

async function main(): Promise<void> {
  log("starting the local runtime, the embedded engine and a Gupshup simulator");
  const product = await startBenchProduct();
  let writeRuns: KindRun[];
  let queryRuns: Awaited<ReturnType<typeof measureQueryCost>>;
  let redirect: Awaited<ReturnType<typeof measureRedirect>>;
  let ingestion: Awaited<ReturnType<typeof measureIngestion>>;
  const queueDir = mkdtempSync(join(tmpdir(), "sms-bench-queue-"));
  try {
    log(`1/6 write cost per fact (${elapsed()})`);
    writeRuns = await measureWriteCost(product, log);
    log(`2/6 analytics query cost (${elapsed()})`);
    queryRuns = await measureQueryCost(product, log);

    // Latency and throughput: unmetered clients, and the local runtime's durable queue without pollers,
    // so no worker competes with the requests being measured for the machine's two cores.
    plainClients(product.runtime.dynamoEndpoint);
    const sendOnly = await LocalQueues.open({ dataDir: queueDir, log: () => {} });
    setQueue(sendOnly);
    try {
      log(`3/6 redirect overhead (${elapsed()})`);
      redirect = await measureRedirect(product, sendOnly);
      log(`4/6 webhook ingestion, 3 × 10 s of load (${elapsed()})`);
      ingestion = await measureIngestion(product, sendOnly);
    } finally {
      await sendOnly.stop();
    }
  } finally {
    await product.stop();
    rmSync(queueDir, { recursive: true, force: true });
  }
  log(`5/6 Lambda packages (${elapsed()})`);
  const packages = await measurePackages(log);
  log(`6/6 AWS cost model (${elapsed()})`);
  const cost = costModel(writeRuns);

  const rows = writeRuns.map(perFact);
  const at100 = rows.filter((r) => r.batch === 100);
  const [small, large] = queryRuns;
  if (!small || !large) throw new Error("query runs missing");
  const queryRatio = {
    requests: round(large.allTime.requests / small.allTime.requests, 3),
    itemsRead: round(large.allTime.itemsRead / small.allTime.itemsRead, 3),
  };

  const targets = [
    ...at100.map((r) => ({
      target: `${r.kind}: worker WRU per fact at batch 100 ≤ ${TARGET_WRU_PER_FACT}`,
      measured: r.wruPerFact,
      met: r.wruPerFact <= TARGET_WRU_PER_FACT,
      note:
        r.wruPerFact <= TARGET_WRU_PER_FACT
          ? `fact transaction ${r.transactionWruPerFact}`
          : `missed by ${round(r.wruPerFact - TARGET_WRU_PER_FACT, 2)}: fact transaction ${r.transactionWruPerFact} + writes outside it: ${r.otherWrites}`,
    })),
    {
      target: "analytics: requests and items read independent of recipients (ratio 1.0)",
      measured: `${queryRatio.requests} / ${queryRatio.itemsRead}`,
      met: queryRatio.requests === 1 && queryRatio.itemsRead === 1,
      note: `${small.allTime.requests} requests, ${small.allTime.itemsRead} items for 1,000 and 100,000 recipients`,
    },
    {
      target: `analytics: requests for a 90-day range < ${TARGET_QUERY_REQUESTS_90_DAYS}`,
      measured: large.range90.requests,
      met: large.range90.requests < TARGET_QUERY_REQUESTS_90_DAYS,
      note: `${large.range90.itemsRead} items read`,
    },
    {
      target: `redirect p50 ≤ ${TARGET_REDIRECT_P50_RATIO} × bare GetItem p50`,
      measured: redirect.ratioP50,
      met: redirect.ratioP50 <= TARGET_REDIRECT_P50_RATIO,
      note: `${redirect.redirect.p50} ms vs ${redirect.getItem.p50} ms; the durable enqueue alone is ${redirect.enqueue.p50} ms; with the enqueue to memory ${round(redirect.redirectMemoryQueue.p50 / redirect.getItem.p50)}×`,
    },
  ];

  const totalSeconds = round((performance.now() - started) / 1000, 1);
  const results = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "",
      node: process.version,
      platform: process.platform,
      loadAverage1m: { atStart: loadAtStart[0], atEnd: round(loadavg()[0] ?? 0, 2) },
    },
    totalSeconds,
    targets,
    writeCost: {
      method:
        "Real flows against the embedded engine: sends route → send worker → Gupshup simulator; GET receipts → webhook → delivery worker; taps → redirect → click worker; events route → attribution worker. Each worker is invoked with SQS events of exactly `batch` records (sends: `batch` recipients, in jobs of ≤ 50). WRU/RRU are the engine's ConsumedCapacity (transactions 2 WRU per item per KB); failed conditional writes are counted as 1 WRU each.",
      floorWruPerFact: 1,
      naive:
        "Measured, not computed: batch 1 runs each fact through its worker alone, i.e. recordFacts with one fact per call, one transaction touching every counter item the fact moves.",
      rows,
    },
    queryCost: { runs: queryRuns, ratio: queryRatio },
    redirect,
    ingestion,
    packages,
    awsCost: { prices: PRICES, assumptions: ASSUMPTIONS, ...cost },
  };
  writeFileSync(join(REPO_ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);

  const out: string[] = [];
  out.push("### Write cost per fact (worker; edge = the route that queued it)\n");
  out.push(
    table(
      [
        "kind",
        "batch",
        "WRU/fact",
        "in fact tx",
        "other writes",
        "RRU/fact",
        "req/fact",
        "edge WRU",
        "edge req",
        "path WRU",
      ],
      [
        ["floor: one plain conditional write", "–", "1.00", "–", "–", "–", "1.00", "–", "–", "–"],
        ...KINDS.flatMap((k) =>
          rows
            .filter((r) => r.kind === k)
            .map((r) => [
              r.batch === 1 ? `${r.kind} (naive: 1 tx per fact)` : r.kind,
              r.batch,
              fixed(r.wruPerFact),
              fixed(r.transactionWruPerFact),
              r.otherWrites || "–",
              fixed(r.rruPerFact),
              fixed(r.requestsPerFact),
              fixed(r.edgeWruPerFact),
              fixed(r.edgeRequestsPerFact),
              fixed(r.pathWruPerFact),
            ]),
        ),
      ],
    ),
  );
  out.push("\n### Analytics query cost (GET …/analytics, 90 daily buckets × 4 shards)\n");
  out.push(
    table(
      [
        "recipients",
        "requests (all)",
        "items (all)",
        "RRU (all)",
        "requests (90 d)",
        "items (90 d)",
        "ms (all)",
      ],
      queryRuns.map((q) => [
        q.recipients.toLocaleString("en-US"),
        q.allTime.requests,
        q.allTime.itemsRead,
        fixed(q.allTime.rru, 1),
        q.range90.requests,
        q.range90.itemsRead,
        fixed(q.allTime.ms, 1),
      ]),
    ),
  );
  out.push(`\nratio 100k / 1k: requests ${queryRatio.requests}, items ${queryRatio.itemsRead}`);
  out.push("\n### Redirect overhead (sequential, keep-alive, ms)\n");
  out.push(
    table(
      ["", "n", "p50", "p99"],
      [
        [
          "GET /l/{code}, first tap (link read + enqueue)",
          redirect.redirect.n,
          redirect.redirect.p50,
          redirect.redirect.p99,
        ],
        [
          "GET /l/{code}, repeat tap (cached link)",
          redirect.redirectCached.n,
          redirect.redirectCached.p50,
          redirect.redirectCached.p99,
        ],
        [
          "bare GetItem, same key, same engine",
          redirect.getItem.n,
          redirect.getItem.p50,
          redirect.getItem.p99,
        ],
        ["ratio first tap / GetItem", "", redirect.ratioP50, redirect.ratioP99],
        [
          "ratio first tap, enqueue to memory / GetItem",
          "",
          round(redirect.redirectMemoryQueue.p50 / redirect.getItem.p50),
          round(redirect.redirectMemoryQueue.p99 / redirect.getItem.p99),
        ],
      ],
    ),
  );
  out.push("\n### Webhook ingestion (autocannon, 10 connections, 10 s each)\n");
  out.push(
    table(
      ["server", "receipts/s", "p50 ms", "p99 ms", "non-2xx"],
      [
        [
          "local server, Gupshup GET receipt",
          ingestion.webhook.requestsPerSecond,
          ingestion.webhook.p50Ms,
          ingestion.webhook.p99Ms,
          ingestion.webhook.non2xx,
        ],
        [
          "local server, receipt enqueued to memory",
          ingestion.webhookMemoryQueue.requestsPerSecond,
          ingestion.webhookMemoryQueue.p50Ms,
          ingestion.webhookMemoryQueue.p99Ms,
          ingestion.webhookMemoryQueue.non2xx,
        ],
        [
          "bare node:http, read body + 200",
          ingestion.bare.requestsPerSecond,
          ingestion.bare.p50Ms,
          ingestion.bare.p99Ms,
          ingestion.bare.non2xx,
        ],
        ["ratio", ingestion.ratio, "", "", ""],
      ],
    ),
  );
  out.push("\n### Lambda packages (esbuild as lib/function.ts; median of 5 fresh processes)\n");
  out.push(
    table(
      ["function", "MB mem", "bundle KiB", "map KiB", "load ms", "load ms (source maps)", "over empty ms"],
      packages.map((p) => [
        p.name,
        p.memoryMb ?? "–",
        fixed(p.bundleBytes / 1024, 0),
        fixed(p.sourceMapBytes / 1024, 0),
        fixed(p.loadMs, 1),
        fixed(p.loadMsSourceMaps, 1),
        fixed(p.overMs, 1),
      ]),
    ),
  );
  out.push(
    `\n### AWS cost per million SMS (1 receipt, ${ASSUMPTIONS.clickRate * 100}% clicks, ${ASSUMPTIONS.conversionRate * 100}% conversions; ${PRICES.region} ${PRICES.asOf})\n`,
  );
  const u = cost.usdPerMillion;
  out.push(
    table(
      [
        "DynamoDB writes",
        "DynamoDB reads",
        "SQS",
        "Lambda requests",
        "Lambda GB-s",
        "API Gateway",
        "total USD",
      ],
      [
        [
          u.dynamodbWrites,
          u.dynamodbReads,
          u.sqs,
          u.lambdaRequests,
          u.lambdaCompute,
          u.apiGateway,
          u.total,
        ].map((x) => fixed(x)),
      ],
    ),
  );
  out.push("\n### Targets\n");
  out.push(
    table(
      ["target", "measured", "met", "note"],
      targets.map((t) => [t.target, t.measured, t.met ? "yes" : "NO", t.note]),
    ),
  );
  out.push(
    `\nTotal runtime: ${totalSeconds} s on ${cpus().length} CPUs (${process.version}), 1-minute load average ${loadAtStart[0]} at start, ${round(loadavg()[0] ?? 0, 2)} at end. Results: bench/results.json`,
  );
  console.log(out.join("\n"));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
