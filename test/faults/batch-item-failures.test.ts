import type { SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler as attributionWorker } from "../../lambdas/handlers/attribution-worker.js";
import { queues as queueSpecs } from "../../lambdas/topology/queues.js";
import { type Api, startProduct } from "../e2e/harness.js";
import {
  deliverReceipt,
  type GupshupSimulator,
  gupshupQueryReceipt,
  startGupshupSimulator,
} from "../simulators/index.js";
import { type FaultMeter, installFaultyDynamo } from "./faulty-dynamo.js";

/**
 * The attribution worker given a full batch (100 events) while the writes of every 20th event keep
 * failing on the first receive (past the SDK's retries and the store's own): it must report only the
 * events that failed, so each redelivery makes progress and every event is attributed exactly once
 * within the queue's maxReceiveCount. Failing the whole batch for one write (the batch does 100+
 * writes) would fail every receive and send healthy events to the DLQ.
 */
const EVENTS = 100;
let api: Api;
let sim: GupshupSimulator;
let key: string;
let deliveredAt: number;

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
  const campaign = await api.call(
    "PUT",
    "/v1/apps/acme/campaigns/bf",
    {
      name: "BF",
      connectorId: "gs",
      goals: [{ goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" }],
    },
    key,
  );
  expect(campaign.status).toBe(201);
  const sent = await api.call(
    "POST",
    "/v1/apps/acme/campaigns/bf/instances/i1/sends",
    { message: "Hi", recipients: [{ userId: "u1", phone: "+919812345671" }] },
    key,
  );
  expect(sent.body).toMatchObject({ accepted: 1 });
  await api.drain();
  deliveredAt = Date.now();
  const externalId = sim.accepted[0]?.providerMessageId ?? "";
  const receipt = gupshupQueryReceipt({
    externalId,
    status: "SUCCESS",
    errCode: "000",
    deliveredTS: deliveredAt,
  });
  expect((await deliverReceipt(connector.body.webhookUrl, receipt)).status).toBe(200);
  await api.drain();
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

function record(i: number, receives: number): SQSRecord {
  // As the events route queues it (`QueuedEvent`).
  const event = {
    eventId: `e${i}`,
    userId: "u1",
    name: "Purchase",
    at: deliveredAt + 1 + i,
    attributes: { order_value: "1.25" },
  };
  return {
    messageId: `m${i}`,
    body: JSON.stringify({ appId: "acme", digest: `d${i}`, event }),
    attributes: { ApproximateReceiveCount: String(receives) },
  } as unknown as SQSRecord;
}

describe("a full batch of events while writes fail", () => {
  it("reports only the failed items, and redeliveries finish the batch exactly once", async () => {
    let receive = 1;
    const eventIdOf = (input?: Record<string, unknown>): string => {
      const item = input?.Item as Record<string, unknown> | undefined;
      const id = item?.eventId;
      return typeof id === "string" ? id : String((id as { S?: string } | undefined)?.S ?? "");
    };
    const meter: FaultMeter = installFaultyDynamo(api.runtime.dynamoEndpoint, {
      where: "outside",
      choose: (command, _n, input) =>
        command === "PutItemCommand" &&
        receive === 1 &&
        /^e\d*0$/.test(eventIdOf(input)) &&
        Number(eventIdOf(input).slice(1)) % 20 === 0
          ? "throttle"
          : null,
    });
    let pending = Array.from({ length: EVENTS }, (_, i) => i);
    const failedPerReceive: number[] = [];
    for (; receive <= queueSpecs.events.maxReceiveCount && pending.length > 0; receive++) {
      const batch: SQSEvent = { Records: pending.map((i) => record(i, receive)) };
      const response = await attributionWorker(batch);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      failedPerReceive.push(failed.size);
      pending = pending.filter((i) => failed.has(`m${i}`));
    }
    meter.enabled = false;
    expect(meter.injected.throttle).toBeGreaterThan(0);
    expect(failedPerReceive[0]).toBeGreaterThan(0);
    expect(failedPerReceive[0]).toBeLessThan(EVENTS);
    expect(pending).toEqual([]);

    // The worker was called directly: its facts reach the counters through the table's stream.
    await api.drain();
    const a = await api.analytics("acme", "bf", key);
    expect(a.conversions).toMatchObject({ conversionEvents: EVENTS, conversions: 1 });
    expect(a.revenue.total).toBe("125.00");
  });
});
