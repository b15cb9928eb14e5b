import { beforeAll, describe, expect, it } from "vitest";
import type { KeptEvent } from "../../lambdas/domain/attribution.js";
import { type ClickMessage, emptyClicker, planClicks } from "../../lambdas/domain/clicks.js";
import { fields } from "../../lambdas/domain/counter-fields.js";
import { total } from "../../lambdas/domain/counters.js";
import { clickerWrite, tapWrite } from "../../lambdas/store/clicks.js";
import { readCounters } from "../../lambdas/store/counters.js";
import { keptEventWrite } from "../../lambdas/store/events.js";
import { type FactWrite, writeFacts } from "../../lambdas/store/facts.js";
import { CAMPAIGN_SCOPE } from "../../lambdas/store/keys.js";
import { useLocalDynamo } from "../support/dynamo.js";
import { installMeteredDynamo, type Meter, SimulatedCrashError } from "../support/metered-dynamo.js";

/**
 * The exactly-once core against the embedded engine: facts are single conditional writes of their own
 * items; the counter applies each item change from the table's stream once per shard checkpoint.
 * Duplicates, shuffles and crashes — while writing facts and while counting — give the clean numbers.
 */
const engine = useLocalDynamo();
let meter: Meter;
beforeAll(() => {
  meter = installMeteredDynamo(engine.endpoint());
});

const TZ = "UTC";
const EXPIRES = Date.parse("2026-12-31T00:00:00Z");

function tap(campaignId: string, n: number, instanceId: string, userId: string, day: string): ClickMessage {
  return {
    id: `${campaignId}-c${n}`,
    at: Date.parse(`${day}T10:00:00Z`) + n,
    bot: false,
    expired: false,
    appId: "app1",
    campaignId,
    instanceId,
    userId,
    url: "https://shop.example/sale",
    country: "IN",
    provider: "gupshup",
    expiresAt: EXPIRES,
  };
}

/**
 * 300 taps by 40 users over 2 instances and 3 days as fact writes (each user's earliest tap in its
 * clicker item, every other tap an item of its own); the expected numbers are computed independently.
 */
function workload(campaignId: string): { writes: FactWrite[]; expected: Record<string, number> } {
  const byClicker = new Map<string, ClickMessage[]>();
  const expected: Record<string, number> = { clicks: 0, clicksUnique: 0, i1Clicks: 0, day2Clicks: 0 };
  for (let n = 0; n < 300; n++) {
    const instanceId = n % 3 === 0 ? "i2" : "i1";
    const user = `u${(n * 7) % 40}`;
    const day = `2026-11-2${n % 3}`;
    const t = tap(campaignId, n, instanceId, user, day);
    byClicker.set(`${instanceId}/${user}`, [...(byClicker.get(`${instanceId}/${user}`) ?? []), t]);
    expected.clicks = (expected.clicks ?? 0) + 1;
    if (instanceId === "i1") expected.i1Clicks = (expected.i1Clicks ?? 0) + 1;
    if (day === "2026-11-22") expected.day2Clicks = (expected.day2Clicks ?? 0) + 1;
  }
  expected.clicksUnique = byClicker.size;
  const writes: FactWrite[] = [];
  for (const taps of byClicker.values()) {
    const first = taps[0] as ClickMessage;
    const stored = emptyClicker(first, TZ);
    const plan = planClicks(stored, taps, new Set());
    if (plan.clicker) writes.push(clickerWrite(stored, plan.clicker, EXPIRES));
    for (const t of plan.tapItems) writes.push(tapWrite(t, EXPIRES));
  }
  return { writes, expected };
}

