import { afterEach, describe, expect, it } from "vitest";
import { runScenario } from "../load/scenario.js";
import { inProcessTarget, type ProductTarget } from "../load/targets.js";
import {
  FACT_WRITES,
  type FaultKind,
  type FaultMeter,
  type FaultPlan,
  installFaultyDynamo,
  randomFaults,
} from "./faulty-dynamo.js";

/**
 * The load with duplicates while DynamoDB throttles, cancels transactions for conflicts and times out
 * (before and after applying the write). Edge routes answer 5xx and the clients retry; workers retry
 * inside the exactly-once core or report the batch items that failed, and the queue redelivers them.
 * The numbers still equal the plan's, and nothing ends in a dead-letter queue.
 */
const ADMIN = "faults-admin-key-0123456789abcdef";
let target: ProductTarget | undefined;

afterEach(async () => {
  await target?.stop();
  target = undefined;
});

async function loadWithFaults(plan: FaultPlan, seed: number, appId: string) {
  const t = await inProcessTarget({ adminApiKey: ADMIN, memoryEngine: true, visibilityTimeoutSeconds: 0 });
  target = t;
  // Clients for this runtime's engine (an earlier test's are still installed), quiet until the seed is done.
  const meter: FaultMeter = installFaultyDynamo(t.dynamoEndpoint, plan);
  meter.enabled = false;
  const report = await runScenario(target, {
    adminApiKey: ADMIN,
    appId,
    receipts: 120,
    events: 60,
    seed,
    // The sends are at most once by design (an ambiguous provider call is SEND_OUTCOME_UNKNOWN); the
    // faults start with the receipts and events, whose counts must be exact whatever fails.
    afterSeed: () => {
      meter.enabled = true;
    },
  });
  return { report, meter };
}

describe("throttling, transaction conflicts and timeouts on writes", () => {
  it("inside the SDK's retries (every 2nd transaction, a quarter of other writes): counts stay exact", async () => {
    const cycle: FaultKind[] = ["conflict", "timeoutAfter", "throttle"];
    const others = randomFaults(42, 0.25, ["throttle", "timeoutBefore", "timeoutAfter"], "inside");
    const { report, meter } = await loadWithFaults(
      {
        where: "inside",
        // Every 2nd transaction attempt fails; a timeout after applying it makes the SDK send it again.
        choose: (command, n) =>
          FACT_WRITES.has(command)
            ? n % 2 === 0
              ? (cycle[(n / 2) % cycle.length] as FaultKind)
              : null
            : others.choose(command, n),
      },
      21,
      "inside",
    );
    expect(report.actual).toEqual(report.expected);
    for (const kind of ["throttle", "conflict", "timeoutBefore", "timeoutAfter"] as FaultKind[])
      expect(meter.injected[kind]).toBeGreaterThan(0);
    expect(report.parkedReceipts).toBe(0);
    for (const q of Object.values(report.queues)) expect(q.dlq).toBe(0);
  });

  it("after the SDK gave up (every 3rd transaction fails, 1 in 20 other writes): counts stay exact", async () => {
    const cycle: FaultKind[] = ["throttle", "conflict", "timeoutAfter"];
    const others = randomFaults(7, 0.05, ["throttle", "timeoutBefore", "timeoutAfter"], "outside");
    const { report, meter } = await loadWithFaults(
      {
        where: "outside",
        choose: (command, n) =>
          FACT_WRITES.has(command)
            ? n % 3 === 0
              ? (cycle[(n / 3) % cycle.length] as FaultKind)
              : null
            : others.choose(command, n),
      },
      22,
      "outside",
    );
    expect(report.actual).toEqual(report.expected);
    expect(meter.injected.conflict).toBeGreaterThan(0);
    expect(meter.injected.timeoutAfter).toBeGreaterThan(0);
    expect(report.parkedReceipts).toBe(0);
    for (const q of Object.values(report.queues)) expect(q.dlq).toBe(0);
  });
});
