import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runOps } from "../../lambdas/local/ops.js";
import { LocalQueues } from "../../lambdas/local/queue.js";
import { DataDirInUseError, runtimeFile } from "../../lambdas/local/runtime-lock.js";
import { type LocalRuntime, startLocal } from "../../lambdas/local/server.js";
import { functions } from "../../lambdas/topology/functions.js";
import { queues as queueSpecs } from "../../lambdas/topology/queues.js";

/**
 * `npm run ops -- …` against a stopped product (the dead letters straight from DATA_DIR's journals, holding
 * DATA_DIR meanwhile) and a running one (through its local-only endpoints and the admin API).
 */

const ADMIN = "ops-admin-key-5c2f9a1e7b3d4c60";
const PHONE = "+919812377001";
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "sms-ops-"));
  dirs.push(d);
  return d;
};

async function ops(
  dataDir: string,
  argv: string[],
  adminKey = ADMIN,
): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runOps(argv, { dataDir, adminKey, out: (l) => lines.push(l) });
  return { code, out: lines.join("\n") };
}

let runtime: LocalRuntime | undefined;
afterAll(async () => {
  globalThis.sendWorkerOutage = undefined;
  await runtime?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("npm run ops with the product stopped", () => {
  const dataDir = tempDir();

  it("lists dead letters from the journals: ids and sizes, the body only with --body", async () => {
    // A consumer that always fails and one receive allowed: both messages are dead-lettered at once.
    const failing = await LocalQueues.open({
      dataDir,
      specs: { ...queueSpecs, clicks: { ...queueSpecs.clicks, maxReceiveCount: 1 } },
      consume: () => Promise.reject(new Error("down")),
      visibilityTimeoutSeconds: 0,
      log: () => {},
    });
    await failing.send("clicks", [
      JSON.stringify({ appId: "acme", clickId: "k1", phone: PHONE }),
      "not json",
    ]);
    await failing.drain();
    await failing.stop();

    const list = await ops(dataDir, ["dlq", "list"]);
    expect(list.code).toBe(0);
    expect(list.out).toContain("clicks: 2 dead letter(s)");
    expect(list.out).toContain("appId=acme");
    expect(list.out).toContain("sends: no dead letters");
    expect(list.out).not.toContain(PHONE.slice(1));

    const withBody = await ops(dataDir, ["dlq", "list", "clicks", "--body"]);
    expect(withBody.out).toContain(PHONE);
    expect(withBody.out).not.toContain("sends:");

    const json = JSON.parse((await ops(dataDir, ["dlq", "list", "--json"])).out);
    expect(json.mode).toBe("stopped");
    expect(json.queues.clicks).toHaveLength(2);
    expect(json.queues.clicks[0]).toMatchObject({ receiveCount: 1 });
  });

  it("refuses while another live process holds DATA_DIR, and so does npm start", async () => {
    const holder = { pid: process.ppid, owner: "ops", startedAt: new Date().toISOString(), claim: "x" };
    writeFileSync(runtimeFile(dataDir), JSON.stringify(holder));
    const r = await ops(dataDir, ["dlq", "redrive", "clicks"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`another npm run ops (process ${process.ppid})`);
    await expect(startLocal({ port: 0, dataDir, adminApiKey: ADMIN, log: () => {} })).rejects.toBeInstanceOf(
      DataDirInUseError,
    );
    // A holder that is gone (a killed process) is stale: it is taken over.
    writeFileSync(runtimeFile(dataDir), JSON.stringify({ ...holder, pid: 2 ** 22 + 1 }));
    expect((await ops(dataDir, ["dlq", "list", "sends"])).code).toBe(0);
  });

  it("redrives a queue's dead letters into its journal; the next start processes them", async () => {
    const r = await ops(dataDir, ["dlq", "redrive", "clicks"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("clicks: 2 message(s) moved back to the queue (processed at the next npm start)");
    expect(() => readFileSync(runtimeFile(dataDir))).toThrow(); // released

    const seen: string[] = [];
    const next = await LocalQueues.open({
      dataDir,
      consume: async (_q, event) => {
        for (const rec of event.Records) seen.push(rec.body);
      },
      log: () => {},
    });
    await next.drain();
    await next.stop();
    expect(seen.sort()).toEqual(["not json", JSON.stringify({ appId: "acme", clickId: "k1", phone: PHONE })]);
    expect((await ops(dataDir, ["dlq", "list", "clicks"])).out).toBe("clicks: no dead letters");
  });

  it("says parked receipts need the running product, and explains usage mistakes", async () => {
    const parked = await ops(dataDir, ["parked", "list", "acme"]);
    expect(parked.code).toBe(2);
    expect(parked.out).toContain("the product is not running");
    const bad = await ops(dataDir, ["dlq", "redrive", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain(
      'unknown queue "nope"; queues: sends, receipts, clicks, events, sandboxReceipts',
    );
    expect((await ops(dataDir, [])).code).toBe(2);
    expect((await ops(dataDir, ["help"])).out).toContain("dlq redrive <queue|all>");
    expect((await ops(tempDir(), ["dlq", "list"])).out).toContain("holds no queues");
  });
});

describe("npm run ops with the product running", () => {
  const dataDir = tempDir();
  const lines: string[] = [];
  let key: string;
  let webhookUrl: string;

  const api = async (method: string, path: string, body?: unknown, bearer = key) => {
    const res = await fetch(`${runtime?.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("finds the running product through DATA_DIR and lists its dead letters through it", async () => {
    runtime = await startLocal({
      port: 0,
      dataDir,
      adminApiKey: ADMIN,
      queueVisibilityTimeoutSeconds: 0,
      log: (l) => lines.push(l),
      functions: { sendWorker: { ...functions.sendWorker, entry: "test/support/outage-send-worker.ts" } },
    });
    expect(JSON.parse(readFileSync(runtimeFile(dataDir), "utf8"))).toMatchObject({
      pid: process.pid,
      owner: "product",
      url: runtime.url,
    });
    key = (await api("PUT", "/v1/apps/acme", { name: "Acme", timezone: "UTC", currency: "USD" }, ADMIN)).body
      .apiKey;
    expect((await api("PUT", "/v1/apps/acme/connectors/sb", { provider: "sandbox" })).status).toBe(201);
    const campaign = { name: "Later", connectorId: "sb", goals: [{ goalId: "buy", eventName: "Purchase" }] };
    expect((await api("PUT", "/v1/apps/acme/campaigns/later", campaign)).status).toBe(201);
    // The send worker is down: the accepted job is retried, then dead-lettered.
    globalThis.sendWorkerOutage = true;
    const recipients = [
      { userId: "u1", phone: PHONE },
      { userId: "u2", phone: "+919812377002" },
    ];
    const sends = await api("POST", "/v1/apps/acme/campaigns/later/instances/i1/sends", {
      message: "Hello",
      recipients,
    });
    expect(sends.status).toBe(202);
    await runtime.drain();

    const list = await ops(dataDir, ["dlq", "list", "sends"]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      /^sends: 1 dead letter\(s\)\n {2}\S+ {2}sent \S+ {2}received 3x {2}\d+ B {2}appId=acme campaignId=later instanceId=i1 connectorId=sb$/,
    );
    expect(JSON.parse((await ops(dataDir, ["dlq", "list", "--json"])).out).mode).toBe("running");
    expect(lines).toContainEqual(expect.stringMatching(/^HTTP GET \/local\/dead-letters 200 \d+ms$/));
  });

  it("answers the local endpoints only with the admin key, in the API's error format", async () => {
    const wrong = await ops(dataDir, ["dlq", "list"], "not-the-key");
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain("401");
    expect((await api("GET", "/local/dead-letters", undefined, key)).body).toEqual({
      error: { code: "UNAUTHORIZED", message: "The admin API key is required" },
    });
    expect((await api("POST", "/local/dead-letters/nope/redrive", undefined, ADMIN)).status).toBe(404);
    expect((await api("GET", "/local/dead-letters/sends/redrive", undefined, ADMIN)).status).toBe(405);
  });

  it("redrives once the cause is fixed: the send goes out", async () => {
    globalThis.sendWorkerOutage = false;
    const r = await ops(dataDir, ["dlq", "redrive", "sends"]);
    expect(r).toEqual({ code: 0, out: "sends: 1 message(s) moved back to the queue" });
    await runtime?.drain();
    expect((await ops(dataDir, ["dlq", "list", "sends"])).out).toBe("sends: no dead letters");
    const a = await api("GET", "/v1/apps/acme/campaigns/later/analytics");
    expect(a.body.delivery.sent).toBe(2);
  });

  it("lists parked receipts with their reason and replays them through the receipts queue", async () => {
    const connector = {
      provider: "custom",
      deliveryTracking: true,
      custom: {
        request: { method: "POST", url: "http://127.0.0.1:9/send", body: '{"to":"{{phone}}"}' },
        receipt: { messageId: "reference", status: "state", delivered: ["DELIVERED"], failed: ["FAILED"] },
      },
    };
    const put = await api("PUT", "/v1/apps/acme/connectors/ct", connector);
    expect(put.status).toBe(201);
    webhookUrl = put.body.webhookUrl;
    const posted = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ref: "m-1", state: "DELIVERED", to: PHONE }),
    });
    expect(posted.status).toBe(200);
    await runtime?.drain();

    const list = await ops(dataDir, ["parked", "list", "acme"]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      /^acme: 1 parked receipt\(s\)\n {2}\S+ {2}parked \S+ {2}connector=ct provider=custom {2}reason: unparseable/,
    );
    expect(list.out).not.toContain(PHONE.slice(1));
    expect((await ops(dataDir, ["parked", "list", "acme", "--body"])).out).toContain(PHONE);

    const replay = await ops(dataDir, ["parked", "replay", "acme", "--limit", "10"]);
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/^acme: 1 parked receipt\(s\) back on the receipts queue\n {2}\S+$/);
    await runtime?.drain();
    // The mapping still names the wrong field: parsed again, parked again (the replay went through the queue).
    const parkedLines = lines.filter((l) =>
      /batch queue=receipts records=1 applied=0 retried=0 parked=1/.test(l),
    );
    expect(parkedLines).toHaveLength(2);
    expect((await ops(dataDir, ["parked", "list", "acme"])).out).toContain("1 parked receipt(s)");
  });

  it("gives DATA_DIR up when the product stops", async () => {
    await runtime?.stop();
    runtime = undefined;
    expect(() => readFileSync(runtimeFile(dataDir))).toThrow();
    expect((await ops(dataDir, ["dlq", "list", "sends"])).out).toBe("sends: no dead letters");
  });
});
