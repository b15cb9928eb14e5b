import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { type CustomSimulator, startCustomSimulator } from "../simulators/index.js";
import { ADMIN_KEY, type Api, startProduct } from "./harness.js";

/**
 * A parked receipt replayed late gives a documented, deterministic result (issue 13 §2; docs/decisions.md,
 * "Parked receipts replayed late"): the delivery counts on the day the provider reported it, and its
 * window counts the user's events that are still inside the kept-events horizon (37 days back from the
 * replay) — decided by their time, never by when TTL happens to delete them.
 *
 * The story: a custom connector's receipt mapping names the wrong field, so every receipt is parked as
 * unparseable; the operator fixes the mapping and replays them, one 10 days and one 60 days later.
 */
const H = 3_600_000;
const DAY = 24 * H;
const S0 = Date.parse("2026-09-01T09:00:00Z");

let api: Api;
let sim: CustomSimulator;
let key: string;
let webhookUrl: string;
let now = S0;

const connector = (messageIdField: string) => ({
  provider: "custom",
  deliveryTracking: true,
  custom: {
    request: {
      method: "POST",
      url: `${sim.url}/v1/send`,
      headers: { "content-type": "application/json" },
      body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
    },
    receipt: {
      messageId: messageIdField,
      status: "state",
      time: "ts",
      delivered: ["DELIVERED"],
      failed: ["FAILED"],
    },
  },
});

async function parked(): Promise<Array<{ id: string; reason: string }>> {
  return (await api.call("GET", "/v1/apps/late/parked-receipts", undefined, ADMIN_KEY)).body.parkedReceipts;
}

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  sim = await startCustomSimulator();
  key = await api.createApp("late", "UTC", "USD");
  webhookUrl = await api.putConnector("/v1/apps/late/connectors/ct", connector("reference"), key);
  await api.putCampaign(
    "/v1/apps/late/campaigns/c",
    {
      name: "c",
      connectorId: "ct",
      goals: [{ goalId: "buy", eventName: "Purchase", revenueAttribute: "value" }],
    },
    key,
  );
  await api.call(
    "POST",
    "/v1/apps/late/campaigns/c/instances/i1/sends",
    {
      message: "Sale",
      recipients: [
        { userId: "u1", phone: "+919812350001" },
        { userId: "u2", phone: "+919812350002" },
      ],
    },
    key,
  );
  await api.drain();
  now = S0 + 3 * H;
  await api.call(
    "POST",
    "/v1/apps/late/events",
    {
      events: ["u1", "u2"].map((userId) => ({
        eventId: `p-${userId}`,
        userId,
        name: "Purchase",
        time: new Date(S0 + H).toISOString(),
        attributes: { value: 30 },
      })),
    },
    key,
  );
  for (const userId of ["u1", "u2"]) {
    const res = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ref: messageIdFor("late", "c", "i1", userId),
        state: "DELIVERED",
        ts: new Date(S0 + 10 * 60_000).toISOString(),
      }),
    });
    expect(res.status).toBe(200);
  }
  await api.drain();
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("parked receipts replayed late", () => {
  it("parks receipts the mapping cannot read, and counts nothing for them", async () => {
    expect(await parked()).toHaveLength(2);
    const a = await api.analytics("late", "c", key);
    expect(a.delivery).toMatchObject({ sent: 2, delivered: 0, inTransit: 2 });
    expect(a.conversions.conversions).toBe(0);
  });

  it("replayed 10 days on: delivered on the reported day, and the kept purchase converts", async () => {
    expect((await api.call("PUT", "/v1/apps/late/connectors/ct", connector("ref"), key)).status).toBe(200);
    now = S0 + 10 * DAY;
    const [first] = await parked();
    const r = await api.call("POST", "/v1/apps/late/parked-receipts/replay", { ids: [first?.id] }, ADMIN_KEY);
    expect(r.body).toMatchObject({ replayed: 1 });
    await api.drain();
    const a = await api.analytics("late", "c", key);
    expect(a.delivery).toMatchObject({ delivered: 1, inTransit: 1 });
    expect(a.series.find((d: { date: string }) => d.date === "2026-09-01")?.delivered).toBe(1);
    expect(a.conversions).toMatchObject({ conversionEvents: 1, conversions: 1 });
  });

  it("replayed 60 days on, past the 37-day horizon: delivered, but no event that old is counted", async () => {
    now = S0 + 60 * DAY;
    const r = await api.call("POST", "/v1/apps/late/parked-receipts/replay", {}, ADMIN_KEY);
    expect(r.body).toMatchObject({ replayed: 1 });
    await api.drain();
    expect(await parked()).toEqual([]);
    const a = await api.analytics("late", "c", key);
    expect(a.delivery).toMatchObject({ delivered: 2, inTransit: 0 });
    expect(a.conversions).toMatchObject({ conversionEvents: 1, conversions: 1 });
    expect(a.revenue.total).toBe("30.00");
  });
});
