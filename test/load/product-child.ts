/**
 * The product as its own process for the crash tests (what `npm start` runs, plus a drain signal):
 * starts the local runtime from the environment (PORT, DATA_DIR, ADMIN_API_KEY, optional
 * QUEUE_VISIBILITY_TIMEOUT_SECONDS and CLOCK_OFFSET_MS, the product clock's lead on the wall clock), prints `READY <url>`, and on each `drain` line on stdin prints
 * `DRAINED <queue stats as JSON>` once every queue is empty and nothing is in flight.
 */
import { createInterface } from "node:readline";
import { startLocal } from "../../lambdas/local/server.js";
import { setClock } from "../../lambdas/platform/clock.js";

const dataDir = process.env.DATA_DIR;
const adminApiKey = process.env.ADMIN_API_KEY;
if (!dataDir || !adminApiKey) throw new Error("DATA_DIR and ADMIN_API_KEY are required");
const visibility = process.env.QUEUE_VISIBILITY_TIMEOUT_SECONDS;
const clockOffsetMs = Number(process.env.CLOCK_OFFSET_MS ?? 0);
if (clockOffsetMs !== 0) setClock(() => Date.now() + clockOffsetMs);

const runtime = await startLocal({
  port: Number(process.env.PORT ?? 0),
  dataDir,
  adminApiKey,
  ...(visibility === undefined ? {} : { queueVisibilityTimeoutSeconds: Number(visibility) }),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`READY ${runtime.url}\n`);

const shutdown = (): void => {
  runtime.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
// The parent closing our stdin (it ended or died) stops us: no orphaned runtimes after a failed test.
const input = createInterface({ input: process.stdin });
input.on("close", shutdown);
input.on("line", (line) => {
  if (line.trim() !== "drain") return;
  runtime.drain().then(
    () => process.stdout.write(`DRAINED ${JSON.stringify(runtime.queues.stats())}\n`),
    (e: unknown) => process.stdout.write(`DRAIN-FAILED ${(e as Error).message}\n`),
  );
});
process.on("SIGTERM", shutdown);
