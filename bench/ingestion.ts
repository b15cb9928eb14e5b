import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { setQueue } from "../lambdas/queue/index.js";
import type { QueuePort } from "../lambdas/queue/port.js";
import { gupshupQueryReceipt, receiptUrl } from "../test/simulators/index.js";
import { CaptureQueue } from "./capture-queue.js";
import type { Product } from "./product.js";
import { round } from "./stats.js";

export interface LoadStats {
  url: string;
  connections: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
}

export interface IngestionRun {
  webhook: LoadStats;
  /** The same, with the receipt enqueued to memory instead of the durable local queue. */
  webhookMemoryQueue: LoadStats;
  bare: LoadStats;
  /** webhook ÷ bare receipts per second. */
  ratio: number;
}

const CONNECTIONS = 10;

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  duration: number;
}

/** autocannon in its own process (its own core), so the load generator does not share the server's loop. */
function autocannon(url: string, seconds: number): Promise<LoadStats> {
  const bin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, "-c", String(CONNECTIONS), "-d", String(seconds), "-j", "-n", url],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return reject(err);
        const r = JSON.parse(stdout) as AutocannonJson;
        resolve({
          url: url
            .replace(/\/webhooks\/dlr\/([^/]+)\/[^/?]+/, "/webhooks/dlr/$1/<token>")
            .replace(/\?.*/, "?<receipt>"),
          connections: CONNECTIONS,
          durationSeconds: seconds,
          requestsPerSecond: round(r.requests.average, 1),
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          total: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors,
        });
      },
    );
  });
}

/**
 * Receipts per second through the local server's webhook route (a real Gupshup GET receipt on a valid
 * webhook URL, queued durably) against a bare Node http server that reads the body and answers 200.
 */
export async function measureIngestion(p: Product, durable: QueuePort, seconds = 10): Promise<IngestionRun> {
  const externalId = p.sim.accepted[0]?.providerMessageId ?? "357666-1";
  const receipt = gupshupQueryReceipt({
    externalId,
    status: "SUCCESS",
    cause: "SUCCESS",
    errCode: "000",
    deliveredTS: Date.now(),
  });
  const hook = new URL(receiptUrl(p.webhookUrl, receipt));
  const url = `${p.runtime.url}${hook.pathname}${hook.search}`;
  const bareServer = createServer((req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end("OK");
    });
  });
  await new Promise<void>((r) => bareServer.listen(0, "127.0.0.1", r));
  try {
    const port = (bareServer.address() as AddressInfo).port;
    await autocannon(url, 2); // warm-up: function loaded, JIT warm
    const webhook = await autocannon(url, seconds);
    if (webhook.non2xx > 0 || webhook.errors > 0) {
      throw new Error(`webhook answered ${webhook.non2xx} non-2xx and ${webhook.errors} errors under load`);
    }
    setQueue(new CaptureQueue());
    const webhookMemoryQueue = await autocannon(url, seconds);
    setQueue(durable);
    await autocannon(`http://127.0.0.1:${port}${hook.pathname}${hook.search}`, 2);
    const bare = await autocannon(`http://127.0.0.1:${port}${hook.pathname}${hook.search}`, seconds);
    return {
      webhook,
      webhookMemoryQueue,
      bare,
      ratio: round(webhook.requestsPerSecond / bare.requestsPerSecond, 3),
    };
  } finally {
    setQueue(durable);
    await new Promise<void>((r) => bareServer.close(() => r()));
  }
}
