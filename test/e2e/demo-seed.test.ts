import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import type { QueueName } from "../../lambdas/topology/queues.js";
import { type DemoResult, seedDemo } from "../../scripts/demo/seed.js";
import { ADMIN_KEY, type Api, startProduct } from "./harness.js";

/**
 * `npm run demo`'s seeding (scripts/demo/seed.ts) at a tenth of its size against the local product:
 * everything through the HTTP API and the short links, and the dashboard's sections all have numbers.
 */
let api: Api;
let result: DemoResult;
const DAY = 86_400_000;

beforeAll(async () => {
  api = await startProduct();
  let offset = 0;
  setClock(() => Date.now() + offset);
  const settle = async (names: readonly QueueName[]): Promise<void> => {
    for (;;) {
      const stats = api.runtime.queues.stats();
      if (
        names.every(
          (n) => stats[n].visible + stats[n].inFlight + stats[n].waitingRetry + stats[n].delayed === 0,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  result = await seedDemo(
    {
      url: api.url,
      adminKey: ADMIN_KEY,
      setNow: (ms) => {
        offset = ms === null ? 0 : Math.round(ms) - Date.now();
      },
      settle,
    },
    { scale: 0.1 },
  );
  setClock(undefined);
  await api.drain();
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

describe("the demo's seeding", () => {
  it("tells a story over several days with every dashboard section filled", async () => {
    const festive = await api.analytics("demo", "festive-sale", result.apiKey);
    expect(festive.delivery.sent).toBeGreaterThan(100);
    expect(festive.delivery.delivered).toBeGreaterThan(0);
    expect(festive.delivery.failedToSend).toBeGreaterThan(0); // missing first names, invalid numbers
    expect(festive.failures.failedToDeliver.length).toBeGreaterThan(0);
    expect(festive.failures.failedToSend.length).toBeGreaterThan(0);
    expect(festive.clicks.total).toBeGreaterThan(0);
    expect(festive.clicks.suspectedBots).toBeGreaterThan(0);
    expect(festive.clicks.byUrl.length).toBeGreaterThan(0);
    expect(festive.conversions.conversions).toBeGreaterThan(0);
    expect(Number(festive.revenue.total)).toBeGreaterThan(0);
    expect(festive.deliveryLatency.p50Seconds).toBeGreaterThan(0);
    // Several days: sends on three different days, and every receipt in.
    const sentDays = (festive.series as Array<{ date: string; sent: number }>).filter((d) => d.sent > 0);
    expect(sentDays.length).toBe(3);
    const first = Date.parse(sentDays[0]?.date ?? "");
    expect(Date.now() - first).toBeGreaterThan(5 * DAY);
    expect(festive.delivery.delivered + festive.delivery.failedToDeliver + festive.delivery.inTransit).toBe(
      festive.delivery.sent,
    );

    // Two countries (two time zones) on the UK campaign's worse route; the welcome series daily.
    const uk = await api.analytics("demo", "uk-launch", result.apiKey);
    expect(uk.breakdowns, JSON.stringify(uk.breakdowns)).toBeDefined();
    expect(uk.breakdowns.byCountry.map((c: { country: string }) => c.country)).toContain("GB");
    expect(uk.delivery.delivered).toBeGreaterThan(0);
    const list = await api.call("GET", "/v1/apps/demo/campaigns/welcome/instances", undefined, result.apiKey);
    expect(list.status).toBe(200);
    expect(list.body.instances.length).toBe(5);
    expect(result.counts.taps).toBeGreaterThan(0);
    expect(result.counts.previews).toBeGreaterThan(0);
  });

  it("refuses to run twice on the same product (the app exists: no new key)", async () => {
    await expect(
      seedDemo(
        { url: api.url, adminKey: ADMIN_KEY, setNow: () => {}, settle: async () => {} },
        { scale: 0.1 },
      ),
    ).rejects.toThrow(/expected 201, got 200/);
  });
});
