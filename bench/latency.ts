import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { keys } from "../lambdas/store/keys.js";
import { putLinks } from "../lambdas/store/links.js";
import { tableName } from "../lambdas/store/schema.js";
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
  /** The same keys read with a bare GetItem through the SDK, against the same engine. */
  getItem: LatencyStats;
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
 * Sequential requests (one at a time, no queueing in the client): `GET /l/{code}` through the local
 * server against a bare GetItem of the link's key, in interleaved rounds so drift hits both alike.
 */
export async function measureRedirect(p: Product, perRound = 500, rounds = 4): Promise<RedirectRun> {
  const warm = 100;
  const codes = Array.from({ length: warm + perRound * rounds }, code);
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
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const client = new DynamoDBClient({
    endpoint: p.runtime.dynamoEndpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const base = new URL(p.runtime.url);
  const redirectOnce = async (c: string): Promise<number> => {
    const t0 = performance.now();
    const status = await get(agent, new URL(`/l/${c}`, base));
    const ms = performance.now() - t0;
    if (status !== 302) throw new Error(`redirect answered ${status}`);
    return ms;
  };
  const getOnce = async (c: string): Promise<number> => {
    const k = keys.link(c);
    const t0 = performance.now();
    const r = await client.send(
      new GetItemCommand({ TableName: tableName(), Key: { pk: { S: k.pk }, sk: { S: k.sk } } }),
    );
    const ms = performance.now() - t0;
    if (!r.Item) throw new Error("link not found by GetItem");
    return ms;
  };
  try {
    for (const c of codes.slice(0, warm)) {
      await redirectOnce(c);
      await getOnce(c);
    }
    const redirect: number[] = [];
    const cached: number[] = [];
    const bare: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const slice = codes.slice(warm + r * perRound, warm + (r + 1) * perRound);
      for (const c of slice) redirect.push(await redirectOnce(c));
      for (const c of slice) bare.push(await getOnce(c));
      for (const c of slice.slice(0, perRound / 4)) cached.push(await redirectOnce(c));
    }
    const result = { redirect: stats(redirect), redirectCached: stats(cached), getItem: stats(bare) };
    return {
      ...result,
      ratioP50: round(result.redirect.p50 / result.getItem.p50),
      ratioP99: round(result.redirect.p99 / result.getItem.p99),
    };
  } finally {
    agent.destroy();
    client.destroy();
  }
}
