import { cpus, loadavg } from "node:os";
import { ASSUMPTIONS, type CostModel } from "./aws-cost.js";
import type { ContentionResult, ContentionRow } from "./contention.js";
import type { IngestionRun } from "./ingestion.js";
import type { RedirectRun } from "./latency.js";
import type { Cost } from "./meter.js";
import type { PackageRun } from "./packages.js";
import { PRICES } from "./prices.js";
import type { QueryRun } from "./query-cost.js";
import type { ReadsPerEvent } from "./reads-per-event.js";
import { round } from "./stats.js";
import { fixed, table } from "./table.js";
import { KINDS, type Kind, type KindRun } from "./write-cost.js";

/** Targets of issue 16: WRU per fact at batch 100, worker and counter together. */
export const WRU_TARGETS: Record<Kind, number> = { send: 3.0, receipt: 1.3, click: 1.3, conversion: 1.6 };
const REDIRECT_P50_RATIO = 1.5;
const QUERY_REQUESTS_90_DAYS = 10;
const CONFLICT_RATE_AT_64 = 0.01;

export interface BenchResults {
  writeRuns: KindRun[];
  queryRuns: QueryRun[];
  readsPerEvent: ReadsPerEvent;
  redirect: RedirectRun;
  ingestion: IngestionRun;
  contention: ContentionResult;
  packages: PackageRun[];
  cost: CostModel;
  totalSeconds: number;
  loadAtStart: number[];
}

const writes = (c: Cost, n: number): string =>
  Object.entries(c.byCommand)
    .filter(([, x]) => x.wru > 0)
    .map(([op, x]) => `${op} ${fixed(x.wru / n)}`)
    .join(", ");

/** One write-cost row, per fact. */
export function perFact(run: KindRun) {
  const n = run.facts;
  return {
    kind: run.kind,
    batch: run.batch,
    facts: n,
    invocations: run.invocations,
    /** Worker and counter together: what the targets are about. */
    wruPerFact: round((run.worker.wru + run.counter.wru) / n, 3),
    workerWruPerFact: round(run.worker.wru / n, 3),
    workerWrites: writes(run.worker, n),
    counterWruPerFact: round(run.counter.wru / n, 3),
    counterUpdatesPerFact: round((run.counter.byCommand.UpdateItem?.requests ?? 0) / n, 3),
    rruPerFact: round((run.worker.rru + run.counter.rru) / n, 3),
    requestsPerFact: round((run.worker.requests + run.counter.requests) / n, 3),
    transactionItemsPerFact: round(run.worker.transactionItems / n, 3),
    failedConditionalPerFact: round(run.worker.failedConditional / n, 3),
    edgeWruPerFact: round(run.edge.wru / n, 3),
    edgeRruPerFact: round(run.edge.rru / n, 3),
    edgeRequestsPerFact: round(run.edge.requests / n, 3),
    pathWruPerFact: round((run.edge.wru + run.worker.wru + run.counter.wru) / n, 3),
    workerMsPerFact: round(run.workerMs / n, 2),
    byCommand: run.worker.byCommand,
    counterByCommand: run.counter.byCommand,
    edgeByCommand: run.edge.byCommand,
  };
}

const at = (rows: ContentionRow[], workers: number): ContentionRow | undefined =>
  rows.find((r) => r.workers === workers);

/** Facts per second never falls by more than 10 % from one worker count to the next, and 64 beats 1. */
function grows(rows: ContentionRow[]): boolean {
  const rates = rows.map((r) => r.factsPerSecond);
  return rates.every((x, i) => i === 0 || x >= 0.9 * (rates[i - 1] as number)) && rates.at(-1)! > rates[0]!;
}

