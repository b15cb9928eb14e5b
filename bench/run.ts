import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { LocalQueues } from "../lambdas/local/queue.js";
import { setQueue } from "../lambdas/queue/index.js";
import { REPO_ROOT } from "../lib/paths.js";
import { ASSUMPTIONS, costModel } from "./aws-cost.js";
import { measureContention } from "./contention.js";
import { measureIngestion } from "./ingestion.js";
import { measureRedirect } from "./latency.js";
import { plainClients } from "./meter.js";
import { measurePackages } from "./packages.js";
import { PRICES } from "./prices.js";
import { startBenchProduct } from "./product.js";
import { measureQueryCost } from "./query-cost.js";
import { measureReadsPerEvent } from "./reads-per-event.js";
import { type BenchResults, perFact, report, targetsOf } from "./report.js";
import { round } from "./stats.js";
import { measureWriteCost } from "./write-cost.js";

/**
 * `npm run bench`: write cost per fact (counter included), analytics query cost, reads per event,
 * redirect overhead, webhook ingestion, hot-campaign contention (new design and the old one), Lambda
 * packages and the AWS cost per million SMS, in one run; prints Markdown tables and writes
 * bench/results.json. Not part of `npm test` (nor CI): nothing here asserts timings.
 */

const started = performance.now();
/** Other work on the machine skews timings (not unit counts): recorded next to the results. */
const loadAtStart = loadavg().map((x) => round(x, 2));
const log = (line: string): void => console.error(line);
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;

async function main(): Promise<void> {
  log("starting the local runtime, the embedded engine and a Gupshup simulator");
  const product = await startBenchProduct();
  const queueDir = mkdtempSync(join(tmpdir(), "sms-bench-queue-"));
  let measured: Pick<BenchResults, "writeRuns" | "queryRuns" | "readsPerEvent" | "redirect" | "ingestion">;
  try {
    log(`1/7 write cost per fact (${elapsed()})`);
    const writeRuns = await measureWriteCost(product, log);
    log(`2/7 analytics query cost (${elapsed()})`);
    const queryRuns = await measureQueryCost(product, log);
    log(`3/7 reads per event (${elapsed()})`);
    const readsPerEvent = await measureReadsPerEvent(product, log);

    // Latency and throughput: unmetered clients, and the local runtime's durable queue without pollers,
    // so no worker competes with the requests being measured for the machine's two cores.
    plainClients(product.runtime.dynamoEndpoint);
    const sendOnly = await LocalQueues.open({ dataDir: queueDir, log: () => {} });
    setQueue(sendOnly);
    try {
      log(`4/7 redirect overhead (${elapsed()})`);
      const redirect = await measureRedirect(product, sendOnly);
      log(`5/7 webhook ingestion, 3 × 10 s of load (${elapsed()})`);
      const ingestion = await measureIngestion(product, sendOnly);
      measured = { writeRuns, queryRuns, readsPerEvent, redirect, ingestion };
    } finally {
      await sendOnly.stop();
    }
  } finally {
    await product.stop();
    rmSync(queueDir, { recursive: true, force: true });
  }
  log(`6/7 hot campaign contention (${elapsed()})`);
  const contention = await measureContention(log);
  log(`7/7 Lambda packages (${elapsed()})`);
  const packages = await measurePackages(log);
  const cost = costModel(measured.writeRuns);

  const totalSeconds = round((performance.now() - started) / 1000, 1);
  const results: BenchResults = { ...measured, contention, packages, cost, totalSeconds, loadAtStart };
  const [small, large] = measured.queryRuns;
  if (!small || !large) throw new Error("query runs missing");
  const json = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "",
      node: process.version,
      platform: process.platform,
      loadAverage1m: { atStart: loadAtStart[0], atEnd: round(loadavg()[0] ?? 0, 2) },
    },
    totalSeconds,
    targets: targetsOf(results),
    writeCost: {
      method:
        "Real flows against the embedded engine: sends route → send worker → Gupshup simulator; GET receipts → webhook → delivery worker; taps → redirect → click worker; events route → attribution worker. Each worker is invoked with SQS events of exactly `batch` records (sends: `batch` recipients, in jobs of ≤ 50). The counter consumes the table's change stream in the background as in `npm start` (4 stream shards); its requests (those naming a counter bucket) from the start of a stage until the stream is drained after it are the stage's counter cost. WRU/RRU are the engine's ConsumedCapacity; failed conditional writes are counted as 1 WRU each.",
      floorWruPerFact: 1,
      rows: measured.writeRuns.map(perFact),
    },
    queryCost: {
      runs: measured.queryRuns,
      ratio: {
        requests: round(large.allTime.requests / small.allTime.requests, 3),
        itemsRead: round(large.allTime.itemsRead / small.allTime.itemsRead, 3),
      },
    },
    readsPerEvent: measured.readsPerEvent,
    redirect: measured.redirect,
    ingestion: measured.ingestion,
    contention,
    packages,
    awsCost: { prices: PRICES, assumptions: ASSUMPTIONS, ...cost },
  };
  writeFileSync(join(REPO_ROOT, "bench", "results.json"), `${JSON.stringify(json, null, 2)}\n`);
  console.log(report(results));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
