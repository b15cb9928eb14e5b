import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendJobs } from "../../lambdas/flows/sending.js";
import { type QueueName, setQueue } from "../../lambdas/queue/index.js";
import { type Api, startProduct } from "../e2e/harness.js";

/**
 * A send job stopped because the function's time is running out comes back at once (visibility 0),
 * not after the queue's 12-minute visibility timeout: the rest of its recipients are ready now.
 */
let api: Api;
let key: string;
const visibility: Array<{ queue: QueueName; handle: string; seconds: number }> = [];

beforeAll(async () => {
  api = await startProduct();
  const queues = api.runtime.queues;
  setQueue({
    send: (name, messages) => queues.send(name, messages),
    retryAfter: async (queue, handle, seconds) => {
      visibility.push({ queue, handle, seconds });
    },
  });
  key = await api.createApp("tb", "UTC", "USD");
  await api.putConnector("/v1/apps/tb/connectors/sb", { provider: "sandbox" }, key);
  await api.putCampaign(
    "/v1/apps/tb/campaigns/c",
    { name: "C", connectorId: "sb", goals: [{ goalId: "g", eventName: "E" }] },
    key,
  );
});

afterAll(async () => {
  await api?.stop();
});

describe("a send job out of time", () => {
  it("is handed back for an immediate retry; with time, it runs to its end", async () => {
    const job = {
      appId: "tb",
      campaignId: "c",
      instanceId: "i1",
      message: "Hi",
      recipients: [1, 2, 3].map((i) => ({ userId: `u${i}`, phone: `+91981234500${i}` })),
    };
    const received = { recordId: "r1", receiveCount: 1, receiptHandle: "h1", body: job };
    // Less time left than the connector's timeout plus the reserve: nothing is sent.
    const out = await sendJobs([received], { getRemainingTimeInMillis: () => 1_000 }, Date.now);
    expect([...out.retry]).toEqual(["r1"]);
    expect(out.counts?.sent).toBe(0);
    expect(visibility).toEqual([{ queue: "sends", handle: "h1", seconds: 0 }]);

    const again = await sendJobs(
      [{ ...received, receiveCount: 2 }],
      { getRemainingTimeInMillis: () => 120_000 },
      Date.now,
    );
    // With time, the job runs to its end (these recipients were never accepted by the sends API, so
    // each is decided as nothing to send) and is not handed back.
    expect([...again.retry]).toEqual([]);
    expect(again.counts).toMatchObject({ jobs: 1, alreadyDecided: 3 });
    expect(visibility).toHaveLength(1);
  });
});
