import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import { listParked } from "../../lambdas/store/parked.js";
import { functions } from "../../lambdas/topology/functions.js";
import {
  deliverReceipt,
  type GupshupSimulator,
  gupshupQueryReceipt,
  type SinchSimulator,
  sinchRecipientReport,
  startGupshupSimulator,
  startSinchSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * A campaign moved to another connector (same attribution basis) while its sends wait in the queue
 * (docs/decisions.md, "Settings and history"): a message is sent through the connector it was claimed
 * with — its provider reference is indexed under that connector, whose receipts then find it — and
 * the move applies to the sends claimed after it. Sinch first, then Gupshup: both track delivery.
 */
const S = Date.parse("2026-11-20T04:00:00Z");
const MIN = 60_000;

let api: Api;
let sinch: SinchSimulator;
let gupshup: GupshupSimulator;
let key: string;
const webhook: Record<string, string> = {};
let now = S;

const phones = { u1: "+919812360001", u2: "+919812360002", u3: "+919812360003" };

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct({
    functions: { sendWorker: { ...functions.sendWorker, entry: "test/support/held-send-worker.ts" } },
  });
  setClock(() => now);
  sinch = await startSinchSimulator();
  gupshup = await startGupshupSimulator({ userId: "acct", password: "pw" });
  key = await api.createApp("acme", "UTC", "USD");
  webhook.sn = await api.putConnector(
    "/v1/apps/acme/connectors/sn",
    { provider: "sinch", sinch: { servicePlanId: "p", apiToken: "t", from: "ACME", baseUrl: sinch.url } },
    key,
  );
  webhook.gs = await api.putConnector(
    "/v1/apps/acme/connectors/gs",
    { provider: "gupshup", gupshup: { userId: "acct", password: "pw", mask: "ACME", baseUrl: gupshup.url } },
    key,
  );
  await api.putCampaign(
    "/v1/apps/acme/campaigns/c",
    { name: "Switch", connectorId: "sn", goals: [{ goalId: "buy", eventName: "Purchase" }] },
    key,
  );
});

afterAll(async () => {
  globalThis.sendWorkerHeld = undefined;
  await sinch?.stop();
  await gupshup?.stop();
  await api?.stop();
});

/** A delivered receipt for every message each provider accepted, posted to that connector's webhook. */
async function deliverAll(at: number): Promise<void> {
  for (const a of sinch.accepted.splice(0)) {
    const receipt = sinchRecipientReport({
      batchId: a.batchId,
      recipient: a.phone,
      status: "Delivered",
      ...(a.clientReference === undefined ? {} : { clientReference: a.clientReference }),
      operatorStatusAt: new Date(at).toISOString(),
    });
    expect((await deliverReceipt(webhook.sn as string, receipt)).status).toBe(200);
  }
  for (const a of gupshup.accepted.splice(0)) {
    const receipt = gupshupQueryReceipt({
      externalId: a.providerMessageId,
      status: "Success",
      cause: "SUCCESS",
      errCode: "000",
      deliveredTS: at,
    });
    expect((await deliverReceipt(webhook.gs as string, receipt)).status).toBe(200);
  }
}

describe("a campaign's connector switched while its sends are queued", () => {
  it("sends the queued messages through the connector they were claimed with, and counts their receipts", async () => {
    // The send worker is behind: the accepted sends wait in the queue.
    let release = (): void => {};
    globalThis.sendWorkerHeld = new Promise<void>((r) => {
      release = r;
    });
    const r = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/c/instances/i1/sends",
      {
        message: "Sale today",
        recipients: [
          { userId: "u1", phone: phones.u1 },
          { userId: "u2", phone: phones.u2 },
        ],
      },
      key,
    );
    expect(r.body).toEqual({ instanceId: "i1", accepted: 2, duplicates: 0, heldBack: 0 });

    // The operator moves the campaign to Gupshup; the workers see it once their 30 s cache ends.
    const moved = await api.call(
      "PUT",
      "/v1/apps/acme/campaigns/c",
      { name: "Switch", connectorId: "gs", goals: [{ goalId: "buy", eventName: "Purchase" }] },
      key,
    );
    expect(moved.status).toBe(200);
    now = S + MIN;
    release();
    await api.drain();

    // Sends claimed after the move go through Gupshup.
    const later = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/c/instances/i2/sends",
      { message: "Sale today", recipients: [{ userId: "u3", phone: phones.u3 }] },
      key,
    );
    expect(later.body).toEqual({ instanceId: "i2", accepted: 1, duplicates: 0, heldBack: 0 });
    await api.drain();

    await deliverAll(S + 2 * MIN);
    // Polled, not drained: a receipt that matches nothing is retried for half an hour, then parked.
    await expect
      .poll(async () => (await api.analytics("acme", "c", key)).delivery, { timeout: 10_000 })
      .toMatchObject({ sent: 3, delivered: 3, inTransit: 0, failedToDeliver: 0 });
    const a = await api.analytics("acme", "c", key);
    expect(a.breakdowns.byProvider).toEqual(
      expect.arrayContaining([
        { provider: "sinch", sent: 2, delivered: 2, failedToDeliver: 0, clicks: 0 },
        { provider: "gupshup", sent: 1, delivered: 1, failedToDeliver: 0, clicks: 0 },
      ]),
    );
    expect(a.breakdowns.byProvider).toHaveLength(2);
    await api.drain();
    expect((await listParked("acme")).items).toEqual([]);

    // Each provider was asked for exactly its own messages.
    const sinchTo = sinch.requests.map((q) => (q.body as { to: string[] }).to[0]).sort();
    expect(sinchTo).toEqual([phones.u1, phones.u2]);
    const gupshupTo = gupshup.requests.map((q) => (q.body as Record<string, string>).send_to);
    expect(gupshupTo).toEqual([phones.u3.slice(1)]);
  });
});
