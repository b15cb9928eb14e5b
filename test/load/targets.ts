import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort, startDynoxide } from "../../lambdas/local/dynamo.js";
import type { QueueStats } from "../../lambdas/local/queue.js";
import { startLocal } from "../../lambdas/local/server.js";
import type { QueueName } from "../../lambdas/topology/queues.js";

/** The product under load: in this process, or as a child process that can be killed and restarted. */
export interface ProductTarget {
  url(): string;
  /** The product's clock (the wall clock, plus the child's offset after restarts). */
  nowMs?(): number;
  /** 0 for the first server, +1 after each restart. */
  generation(): number;
  /** Resolves once every queue is empty and nothing is in flight; returns the queues' state then. */
  drain(): Promise<Record<QueueName, QueueStats>>;
  /** `kill -9` of the runtime (and its engine), then a restart on the same data directory and port. */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  adminApiKey: string;
  /** Seconds before a failed queue message is retried (the product's are minutes). */
  visibilityTimeoutSeconds?: number;
  /**
   * In-process only: the embedded engine keeps the table in memory instead of its SQLite file. The file
   * costs an fsync per write (~40-100 writes/s here); runs that kill nothing do not need it.
   */
  memoryEngine?: boolean;
  /** The runtime's log lines (queue retries, timeouts); default: dropped. */
  log?: (line: string) => void;
  /**
   * Child process only: each restart moves the product's clock this much further ahead of the wall
   * clock (generation × step), as if the restart had taken that long — e.g. past a cut-off.
   */
  clockStepPerRestartMs?: number;
}

export async function inProcessTarget(o: TargetOptions): Promise<ProductTarget & { dynamoEndpoint: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "sms-load-"));
  const engine = o.memoryEngine ? await startDynoxide() : undefined;
  const runtime = await startLocal({
    port: 0,
    dataDir,
    ...(engine ? { dynamodbEndpoint: engine.endpoint } : {}),
    adminApiKey: o.adminApiKey,
    queueVisibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? 1,
    log: o.log ?? (() => {}),
  });
  return {
    dynamoEndpoint: runtime.dynamoEndpoint,
    url: () => runtime.url,
    generation: () => 0,
    async drain() {
      await runtime.drain();
      return runtime.queues.stats();
    },
    crashAndRestart: () => Promise.reject(new Error("an in-process runtime cannot be killed")),
    async stop() {
      await runtime.stop();
      await engine?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "product-child.ts");

interface Running {
  child: ChildProcess;
  url: string;
  lines: AsyncIterator<string>;
}

async function startChild(env: NodeJS.ProcessEnv, log?: (line: string) => void): Promise<Running> {
  // Its own process group, so one kill reaches the runtime and the engine it started.
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
    log?.(d.toString().trimEnd());
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  const line = first.done ? "" : first.value;
  if (!line.startsWith("READY ")) throw new Error(`product did not start: ${line} ${stderr}`);
  return { child, url: line.slice("READY ".length), lines };
}

/** Kills the whole process group with SIGKILL and waits until the runtime is gone. */
async function killHard(r: Running): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (r.child.exitCode !== null || r.child.signalCode !== null) resolve();
    else r.child.once("exit", () => resolve());
  });
  if (r.child.pid !== undefined) {
    try {
      process.kill(-r.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await exited;
}

export async function childProcessTarget(o: TargetOptions): Promise<ProductTarget & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "sms-crash-"));
  // Fixed for every generation: webhook URLs (and so the provider's configuration) stay valid.
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_API_KEY: o.adminApiKey,
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: String(o.visibilityTimeoutSeconds ?? 1),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    CLOCK_OFFSET_MS: "0",
  };
  let running = await startChild(env, o.log);
  let generation = 0;
  return {
    dataDir,
    url: () => running.url,
    nowMs: () => Date.now() + Number(env.CLOCK_OFFSET_MS),
    generation: () => generation,
    async drain() {
      running.child.stdin?.write("drain\n");
      for (;;) {
        const next = await running.lines.next();
        if (next.done) throw new Error("the product ended before draining");
        if (next.value.startsWith("DRAINED ")) return JSON.parse(next.value.slice("DRAINED ".length));
        if (next.value.startsWith("DRAIN-FAILED")) throw new Error(next.value);
      }
    },
    async crashAndRestart() {
      await killHard(running);
      generation++;
      env.CLOCK_OFFSET_MS = String(generation * (o.clockStepPerRestartMs ?? 0));
      running = await startChild(env, o.log);
    },
    async stop() {
      running.child.stdin?.end();
      const exited = new Promise<void>((resolve) => {
        if (running.child.exitCode !== null) resolve();
        else running.child.once("exit", () => resolve());
      });
      const force = setTimeout(() => void killHard(running), 20_000);
      await exited;
      clearTimeout(force);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
