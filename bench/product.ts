import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalRuntime, startLocal } from "../lambdas/local/server.js";
import { setClock } from "../lambdas/platform/clock.js";
import { setQueue } from "../lambdas/queue/index.js";
import { type GupshupSimulator, startGupshupSimulator } from "../test/simulators/index.js";
import { CaptureQueue } from "./capture-queue.js";
import { installMeter, type Meter } from "./meter.js";

const ADMIN_KEY = "bench-admin-key-0123456789abcdef";
export const APP_ID = "bench";
export const CAMPAIGN_ID = "cmp";

/** The product as `npm start` runs it, in this process, with a Gupshup simulator behind its connector. */
export interface Product {
  runtime: LocalRuntime;
  sim: GupshupSimulator;
  meter: Meter;
  capture: CaptureQueue;
  apiKey: string;
  webhookUrl: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; ms: number }>;
  stop(): Promise<void>;
}

export async function startBenchProduct(): Promise<Product> {
  const dataDir = mkdtempSync(join(tmpdir(), "sms-bench-"));
  const sim = await startGupshupSimulator({ userId: "acct", password: "pw" });
  const runtime = await startLocal({
    port: 0,
    dataDir,
    adminApiKey: ADMIN_KEY,
    queueVisibilityTimeoutSeconds: 0,
    log: () => {},
  });
  const meter = installMeter(runtime.dynamoEndpoint);
  const capture = new CaptureQueue();
  setQueue(capture);
  let key = ADMIN_KEY;
  const call: Product["call"] = async (method, path, body) => {
    const t0 = performance.now();
    const res = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed, ms };
  };
  const expect = (r: { status: number; body: unknown }, status: number, what: string): void => {
    if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  };

  const app = await call("PUT", `/v1/apps/${APP_ID}`, {
    name: "Bench",
    timezone: "Asia/Kolkata",
    currency: "INR",
  });
  expect(app, 201, "create app");
  key = (app.body as { apiKey: string }).apiKey;
  const connector = await call("PUT", `/v1/apps/${APP_ID}/connectors/gs`, {
    provider: "gupshup",
    gupshup: { userId: "acct", password: "pw", mask: "BENCH", baseUrl: sim.url },
    sendRatePerSecond: 1000,
    timeoutMs: 5000,
  });
  expect(connector, 201, "create connector");
  const campaign = await call("PUT", `/v1/apps/${APP_ID}/campaigns/${CAMPAIGN_ID}`, {
    name: "Bench",
    connectorId: "gs",
    clickTracking: true,
    goals: [{ goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" }],
  });
  expect(campaign, 201, "create campaign");

  return {
    runtime,
    sim,
    meter,
    capture,
    apiKey: key,
    webhookUrl: (connector.body as { webhookUrl: string }).webhookUrl,
    call,
    async stop() {
      setClock(undefined);
      await sim.stop();
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
