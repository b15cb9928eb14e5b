import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { dynamo } from "../../lambdas/store/client.js";
import { readCounters, total } from "../../lambdas/store/counters.js";
import { type Fact, recordFacts } from "../../lambdas/store/facts.js";
import { CAMPAIGN_SCOPE } from "../../lambdas/store/keys.js";
import { tableName } from "../../lambdas/store/table.js";
import { useLocalDynamo } from "../support/dynamo.js";
import { installMeteredDynamo, type Meter, SimulatedCrashError } from "../support/metered-dynamo.js";

const engine = useLocalDynamo();
let meter: Meter;
beforeAll(() => {
  meter = installMeteredDynamo(engine.endpoint());
});

/** A click-like fact: counted once by its own id; the user's first click also counts as unique. */
function clickFact(
  campaignId: string,
  clickId: string,
  instanceId: string,
  userId: string,
  day: string,
): Fact {
  const base = { appId: "app1", campaignId, instanceId, day };
  return {
    id: clickId,
    steps: [
      {
        write: {
          Put: {
            TableName: tableName(),
            Item: { pk: `TESTFACT#${campaignId}#${clickId}`, sk: "F" },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        counters: [{ ...base, field: "clicks", by: 1 }],
      },
      {
        write: {
          Put: {
            TableName: tableName(),
            Item: { pk: `TESTUNIQUE#${campaignId}#${instanceId}#${userId}`, sk: "U" },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        counters: [{ ...base, field: "clicksUnique", by: 1 }],
        optional: true,
      },
      ...[],
    ],
  };
}

function revenueFact(campaignId: string, id: string, day: string): Fact {
  return {
    id,
    steps: [
      {
        write: {
          Put: {
            TableName: tableName(),
            Item: { pk: `TESTFACT#${campaignId}#${id}`, sk: "F" },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        counters: [
          { appId: "app1", campaignId, instanceId: "i1", day, field: "rev:purchase", by: "19.99" },
          { appId: "app1", campaignId, instanceId: "i1", day, field: "conv:purchase:events", by: 1 },
        ],
      },
    ],
  };
}

/** 300 taps by 40 users over 2 instances and 3 days: the expected numbers are computed independently. */
function workload(campaignId: string): { facts: Fact[]; expected: Record<string, number> } {
  const facts: Fact[] = [];
  const firstTaps = new Set<string>();
  const expected: Record<string, number> = { clicks: 0, clicksUnique: 0, i1Clicks: 0, day2Clicks: 0 };
  for (let n = 0; n < 300; n++) {
    const instanceId = n % 3 === 0 ? "i2" : "i1";
    const user = `u${(n * 7) % 40}`;
    const day = `2026-11-2${n % 3}`;
    facts.push(clickFact(campaignId, `c${n}`, instanceId, user, day));
    expected.clicks = (expected.clicks ?? 0) + 1;
    if (instanceId === "i1") expected.i1Clicks = (expected.i1Clicks ?? 0) + 1;
    if (day === "2026-11-22") expected.day2Clicks = (expected.day2Clicks ?? 0) + 1;
    if (!firstTaps.has(`${instanceId}/${user}`)) {
      firstTaps.add(`${instanceId}/${user}`);
      expected.clicksUnique = (expected.clicksUnique ?? 0) + 1;
    }
  }
  return { facts, expected };
}

async function campaignNumbers(campaignId: string): Promise<Record<string, number>> {
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
    clicks: total(all, "clicks").toNumber(),
    clicksUnique: total(all, "clicksUnique").toNumber(),
    i1Clicks: total(i1, "clicks").toNumber(),
    day2Clicks: total(day2, "clicks").toNumber(),
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

describe("exactly-once counting core against the embedded engine", () => {
  it("a single clean pass counts every fact once", async () => {
    const { facts, expected } = workload("clean");
    const result = await recordFacts(facts);
    expect(result.applied).toHaveLength(300);
    expect(await campaignNumbers("clean")).toEqual(expected);
  });

  it("the same facts twice, shuffled, give the numbers of one clean pass", async () => {
    const { facts, expected } = workload("dup");
    await recordFacts(shuffle(facts, 7));
    const second = await recordFacts(shuffle([...facts, ...facts.slice(0, 50)], 11));
    expect(second.applied).toHaveLength(0);
    expect(second.rejected).toHaveLength(350);
    expect(await campaignNumbers("dup")).toEqual(expected);
  });

  it("a crash between two chunks of one batch, then the batch retried, leaves exact counts", async () => {
    const { facts, expected } = workload("crash");
    const batch = shuffle(facts, 3);
    meter.crashOnTransaction = meter.transactions + 2; // the second transaction of this batch dies
    await expect(recordFacts(batch)).rejects.toBeInstanceOf(SimulatedCrashError);
    meter.crashOnTransaction = undefined;
    const partial = await campaignNumbers("crash");
    expect(partial.clicks).toBeGreaterThan(0);
    expect(partial.clicks).toBeLessThan(300);
    const retry = await recordFacts(batch);
    expect(retry.applied.length + retry.rejected.length).toBe(300);
    expect(retry.applied.length).toBe(300 - (partial.clicks ?? 0));
    expect(await campaignNumbers("crash")).toEqual(expected);
  });

  it("a fact already written outside a batch is skipped and the rest of its chunk still applies", async () => {
    const { facts } = workload("pre");
    await dynamo().send(new PutCommand({ TableName: tableName(), Item: { pk: "TESTFACT#pre#c5", sk: "F" } }));
    const result = await recordFacts(facts);
    expect(result.rejected).toEqual(["c5"]);
    expect(result.applied).toHaveLength(299);
  });

  it("money adds up exactly: 1,000 × 19.99 = 19990.00", async () => {
    const facts = Array.from({ length: 1000 }, (_, n) => revenueFact("money", `r${n}`, `2026-11-2${n % 5}`));
    await recordFacts(facts);
    await recordFacts(facts.slice(0, 100)); // duplicates change nothing
    const counters = await readCounters({ appId: "app1", campaignId: "money", scope: CAMPAIGN_SCOPE });
    expect(total(counters, "rev:purchase").toFixed(2)).toBe("19990.00");
    expect(total(counters, "conv:purchase:events").toNumber()).toBe(1000);
  });

  it("write cost per fact is about two units at batch 100, and reads do not grow with facts", async () => {
    const { facts } = workload("cost");
    meter.reset();
    await recordFacts(facts.slice(0, 100));
    const perFact = meter.writeUnits / 100;
    // Two units per transactional item; the shared counter items are amortised over the chunk.
    expect(perFact).toBeGreaterThanOrEqual(2);
    expect(perFact).toBeLessThanOrEqual(4.5);
    meter.reset();
    await readCounters({ appId: "app1", campaignId: "cost", scope: CAMPAIGN_SCOPE });
    const smallReads = meter.requests;
    await recordFacts(workload("cost2").facts.concat(facts.slice(100)));
    meter.reset();
    await readCounters({ appId: "app1", campaignId: "cost", scope: CAMPAIGN_SCOPE });
    expect(meter.requests).toBe(smallReads);
  });
});
