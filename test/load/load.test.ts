import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioReport } from "./scenario.js";
import { inProcessTarget, type ProductTarget } from "./targets.js";

/**
 * Load with duplicates through the local server, scaled down for CI (the full size is
 * `npm run test:load`): receipts and event batches, 30% of them duplicates, in random order from 32
 * concurrent clients; after the queues drain every analytics figure equals the plan's.
 */
const ADMIN = "load-admin-key-0123456789abcdef";
let target: ProductTarget;
let report: ScenarioReport;

beforeAll(async () => {
  target = await inProcessTarget({ adminApiKey: ADMIN, memoryEngine: true });
  report = await runScenario(target, { adminApiKey: ADMIN, receipts: 1_000, events: 300, seed: 7 });
}, 240_000);

afterAll(async () => {
  await target?.stop();
});

describe("receipts and events under concurrent load with 30% duplicates", () => {
  it("sent every duplicate it planned and every request once to a 2xx", () => {
    expect(report.receiptRequests).toBe(1_000);
    expect(report.receiptDuplicates).toBe(300);
    expect(report.eventSubmissions).toBe(300);
    expect(report.eventDuplicates).toBe(90);
    expect(report.attempts).toBe(report.receiptRequests + report.eventRequests);
  });

  it("counts every delivery, failure, conversion and cent exactly once", () => {
    expect(report.actual).toEqual(report.expected);
    expect(report.expected.delivered).toBeGreaterThan(0);
    expect(report.expected.conversions).toBeGreaterThan(0);
    expect(report.expected.revenue).not.toBe("0.00");
  });

  it("parks nothing and dead-letters nothing", () => {
    expect(report.parkedReceipts).toBe(0);
    for (const q of Object.values(report.queues))
      expect(q).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 0 });
  });
});