export function targetsOf(r: BenchResults) {
  const rows = r.writeRuns.filter((x) => x.batch === 100).map(perFact);
  const [small, large] = r.queryRuns as [QueryRun, QueryRun];
  const queryRatio = [
    large.allTime.requests / small.allTime.requests,
    large.allTime.itemsRead / small.allTime.itemsRead,
  ];
  const c = r.contention;
  const contention = (["receipts", "clicks"] as const).map((kind) => {
    const top = at(c[kind], 64);
    const met =
      top !== undefined && top.conflictRate <= CONFLICT_RATE_AT_64 && top.deadLetters === 0 && grows(c[kind]);
    return {
      target: `${kind}, 64 workers: conflicts ≤ 1 %, 0 dead letters, facts/s growing with workers`,
      measured: `${top?.conflictRate} / ${top?.deadLetters} / 64:1 = ${c.ratio64to1[kind]}`,
      met,
      note: `facts/s ${c[kind].map((x) => x.factsPerSecond).join(" → ")}; old design ${c.oldDesign[kind].map((x) => x.factsPerSecond).join(" → ")}, conflicts at 64 ${at(c.oldDesign[kind], 64)?.conflictRate}, dead letters ${at(c.oldDesign[kind], 64)?.deadLetters}`,
    };
  });
  const e = r.readsPerEvent;
  return [
    ...rows.map((x) => {
      const target = WRU_TARGETS[x.kind];
      const met = x.wruPerFact <= target;
      return {
        target: `${x.kind}: WRU per fact at batch 100 (worker + counter) ≤ ${target}`,
        measured: x.wruPerFact,
        met,
        note: `${met ? "" : `missed by ${round(x.wruPerFact - target, 2)}: `}worker ${x.workerWrites}; counter ${fixed(x.counterWruPerFact)}`,
      };
    }),
    ...contention,
    {
      target: "reads per event: 50 campaigns ÷ 1 campaign ≈ 1 (requests, RRU)",
      measured: `${e.ratio.requests} / ${e.ratio.rru}`,
      met: Math.abs(e.ratio.requests - 1) <= 0.1 && Math.abs(e.ratio.rru - 1) <= 0.1,
      note: `${e.groups[0].requestsPerEvent} requests, ${e.groups[0].rruPerEvent} RRU per event (1 campaign)`,
    },
    {
      target: "analytics: requests and items read independent of recipients (ratio 1.0)",
      measured: `${round(queryRatio[0] as number, 3)} / ${round(queryRatio[1] as number, 3)}`,
      met: queryRatio[0] === 1 && queryRatio[1] === 1,
      note: `${small.allTime.requests} requests, ${small.allTime.itemsRead} items for 1,000 and 100,000 recipients`,
    },
    {
      target: `analytics: requests for a 90-day range < ${QUERY_REQUESTS_90_DAYS}`,
      measured: large.range90.requests,
      met: large.range90.requests < QUERY_REQUESTS_90_DAYS,
      note: `${large.range90.itemsRead} items read`,
    },
    {
      target: `redirect p50 ≤ ${REDIRECT_P50_RATIO} × bare GetItem p50`,
      measured: r.redirect.ratioP50,
      met: r.redirect.ratioP50 <= REDIRECT_P50_RATIO,
      note: `${r.redirect.redirect.p50} ms vs ${r.redirect.getItem.p50} ms; the durable enqueue alone is ${r.redirect.enqueue.p50} ms; with the enqueue to memory ${round(r.redirect.redirectMemoryQueue.p50 / r.redirect.getItem.p50)}×; computed with the enqueue in parallel with the link read ${parallelRatio(r.redirect)}× (docs/scale.md)`,
    },
  ];
}

function contentionTable(c: ContentionResult): string {
  const line = (design: string, kind: string, x: ContentionRow) => [
    design,
    kind,
    x.workers,
    fixed(x.factsPerSecond, 0),
    fixed(x.conflictRate * 100, 1),
    fixed(x.retriesPerFact, 3),
    x.deadLetters,
  ];
  const run = (design: "new" | "old", kind: string, workers: number) =>
    c.runs.find((x) => x.design === design && x.kind === kind && x.workers === workers);
  const extra = (design: "new" | "old", kind: string, workers: number) => {
    const x = run(design, kind, workers);
    return [x?.requestsPerSecond ?? "", x?.engineCeilingPerSecond ?? "–", x?.cpuBusy ?? ""];
  };
  const rows = (["receipts", "clicks"] as const).flatMap((kind) => [
    ...c.oldDesign[kind].map((x) => [
      ...line("old: 1 tx per chunk, 4 shards", kind, x),
      ...extra("old", kind, x.workers),
    ]),
    ...c[kind].map((x) => [
      ...line("new: fact writes + stream counter", kind, x),
      ...extra("new", kind, x.workers),
    ]),
  ]);
  return table(
    [
      "design",
      "kind",
      "workers",
      "facts/s",
      "conflicts %",
      "retries/fact",
      "dead letters",
      "req/s",
      "engine alone puts/s",
      "CPU busy",
    ],
    rows,
  );
}

/**
 * The proposal of docs/scale.md (enqueue the tap in parallel with the link read), computed from
 * measured parts: the redirect without a durable enqueue, plus what waiting for both the read and the
 * enqueue adds over the read alone; ÷ the bare GetItem (p50).
 */
export function parallelRatio(d: RedirectRun): number {
  return round((d.redirectMemoryQueue.p50 + d.getItemWithEnqueue.p50 - d.getItem.p50) / d.getItem.p50);
}

