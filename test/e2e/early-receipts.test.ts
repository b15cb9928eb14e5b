import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRuntime, startLocal } from "../../lambdas/local/server.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { listParked } from "../../lambdas/store/parked.js";
import {
  deliverReceipt,
  type KaleyraSimulator,
  kaleyraReceipt,
  type SinchSimulator,
  sinchRecipientReport,
  startKaleyraSimulator,
  startSinchSimulator,
} from "../simulators/index.js";
import { ADMIN_KEY, type Api } from "./harness.js";

/**
 * A receipt that arrives while its send is still in flight (the provider has not answered yet, so
 * nothing is recorded) is retried and matched once the send lands. Queues redeliver after 1 s here
 * (the shared harness uses 0 s, which would spend all of a receipt's retries within milliseconds).
 */
const T0 = Date.parse("2026-11-23T05:00:00Z");
const MIN = 60_000;

let runtime: LocalRuntime;
let dataDir: string;
let sinch: SinchSimulator;
let kaleyra: KaleyraSimulator;
let key: string;
const webhook: Record<string, string> = {};
const now = T0 + 5 * MIN;

async function call(method: string, path: string, body?: unknown, auth = key): ReturnType<Api["call"]> {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${auth}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

async function delivery(campaignId: string): Promise<Record<string, number | null>> {
  const r = await call("GET", `/v1/apps/acme/campaigns/${campaignId}/analytics`);
  expect(r.status).toBe(200);
  const d = r.body.delivery;
  expect(d.sent).toBe(d.delivered + d.failedToDeliver + d.inTransit);
  return d;
}

beforeAll(async () => {
  setClock(() => now);
  dataDir = mkdtempSync(join(tmpdir(), "sms-e2e-early-"));
  runtime = await startLocal({
    port: 0,
    dataDir,
    adminApiKey: ADMIN_KEY,
    queueVisibilityTimeoutSeconds: 1,
    log: () => {},
  });
  setClock(() => now);
  sinch = await startSinchSimulator();
  kaleyra = await startKaleyraSimulator();
  // The providers hold the request long enough for the receipt to arrive first (well within the timeout).
  sinch.scriptDefault({ kind: "delay", ms: 1_500 });
  kaleyra.scriptDefault({ kind: "delay", ms: 1_500 });
  const app = await call(
    "PUT",
    "/v1/apps/acme",
    { name: "Acme", timezone: "UTC", currency: "USD" },
    ADMIN_KEY,
  );
  expect(app.status).toBe(201);
  key = app.body.apiKey;
  const connectors = {
    sn: { provider: "sinch", sinch: { servicePlanId: "p", apiToken: "t", from: "ACME", baseUrl: sinch.url } },
    kl: { provider: "kaleyra", kaleyra: { apiKey: "k", sender: "ACMEIN", baseUrl: kaleyra.url } },
  };
  for (const [id, body] of Object.entries(connectors)) {
    const c = await call("PUT", `/v1/apps/acme/connectors/${id}`, { ...body, timeoutMs: 10_000 });
    expect(c.status).toBe(201);
    webhook[id] = c.body.webhookUrl;
    const campaign = await call("PUT", `/v1/apps/acme/campaigns/${id}`, {
      name: id,
      connectorId: id,
      goals: [{ goalId: "buy", eventName: "Purchase" }],
    });
    expect(campaign.status).toBe(201);
  }
});

afterAll(async () => {
  setClock(undefined);
  await sinch?.stop();
  await kaleyra?.stop();
  await runtime?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("a receipt that arrives before its send is recorded", () => {
  it("Sinch: matched by our client reference once the batch is recorded", async () => {
    const r = await call("POST", "/v1/apps/acme/campaigns/sn/instances/i1/sends", {
      message: "Hi",
      recipients: [{ userId: "u1", phone: "+919812390001" }],
    });
    expect(r.body).toEqual({ instanceId: "i1", accepted: 1, duplicates: 0, heldBack: 0 });
    // The provider has the request and has not answered: our side cannot have recorded anything.
    await expect.poll(() => sinch.requests.length, { timeout: 5_000 }).toBe(1);
    const sent = sinch.requests[0]?.body as { client_reference: string };
    const receipt = sinchRecipientReport({
      batchId: "01JNOTYETKNOWN",
      recipient: "+919812390001",
      status: "Delivered",
      clientReference: sent.client_reference,
      operatorStatusAt: new Date(T0 + 6 * MIN).toISOString(),
    });
    expect((await deliverReceipt(webhook.sn as string, receipt)).status).toBe(200);
    expect(sinch.accepted).toHaveLength(0);

    await runtime.drain();
    expect(sinch.accepted).toHaveLength(1);
    expect(await delivery("sn")).toMatchObject({ sent: 1, failedToSend: 0, delivered: 1, inTransit: 0 });
  });

  it("Kaleyra: matched by our `custom` reference once the send is recorded", async () => {
    const r = await call("POST", "/v1/apps/acme/campaigns/kl/instances/i1/sends", {
      message: "Hi",
      recipients: [{ userId: "u1", phone: "+919812390002" }],
    });
    expect(r.body).toEqual({ instanceId: "i1", accepted: 1, duplicates: 0, heldBack: 0 });
    await expect.poll(() => kaleyra.requests.length, { timeout: 5_000 }).toBe(1);
    const sent = kaleyra.requests[0]?.body as { custom: string; dlrurl: string };
    // Kaleyra's own id is not known yet: `{sid}` stays a literal placeholder.
    const receipt = kaleyraReceipt(
      { custom: sent.custom, status: "DELIVRD", delivat: Math.floor((T0 + 6 * MIN) / 1000) },
      sent.dlrurl,
    );
    expect((await deliverReceipt(webhook.kl as string, receipt)).status).toBe(200);
    expect(kaleyra.accepted).toHaveLength(0);

    await runtime.drain();
    expect(kaleyra.accepted).toHaveLength(1);
    expect(await delivery("kl")).toMatchObject({ sent: 1, failedToSend: 0, delivered: 1, inTransit: 0 });
    expect((await listParked("acme")).items).toEqual([]);
  });
});
