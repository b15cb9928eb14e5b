import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { setQueue } from "../lambdas/queue/index.js";
import type { QueuePort } from "../lambdas/queue/port.js";
import { keys } from "../lambdas/store/keys.js";
import { putLinks } from "../lambdas/store/links.js";
import { tableName } from "../lambdas/store/table.js";
import { CaptureQueue } from "./capture-queue.js";
import { APP_ID, CAMPAIGN_ID, type Product } from "./product.js";
import { quantile, round } from "./stats.js";

export interface LatencyStats {
  n: number;
  p50: number;
  p99: number;
}

export interface RedirectRun {
  /** First tap on each link: the function reads the link (one GetItem) and enqueues the click. */
  redirect: LatencyStats;
  /** Repeated taps: the link comes from the function's in-memory cache, only the enqueue remains. */
  redirectCached: LatencyStats;
  /** First taps with the click enqueue going to memory instead of the durable local queue. */
  redirectMemoryQueue: LatencyStats;
  /** The same keys read with a bare GetItem through the SDK, against the same engine. */
  getItem: LatencyStats;
  /** One click message appended to the durable local queue (journal write + fsync), alone. */
  enqueue: LatencyStats;
  /**
   * The link's GetItem and the durable enqueue started together, awaited together: the critical path of
   * a redirect that enqueues the tap (code, click id, time) in parallel with the link read instead of
   * after it (a proposal, docs/scale.md; not what the product does).
   */
  getItemWithEnqueue: LatencyStats;
  ratioP50: number;
  ratioP99: number;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const MOBILE_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36";

function code(): string {
  let s = "";
  for (const b of randomBytes(14)) s += BASE62[b % 62];
  return s;
}

function stats(ms: number[]): LatencyStats {
  return { n: ms.length, p50: round(quantile(ms, 0.5), 3), p99: round(quantile(ms, 0.99), 3) };
}

/** One GET over a kept-alive connection; resolves with the status once the body is read. */
function get(agent: Agent, url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { "user-agent": MOBILE_UA } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * Sequential requests (one at a time, no queueing in the client), interleaved request by request so
 * that background work on the machine hits every variant alike: `GET /l/{code}` through the local
 * server (its click enqueue to the durable local queue, as `npm start` runs), a bare GetItem of the
 * same key against the same engine, the same redirect with the enqueue going to memory, the durable
 * enqueue alone, the GetItem and the enqueue together, and a repeat tap served from the link cache.
 */
export async function measureRedirect(p: Product, durable: QueuePort, n = 1500): Promise<RedirectRun> {
  const warm = 100;
  const codes = Array.from({ length: 2 * (warm + n) }, code);
  const expiresAt = Date.now() + 360 * 3_600_000;
  await putLinks(
    codes.map((c) => ({
      code: c,
      url: "https://shop.example/sale?utm=sms",
      appId: APP_ID,
      campaignId: CAMPAIGN_ID,
      instanceId: "lat",
      userId: `lat-${c}`,
      messageId: `m-${c}`,
      country: "IN",
      provider: "gupshup",
      expiresAt,
    })),
  );
  const memory = new CaptureQueue();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const client = new DynamoDBClient({
    endpoint: p.runtime.dynamoEndpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const base = new URL(p.runtime.url);
  const time = async (work: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await work();
    return performance.now() - t0;
  };
  const redirectOnce = (c: string): Promise<number> =>
    time(async () => {
      const status = await get(agent, new URL(`/l/${c}`, base));
      if (status !== 302) throw new Error(`redirect answered ${status}`);
    });
  const getOnce = (c: string): Promise<number> =>
    time(async () => {
      const k = keys.link(c);
      const r = await client.send(
        new GetItemCommand({ TableName: tableName(), Key: { pk: { S: k.pk }, sk: { S: k.sk } } }),
      );
      if (!r.Item) throw new Error("link not found by GetItem");
    });
  const click = JSON.stringify({
    id: "x".repeat(16),
    at: Date.now(),
    appId: APP_ID,
    url: "https://shop.example/sale",
  });
  const samples = {
    redirect: [] as number[],
    memory: [] as number[],
    cached: [] as number[],
    bare: [] as number[],
    enqueue: [] as number[],
    parallel: [] as number[],
  };
  try {
    for (let i = 0; i < warm + n; i++) {
      const [d, m] = [codes[2 * i] as string, codes[2 * i + 1] as string];
      setQueue(durable);
      const r = await redirectOnce(d);
      const g = await getOnce(d);
      const e = await time(() => durable.send("clicks", [click]));
      const both = await time(() => Promise.all([getOnce(d), durable.send("clicks", [click])]));
      const c = i % 4 === 0 ? await redirectOnce(d) : undefined;
      setQueue(memory);
      const mm = await redirectOnce(m);
      memory.take("clicks");
      if (i < warm) continue;
      samples.redirect.push(r);
      samples.bare.push(g);
      samples.enqueue.push(e);
      samples.parallel.push(both);
      samples.memory.push(mm);
      if (c !== undefined) samples.cached.push(c);
    }
    const redirect = stats(samples.redirect);
    const getItem = stats(samples.bare);
    return {
      redirect,
      redirectCached: stats(samples.cached),
      redirectMemoryQueue: stats(samples.memory),
      getItem,
      enqueue: stats(samples.enqueue),
      getItemWithEnqueue: stats(samples.parallel),
      ratioP50: round(redirect.p50 / getItem.p50),
      ratioP99: round(redirect.p99 / getItem.p99),
    };
  } finally {
    setQueue(durable);
    agent.destroy();
    client.destroy();
  }
}
