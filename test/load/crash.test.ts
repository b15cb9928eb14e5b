import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioReport } from "./scenario.js";
import { childProcessTarget, type ProductTarget } from "./targets.js";

/**
 * The product as its own process, killed with SIGKILL (runtime and embedded engine) in the middle of
 * the load and restarted on the same data directory and port. Clients re-send only what got no answer;
 * after the queues drain every figure is exact, so nothing acknowledged before the kill was lost and
 * nothing redelivered after it was counted twice. Scaled down for CI (`npm run test:load` is full size).
 */
const ADMIN = "crash-admin-key-0123456789abcdef";
let target: ProductTarget;
let report: ScenarioReport;

beforeAll(async () => {
  target = await childProcessTarget({ adminApiKey: ADMIN });
  report = await runScenario(target, {
    adminApiKey: ADMIN,
    receipts: 400,
    events: 150,
    seed: 11,
    crashAt: [0.4],
  });
}, 240_000);

afterAll(async () => {
  await target?.stop();
});

describe("kill -9 in the middle of the load, then a restart", () => {
  it("was killed once with work acknowledged on both sides of the kill", () => {
    expect(report.crashes).toBe(1);
    expect(report.ackedByGeneration[0]).toBeGreaterThan(0);
    expect(report.ackedByGeneration[1]).toBeGreaterThan(0);
    expect(report.receiptsOnlyAckedBeforeACrash).toBeGreaterThan(0);
  });

  it("counts every acknowledged receipt and event exactly once", () => {
    expect(report.actual).toEqual(report.expected);
  });

  it("parks nothing and dead-letters nothing", () => {
    expect(report.parkedReceipts).toBe(0);
    for (const q of Object.values(report.queues))
      expect(q).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 0 });
  });
});
