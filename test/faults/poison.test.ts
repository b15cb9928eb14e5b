import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import type { SendJob } from "../../lambdas/queue/contracts.js";
import { clearCampaignContextCache } from "../../lambdas/store/campaign-context.js";
import { dynamo } from "../../lambdas/store/client.js";
import { keys } from "../../lambdas/store/keys.js";
import { claimMessage } from "../../lambdas/store/messages.js";
import { tableName } from "../../lambdas/store/table.js";
import { queues as queueSpecs } from "../../lambdas/topology/queues.js";
import { type Api, startProduct } from "../e2e/harness.js";
import { type GupshupSimulator, startGupshupSimulator } from "../simulators/index.js";

/**
 * Poison messages: each is received maxReceiveCount times, then waits in the dead-letter queue, where
 * operators list it and redrive it. A body that is not JSON fails again after a redrive (and returns to
 * the DLQ); a send job whose campaign was deleted succeeds once the campaign is back, sending once.
 */
let api: Api;
let sim: GupshupSimulator;
let key: string;

const campaignBody = {
  name: "Gone",
  connectorId: "gs",
  goals: [{ goalId: "purchase", eventName: "Purchase", primary: true }],
};

beforeAll(async () => {
  api = await startProduct();
  sim = await startGupshupSimulator({ userId: "acct", password: "pw" });
  key = await api.createApp("acme");
  const connector = await api.call(
    "PUT",
    "/v1/apps/acme/connectors/gs",
    { provider: "gupshup", gupshup: { userId: "acct", password: "pw", mask: "ACME", baseUrl: sim.url } },
    key,
  );
  expect(connector.status).toBe(201);
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("poison messages end in the dead-letter queue and can be redriven", () => {
  it("a receipt body that is not JSON: dead after 8 receives, and again after a redrive", async () => {
    const q = api.runtime.queues;
    await q.send("receipts", ["{not json"]);
    await api.drain();
    const dead = q.listDeadLetters("receipts");
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ body: "{not json", receiveCount: queueSpecs.receipts.maxReceiveCount });
    expect(q.stats().receipts).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 1 });

    expect(await q.redrive("receipts")).toBe(1);
    await api.drain();
    expect(q.listDeadLetters("receipts")).toEqual([
      expect.objectContaining({ messageId: dead[0]?.messageId, receiveCount: 8 }),
    ]);
  });

  it("a send job for a deleted campaign: dead after 3 receives, sent once after the campaign is back", async () => {
    expect((await api.call("PUT", "/v1/apps/acme/campaigns/gone", campaignBody, key)).status).toBe(201);
    // The user is claimed and the job queued, as the sends route does; then the campaign disappears.
    const now = Date.now();
    const claim = await claimMessage(
      {
        appId: "acme",
        messageId: messageIdFor("acme", "gone", "i1", "u1"),
        campaignId: "gone",
        instanceId: "i1",
        userId: "u1",
        connectorId: "gs",
        provider: "gupshup",
        tracked: true,
        windowHours: 36,
        tz: "UTC",
        status: "QUEUED",
        variantId: null,
      },
      now,
    );
    expect(claim.created).toBe(true);
    await dynamo().send(new DeleteCommand({ TableName: tableName(), Key: keys.campaign("acme", "gone") }));
    clearCampaignContextCache();
    const job: SendJob = {
      appId: "acme",
      campaignId: "gone",
      instanceId: "i1",
      message: "Back soon",
      recipients: [{ userId: "u1", phone: "+919812345671" }],
    };
    const q = api.runtime.queues;
    await q.send("sends", [JSON.stringify(job)]);
    await api.drain();
    expect(q.listDeadLetters("sends")).toEqual([
      expect.objectContaining({ body: JSON.stringify(job), receiveCount: queueSpecs.sends.maxReceiveCount }),
    ]);
    expect(sim.requests).toHaveLength(0);

    expect((await api.call("PUT", "/v1/apps/acme/campaigns/gone", campaignBody, key)).status).toBe(201);
    clearCampaignContextCache(); // the worker's 30-second cache still says "no such campaign"
    expect(await q.redrive("sends")).toBe(1);
    await api.drain();
    expect(q.listDeadLetters("sends")).toEqual([]);
    expect(sim.requests).toHaveLength(1);
    const a = await api.analytics("acme", "gone", key);
    expect(a.delivery).toMatchObject({ sent: 1, failedToSend: 0, inTransit: 1 });

    // Redriving again finds nothing; the user is never sent twice.
    expect(await q.redrive("sends")).toBe(0);
    await api.drain();
    expect(sim.requests).toHaveLength(1);
  });
});