/** The Markdown tables `npm run bench` prints (and bench/README.md shows). */
export function report(r: BenchResults): string {
  const out: string[] = [];
  const rows = r.writeRuns.map(perFact);
  out.push("### Write cost per fact (worker + counter; edge = the route that queued it)\n");
  out.push(
    table(
      [
        "kind",
        "batch",
        "WRU/fact",
        "worker writes",
        "counter WRU",
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
            .filter((x) => x.kind === k)
            .map((x) => [
              x.kind,
              x.batch,
              fixed(x.wruPerFact),
              x.workerWrites || "–",
              fixed(x.counterWruPerFact),
              fixed(x.rruPerFact),
              fixed(x.requestsPerFact),
              fixed(x.edgeWruPerFact),
              fixed(x.edgeRequestsPerFact),
              fixed(x.pathWruPerFact),
            ]),
        ),
      ],
    ),
  );
  const c = r.contention;
  out.push(
    `\n### Hot campaign contention (model: ${c.model.latencyMs} ms per request, ${c.model.partitionWriteUnitsPerSecond} WCU/s per partition, maxAttempts ${c.model.maxAttempts}; batches of ${c.batch}; ${c.streamShards} stream shards)\n`,
  );
  out.push(contentionTable(c));
  out.push(
    `\nfacts/s 64 : 1 workers — new: receipts ${c.ratio64to1.receipts}, clicks ${c.ratio64to1.clicks}; old: receipts ${c.ratio64to1.oldReceipts}, clicks ${c.ratio64to1.oldClicks}`,
  );
  const e = r.readsPerEvent;
  out.push("\n### Reads per event (attribution worker, one purchase per user)\n");
  out.push(
    table(
      [
        "user messaged by",
        "open windows",
        "requests/event",
        "RRU/event",
        "items/event",
        "reads by operation",
      ],
      e.groups.map((g) => [
        `${g.campaigns} campaign${g.campaigns === 1 ? "" : "s"}`,
        g.openWindows,
        fixed(g.requestsPerEvent),
        fixed(g.rruPerEvent),
        fixed(g.itemsReadPerEvent),
        Object.entries(g.readsByCommand)
          .map(([op, n]) => `${op} ${n}`)
          .join(", "),
      ]),
    ),
  );
  out.push(`\nratio 50 : 1 campaigns: requests ${e.ratio.requests}, RRU ${e.ratio.rru}`);
  const [small, large] = r.queryRuns as [QueryRun, QueryRun];
  out.push("\n### Analytics query cost (GET …/analytics, 90 daily buckets, one Query per scope)\n");
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
      r.queryRuns.map((q) => [
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
  out.push(
    `\nratio 100k / 1k: requests ${round(large.allTime.requests / small.allTime.requests, 3)}, items ${round(large.allTime.itemsRead / small.allTime.itemsRead, 3)}`,
  );
  const d = r.redirect;
  out.push("\n### Redirect overhead (sequential, keep-alive, ms)\n");
  out.push(
    table(
      ["", "n", "p50", "p99"],
      [
        ["GET /l/{code}, first tap (link read + enqueue)", d.redirect.n, d.redirect.p50, d.redirect.p99],
        [
          "GET /l/{code}, repeat tap (cached link)",
          d.redirectCached.n,
          d.redirectCached.p50,
          d.redirectCached.p99,
        ],
        ["bare GetItem, same key, same engine", d.getItem.n, d.getItem.p50, d.getItem.p99],
        ["durable enqueue alone (journal + fsync)", d.enqueue.n, d.enqueue.p50, d.enqueue.p99],
        [
          "GetItem and durable enqueue together",
          d.getItemWithEnqueue.n,
          d.getItemWithEnqueue.p50,
          d.getItemWithEnqueue.p99,
        ],
        ["ratio first tap / GetItem", "", d.ratioP50, d.ratioP99],
        [
          "ratio first tap, enqueue to memory / GetItem",
          "",
          round(d.redirectMemoryQueue.p50 / d.getItem.p50),
          round(d.redirectMemoryQueue.p99 / d.getItem.p99),
        ],
        ["computed: enqueue in parallel with the link read / GetItem", "", parallelRatio(d), ""],
      ],
    ),
  );
  const i = r.ingestion;
  out.push("\n### Webhook ingestion (autocannon, 10 connections, 10 s each)\n");
  out.push(
    table(
      ["server", "receipts/s", "p50 ms", "p99 ms", "non-2xx"],
      [
        [
          "local server, Gupshup GET receipt",
          i.webhook.requestsPerSecond,
          i.webhook.p50Ms,
          i.webhook.p99Ms,
          i.webhook.non2xx,
        ],
        [
          "local server, receipt enqueued to memory",
          i.webhookMemoryQueue.requestsPerSecond,
          i.webhookMemoryQueue.p50Ms,
          i.webhookMemoryQueue.p99Ms,
          i.webhookMemoryQueue.non2xx,
        ],
        [
          "bare node:http, read body + 200",
          i.bare.requestsPerSecond,
          i.bare.p50Ms,
          i.bare.p99Ms,
          i.bare.non2xx,
        ],
        ["ratio", i.ratio, "", "", ""],
      ],
    ),
  );
  out.push("\n### Lambda packages (esbuild as lib/function.ts; median of 5 fresh processes)\n");
  out.push(
    table(
      ["function", "MB mem", "bundle KiB", "map KiB", "load ms", "load ms (source maps)", "over empty ms"],
      r.packages.map((p) => [
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
  const u = r.cost.usdPerMillion;
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
      targetsOf(r).map((t) => [t.target, t.measured, t.met ? "yes" : "NO", t.note]),
    ),
  );
  out.push(
    `\nTotal runtime: ${r.totalSeconds} s on ${cpus().length} CPUs (${process.version}), 1-minute load average ${r.loadAtStart[0]} at start, ${round(loadavg()[0] ?? 0, 2)} at end. Results: bench/results.json`,
  );
  return out.join("\n");
}