async function campaignNumbers(campaignId: string): Promise<Record<string, number>> {
  await engine.count();
  const all = await readCounters({ appId: "app1", campaignId, scope: CAMPAIGN_SCOPE });
  const i1 = await readCounters({ appId: "app1", campaignId, scope: "i1" });
  const day2 = await readCounters({
    appId: "app1",
    campaignId,
    scope: CAMPAIGN_SCOPE,
    from: "2026-11-22",
    to: "2026-11-22",
  });
  return {
    clicks: total(all, fields.clicks).toNumber(),
    clicksUnique: total(all, fields.clickers).toNumber(),
    i1Clicks: total(i1, fields.clicks).toNumber(),
    day2Clicks: total(day2, fields.clicks).toNumber(),
  };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function revenueEvent(campaignId: string, n: number): KeptEvent {
  const at = Date.parse(`2026-11-2${n % 5}T12:00:00Z`);
  return {
    appId: "app1",
    userId: `u${n}`,
    eventId: `r${n}`,
    name: "Purchase",
    at,
    attributes: { order_value: 19.99 },
    tz: TZ,
    counted: {
      [`${campaignId}#purchase`]: {
        instanceId: "i1",
        windowEndAt: at + 3_600_000,
        sentAt: at - 3_600_000,
        primary: true,
        revenue: { amount: "19.99" },
      },
    },
    version: 1,
  };
}

describe("exactly-once counting core against the embedded engine", () => {
  it("a single clean pass counts every fact once", async () => {
    const { writes, expected } = workload("clean");
    const results = await writeFacts(writes);
    expect(results.every((r) => r.written)).toBe(true);
    expect(await campaignNumbers("clean")).toEqual(expected);
  });

  it("the same facts twice, shuffled, give the numbers of one clean pass", async () => {
    const { writes, expected } = workload("dup");
    await writeFacts(shuffle(writes, 7));
    await engine.count();
    const second = await writeFacts(shuffle([...writes, ...writes.slice(0, 50)], 11));
    // Each duplicate finds its item exactly as it would write it: its own write (written), nothing changed.
    expect(second.every((r) => r.written)).toBe(true);
    expect(await campaignNumbers("dup")).toEqual(expected);
    // Counting the stream again (a redelivered batch) adds nothing either.
    expect(await campaignNumbers("dup")).toEqual(expected);
  });

  it("a crash between two writes of one batch, then the batch retried, leaves exact counts", async () => {
    const { writes, expected } = workload("crash");
    const batch = shuffle(writes, 3);
    meter.crashOnWrite = meter.writes + 40; // the 40th write of this batch dies
    await expect(writeFacts(batch)).rejects.toBeInstanceOf(SimulatedCrashError);
    meter.crashOnWrite = undefined;
    const partial = await campaignNumbers("crash");
    expect(partial.clicks).toBeGreaterThan(0);
    expect(partial.clicks).toBeLessThan(300);
    const retry = await writeFacts(batch);
    expect(retry.every((r) => r.written)).toBe(true);
    expect(await campaignNumbers("crash")).toEqual(expected);
  });

  it("a crash while counting, then the stream batch retried, leaves exact counts", async () => {
    const { writes, expected } = workload("count-crash");
    await writeFacts(writes);
    meter.crashOnCounterUpdate = meter.counterUpdates + 2; // the counter dies after its first bucket
    await engine.count();
    meter.crashOnCounterUpdate = undefined;
    expect(meter.counterCrashes).toBeGreaterThan(0);
    expect(await campaignNumbers("count-crash")).toEqual(expected);
  });

  it("a write whose item moved on is not written; one that finds its own item is", async () => {
    const e = { ...revenueEvent("moved", 1), userId: "moved-user", eventId: "moved-event" };
    await writeFacts([keptEventWrite(null, e, e.at)]);
    const mine = keptEventWrite(e, { ...e, attributes: { order_value: 5 } }, e.at);
    const theirs = keptEventWrite(e, { ...e, attributes: { order_value: 6 } }, e.at);
    expect(await writeFacts([mine])).toEqual([{ written: true }]);
    // The answer of a write that landed was lost and it is sent again: it finds its own item.
    expect(await writeFacts([mine])).toEqual([{ written: true }]);
    // Another writer that read the same version: its item is not what stands, so it is not written.
    const [other] = await writeFacts([theirs]);
    expect(other?.written).toBe(false);
    expect(other?.written === false && other.current?.attributes).toEqual({ order_value: 5 });
  });

  it("money adds up exactly: 1,000 × 19.99 = 19990.00", async () => {
    const events = Array.from({ length: 1000 }, (_, n) => revenueEvent("money", n));
    await writeFacts(events.map((e) => keptEventWrite(null, e, e.at)));
    await writeFacts(events.slice(0, 100).map((e) => keptEventWrite(null, e, e.at))); // duplicates change nothing
    await engine.count();
    const counters = await readCounters({ appId: "app1", campaignId: "money", scope: CAMPAIGN_SCOPE });
    expect(total(counters, fields.goalRevenue("purchase")).toFixed(2)).toBe("19990.00");
    expect(total(counters, fields.goalEvents("purchase")).toNumber()).toBe(1000);
  });

  it("write cost per fact is about one unit, and reads do not grow with facts", async () => {
    const { writes } = workload("cost");
    meter.reset();
    await writeFacts(writes.slice(0, 100));
    const perFact = meter.writeUnits / 100;
    // One plain conditional write per fact; no transaction, no counter in the fact's write.
    expect(perFact).toBeGreaterThanOrEqual(1);
    expect(perFact).toBeLessThanOrEqual(1.3);
    await engine.count();
    meter.reset();
    await readCounters({ appId: "app1", campaignId: "cost", scope: CAMPAIGN_SCOPE });
    const smallReads = meter.requests;
    await writeFacts(workload("cost2").writes.concat(writes.slice(100)));
    await engine.count();
    meter.reset();
    await readCounters({ appId: "app1", campaignId: "cost", scope: CAMPAIGN_SCOPE });
    expect(meter.requests).toBe(smallReads);
  });
});
