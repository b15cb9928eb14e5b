import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "node:http";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { LocalQueues } from "../lambdas/local/queue.js";
import { setQueue } from "../lambdas/queue/index.js";
import { putLinks } from "../lambdas/store/links.js";
import { plainClients } from "./meter.js";
import { startBenchProduct } from "./product.js";
import { quantile } from "./stats.js";
const p = await startBenchProduct();
plainClients(p.runtime.dynamoEndpoint);
setQueue(await LocalQueues.open({ dataDir: mkdtempSync(join(tmpdir(), "q-")), log: () => {} }));
const B = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const code = () => { let s = ""; for (const b of randomBytes(14)) s += B[b % 62]; return s; };
const codes = Array.from({ length: 2400 }, code);
await putLinks(codes.map((c) => ({ code: c, url: "https://shop.example/x", appId: "bench", campaignId: "cmp", instanceId: "lat", userId: `u${c}`, messageId: `m${c}`, country: "IN", provider: "gupshup", expiresAt: Date.now() + 1e9 })));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const client = new DynamoDBClient({ endpoint: p.runtime.dynamoEndpoint, region: "local", credentials: { accessKeyId: "l", secretAccessKey: "l" } });
const get = (c: string) => new Promise<number>((res, rej) => { const t = performance.now(); const r = request(new URL(`/l/${c}`, p.runtime.url), { agent, headers: { "user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari" } }, (s) => { s.resume(); s.on("end", () => res(performance.now() - t)); }); r.on("error", rej); r.end(); });
const gi = async (c: string) => { const t = performance.now(); await client.send(new GetItemCommand({ TableName: "sms-analytics", Key: { pk: { S: `LINK#${c}` }, sk: { S: "LINK" } } })); return performance.now() - t; };
for (const c of codes.slice(0, 200)) { await get(c); await gi(c); }
const A = codes.slice(200, 800), Bc = codes.slice(800, 1400), C = codes.slice(1400, 2000);
const r1: number[] = [], g1: number[] = [], g2: number[] = [], r2: number[] = [], r3: number[] = [];
for (const c of A) g1.push(await gi(c));        // GetItem fresh
for (const c of A) r1.push(await get(c));       // redirect after GetItem read it
for (const c of Bc) r2.push(await get(c));      // redirect fresh
for (const c of Bc) g2.push(await gi(c));       // GetItem after redirect
const fmt = (x: number[]) => `p50 ${quantile(x, 0.5).toFixed(2)} p99 ${quantile(x, 0.99).toFixed(2)}`;
console.log("GetItem fresh", fmt(g1)); console.log("redirect after GetItem", fmt(r1));
console.log("redirect fresh", fmt(r2)); console.log("GetItem after redirect", fmt(g2));
// redirect with in-memory queue
const { CaptureQueue } = await import("./capture-queue.js");
setQueue(new CaptureQueue());
for (const c of C) r3.push(await get(c));
console.log("redirect fresh, in-memory queue", fmt(r3));
agent.destroy(); await p.stop(); process.exit(0);
