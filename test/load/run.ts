/**
 * `npm run test:load`: the full-size load (not run in CI). Defaults: 20,000 receipt requests and 5,000
 * events, 30% of each duplicates, 64 concurrent clients, the product as a child process killed with
 * SIGKILL and restarted once half-way. Override with LOAD_RECEIPTS, LOAD_EVENTS, LOAD_CONCURRENCY,
 * LOAD_CRASHES (kills, spread evenly; 0 runs the product in this process), LOAD_SEED, and
 * LOAD_LOG=<file> (the runtime's log lines), LOAD_ENGINE=memory (with LOAD_CRASHES=0: the engine keeps the table in memory, no fsync per write).
 * Exits 1 when any figure differs from the plan.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

// The SDK's switch for its "upgrade Node" notice, set before the SDK loads (hence the dynamic imports).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { runScenario } = await import("./scenario.js");
const { childProcessTarget, inProcessTarget } = await import("./targets.js");
const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

const receipts = num("LOAD_RECEIPTS", 20_000);
const events = num("LOAD_EVENTS", 5_000);
const crashes = num("LOAD_CRASHES", 1);
const adminApiKey = randomBytes(24).toString("hex");
const logFile = process.env.LOAD_LOG;
const log = logFile ? (line: string): void => appendFileSync(logFile, `${line}\n`) : undefined;
const target =
  crashes > 0
    ? await childProcessTarget({ adminApiKey, ...(log ? { log } : {}) })
    : await inProcessTarget({
        adminApiKey,
        memoryEngine: process.env.LOAD_ENGINE === "memory",
        ...(log ? { log } : {}),
      });
try {
  const report = await runScenario(target, {
    adminApiKey,
    receipts,
    events,
    seed: num("LOAD_SEED", 1),
    concurrency: num("LOAD_CONCURRENCY", 64),
    crashAt: Array.from({ length: crashes }, (_, i) => (i + 1) / (crashes + 1)),
  });
  const { expected, actual, ...figures } = report;
  console.log(JSON.stringify(figures, null, 2));
  console.table({ expected, actual });
  const { failedToSend: _, ...expectedFigures } = expected;
  const ok =
    isDeepStrictEqual({ ...expectedFigures, failedToSend: 0 }, actual) &&
    report.parkedReceipts === 0 &&
    Object.values(report.queues).every((q) => q.dlq === 0);
  console.log(ok ? "EXACT: every figure equals the plan" : "MISMATCH");
  process.exitCode = ok ? 0 : 1;
} finally {
  await target.stop();
}
