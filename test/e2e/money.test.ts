import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import { type CustomSimulator, startCustomSimulator } from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * Money adds up (issue 13 §5): each event's amount is rounded to the currency's minor unit once, when
 * it is counted, so the total is the sum of the series days in every currency — also for amounts in
 * fractions of the minor unit (half a yen, a thousandth of a dinar and a half).
 */
const H = 3_600_000;
const S0 = Date.parse("2026-11-10T09:00:00Z");

let api: Api;
let sim: CustomSimulator;

beforeAll(async () => {
  setClock(() => S0);
  api = await startProduct();
  setClock(() => S0);
  sim = await startCustomSimulator();
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

async function revenueOf(appId: string, currency: string, amounts: unknown[]) {
  setClock(() => S0);
  const key = await api.createApp(appId, "UTC", currency);
  await api.putConnector(
    `/v1/apps/${appId}/connectors/c`,
    {
      provider: "custom",
      deliveryTracking: false,
      custom: {
        request: {
          method: "POST",
          url: `${sim.url}/v1/send`,
          headers: { "content-type": "application/json" },
          body: '{"to":"{{phone}}","text":"{{message}}"}',
        },
      },
    },
    key,
  );
  await api.putCampaign(
    `/v1/apps/${appId}/campaigns/m`,
    {
      name: "m",
      connectorId: "c",
      conversionWindowHours: 720,
      goals: [{ goalId: "buy", eventName: "Purchase", revenueAttribute: "value" }],
    },
    key,
  );
  await api.call(
    "POST",
    `/v1/apps/${appId}/campaigns/m/instances/i1/sends`,
    { message: "Sale", recipients: [{ userId: "u1", phone: "+919812340001" }] },
    key,
  );
  await api.drain();
  setClock(() => S0 + 100 * H);
  // One event a day, so each lands in its own series entry.
  const events = amounts.map((value, i) => ({
    eventId: `e${i}`,
    userId: "u1",
    name: "Purchase",
    time: new Date(S0 + (i * 24 + 1) * H).toISOString(),
    attributes: { value },
  }));
  expect((await api.call("POST", `/v1/apps/${appId}/events`, { events }, key)).status).toBe(202);
  await api.drain();
  const a = await api.analytics(appId, "m", key);
  const series = (a.series as Array<{ revenue: string }>)
    .map((d) => d.revenue)
    .filter((r) => Number(r) !== 0);
  return { total: a.revenue.total as string, series };
}

describe("money adds up", () => {
  it("two events of half a yen on two days: each rounds half-to-even to 0, and so does the total", async () => {
    const r = await revenueOf("yen", "JPY", [0.5, "0.5", 1.5, 2.5]);
    // 0.5 → 0, 0.5 → 0, 1.5 → 2, 2.5 → 2
    expect(r.series).toEqual(["2", "2"]);
    expect(r.total).toBe("4");
  });

  it("three-digit currencies and sub-cent amounts: the total is the sum of the days", async () => {
    const kwd = await revenueOf("dinar", "KWD", ["0.0005", "0.0015", "1.2345"]);
    expect(kwd.series).toEqual(["0.002", "1.234"]);
    expect(kwd.total).toBe("1.236");
    const usd = await revenueOf("cents", "USD", [0.005, 0.015, 0.025, 19.999]);
    expect(usd.series).toEqual(["0.02", "0.02", "20.00"]);
    expect(usd.total).toBe("20.04");
  });
});
