/**
 * Issue 13 §6: "A counting system is right when every interleaving of duplicates, reorders, late data,
 * settings changes and crashes gives the numbers a plain reference model gives." Generated histories
 * (generate.ts) run through the real product with faults (run.ts, faults.ts) and must report what the
 * reference model (model.ts) computes from SPEC's definitions. No history is edited to avoid a product
 * bug: a disagreement fails the test.
 *
 * CI: a fixed seed (reproducible), MODEL_RUNS (66) batches of 1..MODEL_BATCH (8) small histories, about 300
 * histories (142 took 65–117 s in CI runs; under a load of 15 it is 3–5 times slower). On failure fast-check
 * prints the seed and the path of the shrunk counterexample; replay it with MODEL_SEED and MODEL_PATH,
 * or `npm run test:model -- --replay <seed> --path <path> --batch <MODEL_BATCH>`.
 * `npm run test:model -- --runs 10000` runs more (cli.ts).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { model, report } from "./model.js";
import { modelProperty, newTally } from "./property.js";
import { type Runtime, startRuntime } from "./run.js";

const RUNS = Number(process.env.MODEL_RUNS ?? 66);
const BATCH = Number(process.env.MODEL_BATCH ?? 8);
const SEED = Number(process.env.MODEL_SEED ?? 20261129);

let rt: Runtime;

beforeAll(async () => {
  rt = await startRuntime();
}, 60_000);

afterAll(async () => {
  await rt?.stop();
});

describe("the product against the reference model", () => {
  it("reports what the model computes for generated histories with faults", async () => {
    const tally = newTally();
    const started = performance.now();
    await fc.assert(modelProperty(rt, { batch: BATCH, tally, size: "small" }), {
      numRuns: RUNS,
      seed: SEED,
      ...(process.env.MODEL_PATH ? { path: process.env.MODEL_PATH } : {}),
      endOnFailure: process.env.MODEL_NO_SHRINK === "1",
    });
    const s = (performance.now() - started) / 1000;
    process.stdout.write(
      `model test: seed ${SEED}, ${tally.batches} batches, ${tally.histories} histories in ${s.toFixed(1)} s\n`,
    );
    expect(tally.histories).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});

describe("the reference model on its own", () => {
  const T = Date.parse("2027-03-14T06:30:00Z");
  const H = 3_600_000;
  const base = {
    timezone: "America/New_York",
    currency: "USD",
    provider: "custom" as const,
    tracked: true,
    clickTracking: true,
    windowHours: 36,
    goals: [{ goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" }],
    users: { u1: { phone: "+919812380001", country: "IN" } },
    range: { from: "2027-03-14", to: "2027-03-14" },
    faults: { seed: 1, transientRate: 0, crashRate: 0, maxCrashes: 0, lostResults: 0 },
  };
  const send = {
    kind: "send" as const,
    instance: "i1",
    recipients: [{ user: "u1", answer: { kind: "accepted" as const }, crash: null, early: [] }],
  };
  const receipt = (status: "DELIVERED" | "FAILED", operatorAt: number | null) => ({
    kind: "receipt" as const,
    instance: "i1",
    user: "u1",
    receipt: {
      status,
      code: status === "FAILED" ? "E1" : null,
      operatorAt,
      timeFormat: "isoZ" as const,
      wire: "json" as const,
    },
    copies: 1,
  });
  const purchase = (eventId: string, at: number, value: number | string | boolean | null) => ({
    kind: "events" as const,
    events: [
      {
        eventId,
        user: "u1",
        name: "Purchase",
        at,
        timeOffset: "Z" as const,
        attributes: { order_value: value },
      },
    ],
  });

  it("opens the window at the delivery time and takes an event that arrived before the receipt", () => {
    const ledger = model({
      ...base,
      steps: [
        { at: T, actions: [send] },
        { at: T + 2 * H + 60_000, actions: [purchase("e1", T + 2 * H, 19.99)] },
        // Delivered at T + 1 h by the operator's clock, reported at T + 3 h.
        { at: T + 3 * H, actions: [receipt("DELIVERED", T + H)] },
        { at: T + 4 * H, actions: [purchase("e2", T + 3.5 * H, "0.005")] },
      ],
    });
    const a = report(ledger, null);
    expect(a.delivery).toMatchObject({ sent: 1, delivered: 1, inTransit: 0, deliveryRate: 100 });
    expect(a.conversions).toMatchObject({ conversionEvents: 2, conversions: 1, conversionRate: 100 });
    // 0.005 rounds half-even to 0.00 per event; 19.99 ÷ 2 = 9.995 rounds half-even to 10.00.
    expect(a.revenue).toMatchObject({
      total: "19.99",
      averageOrderValue: "10.00",
      averageRevenuePerUser: "19.99",
    });
  });

  it("clamps an operator time after the receipt's arrival to the arrival", () => {
    const ledger = model({
      ...base,
      steps: [
        { at: T, actions: [send] },
        { at: T + 3 * H, actions: [receipt("DELIVERED", T + 5 * H)] },
        { at: T + 4 * H, actions: [purchase("e1", T + 2 * H, 5)] },
      ],
    });
    expect(report(ledger, null).conversions.conversionEvents).toBe(0);
  });

  it("moves a failed user to delivered and counts the first failure's code until then", () => {
    const steps = [
      { at: T, actions: [send] },
      { at: T + H, actions: [receipt("FAILED", null)] },
    ];
    expect(report(model({ ...base, steps }), null).failures.failedToDeliver).toEqual([
      { code: "E1", count: 1 },
    ]);
    const later = model({
      ...base,
      steps: [...steps, { at: T + 2 * H, actions: [receipt("DELIVERED", null)] }],
    });
    expect(report(later, null).delivery).toMatchObject({ delivered: 1, failedToDeliver: 0 });
  });

  it("sorts revenue values that add nothing into missing, unreadable and negative", () => {
    const ledger = model({
      ...base,
      tracked: false,
      steps: [
        { at: T, actions: [send] },
        ...[19.99, "1e1", " 2.50 ", null, "", "1,299.00", true, "abc", -5, "-0.01"].map((v, i) => ({
          at: T + (i + 1) * 60_000,
          actions: [purchase(`e${i}`, T + (i + 1) * 60_000, v)],
        })),
      ],
    });
    expect(report(ledger, null).revenue).toMatchObject({
      total: "32.49",
      eventsWithoutRevenue: 2,
      eventsWithUnreadableRevenue: 3,
      eventsWithNegativeRevenue: 2,
      // Ten conversion events; 32.49 ÷ 10 = 3.249.
      averageOrderValue: "3.25",
    });
  });

  it("takes a tap as proof: an unknown send is sent, a person's tap delivers and opens the window", () => {
    const unknown = {
      ...send,
      recipients: [{ user: "u1", answer: { kind: "drop" as const }, crash: null, early: [] }],
    };
    const tap = (agent: "browser" | "bot", at: number) => ({
      at,
      actions: [{ kind: "tap" as const, instance: "i1", user: "u1", link: 0, agent, glued: "" }],
    });
    const bot = report(model({ ...base, steps: [{ at: T, actions: [unknown] }, tap("bot", T + H)] }), null);
    expect(bot.delivery).toMatchObject({ sent: 1, failedToSend: 0, inTransit: 1, delivered: 0 });
    const person = model({
      ...base,
      steps: [
        { at: T, actions: [unknown] },
        { at: T + H, actions: [purchase("e1", T + H / 2, 5)] },
        tap("browser", T + 2 * H),
        { at: T + 3 * H, actions: [purchase("e2", T + 2.5 * H, 7)] },
        // Delivered is final: a later receipt with an earlier operator time moves nothing.
        { at: T + 4 * H, actions: [receipt("DELIVERED", T + 10 * 60_000)] },
      ],
    });
    const a = report(person, null);
    expect(a.delivery).toMatchObject({ sent: 1, delivered: 1, failedToSend: 0 });
    expect(a.clicks).toMatchObject({ total: 1, unique: 1, clickThroughRate: 100 });
    expect(a.revenue.total).toBe("7.00");
  });
});
