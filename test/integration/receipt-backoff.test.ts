import type { SQSEvent } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { configureApp, configureConnector } from "../../lambdas/flows/configuration.js";
import { handler } from "../../lambdas/handlers/delivery-worker.js";
import { resetSecrets } from "../../lambdas/platform/secrets.js";
import type { RawReceipt } from "../../lambdas/queue/contracts.js";
import { type QueuePort, setQueue } from "../../lambdas/queue/index.js";
import { asConnectorConfigInput, connectorInput } from "../../lambdas/schemas/connector.js";
import { listParked } from "../../lambdas/store/parked.js";
import { asReceiptRequest, gupshupQueryReceipt } from "../simulators/index.js";
import { useLocalDynamo } from "../support/dynamo.js";

useLocalDynamo();

const delays: Array<{ handle: string; seconds: number }> = [];
const capture: QueuePort = {
  send: async () => {},
  retryAfter: async (_queue, handle, seconds) => {
    delays.push({ handle, seconds });
  },
};

beforeAll(async () => {
  process.env.SERVER_SECRET = "test-server-secret";
  process.env.PUBLIC_BASE_URL = "http://localhost:3000";
  resetSecrets();
  setQueue(capture);
  await configureApp("acme", { name: "Acme", timezone: "UTC", currency: "USD" }, Date.now());
  await configureConnector(
    "acme",
    "gs",
    asConnectorConfigInput(
      connectorInput.parse({ provider: "gupshup", gupshup: { userId: "u", password: "p" } }),
    ),
    "http://localhost",
    Date.now(),
  );
});

function delivery(receiveCount: number): SQSEvent {
  const raw: RawReceipt = {
    id: "r-unmatched",
    appId: "acme",
    connectorId: "gs",
    provider: "gupshup",
    receivedAt: Date.now(),
    request: asReceiptRequest(gupshupQueryReceipt({ externalId: "no-such-id", status: "SUCCESS" })),
  };
  return {
    Records: [
      {
        messageId: `m${receiveCount}`,
        receiptHandle: `h${receiveCount}`,
        body: JSON.stringify(raw),
        attributes: { ApproximateReceiveCount: String(receiveCount) },
      } as unknown as SQSEvent["Records"][number],
    ],
  };
}

describe("a receipt that matches no sent message yet", () => {
  it("is retried with exponential backoff, then parked", async () => {
    for (let n = 1; n <= 5; n++) {
      const r = await handler(delivery(n));
      expect(r.batchItemFailures).toEqual([{ itemIdentifier: `m${n}` }]);
    }
    expect(delays).toEqual([60, 120, 240, 480, 960].map((seconds, i) => ({ handle: `h${i + 1}`, seconds })));
    expect((await listParked("acme")).items).toHaveLength(0);

    const last = await handler(delivery(6));
    expect(last.batchItemFailures).toEqual([]);
    expect(delays).toHaveLength(5);
    const parked = await listParked("acme");
    expect(parked.items).toHaveLength(1);
    expect(parked.items[0]?.reason).toMatch(/match no sent message/);
  });
});
