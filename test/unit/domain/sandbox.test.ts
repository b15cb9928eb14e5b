import { describe, expect, it } from "vitest";
import type { SandboxConfig } from "../../../lambdas/domain/connector.js";
import {
  logNormalDelay,
  SANDBOX_DEFAULTS,
  type SandboxPlan,
  sandboxPlan,
} from "../../../lambdas/domain/sandbox.js";

const N = 10_000;
const ids = Array.from({ length: N }, (_, i) => `app:camp:i1:user-${i}`);

function config(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  return {
    ...SANDBOX_DEFAULTS,
    failures: SANDBOX_DEFAULTS.failures.map((f) => ({ ...f })),
    delaySeconds: { ...SANDBOX_DEFAULTS.delaySeconds },
    ...overrides,
  };
}

function plans(c: SandboxConfig): SandboxPlan[] {
  return ids.map((id) => sandboxPlan(c, id));
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

describe("sandboxPlan", () => {
  it("is deterministic per message id: the same id and settings always give the same plan", () => {
    const c = config();
    for (const id of ids.slice(0, 200)) expect(sandboxPlan(c, id)).toEqual(sandboxPlan(config(), id));
    const distinct = new Set(ids.slice(0, 200).map((id) => JSON.stringify(sandboxPlan(c, id))));
    expect(distinct.size).toBeGreaterThan(150);
  });

  it("keeps a message's dice when a rate changes: raising deliveryRate only turns failures into deliveries", () => {
    const low = config({ deliveryRate: 0.5 });
    const high = config({ deliveryRate: 0.8 });
    for (const id of ids.slice(0, 2_000)) {
      const a = sandboxPlan(low, id);
      const b = sandboxPlan(high, id);
      if (a.outcome.kind === "delivered") expect(b.outcome.kind).toBe("delivered");
      expect(b.finalAfterSeconds).toBe(a.finalAfterSeconds);
    }
  });

  it("with the defaults, over 10,000 messages: ~2% stuck, ~90% of final receipts delivered, failures by weight", () => {
    const all = plans(config());
    const stuck = all.filter((p) => p.outcome.kind === "stuck").length / N;
    expect(stuck).toBeGreaterThan(0.015);
    expect(stuck).toBeLessThan(0.025);
    const finals = all.filter((p) => p.outcome.kind !== "stuck");
    const delivered = finals.filter((p) => p.outcome.kind === "delivered").length / finals.length;
    expect(delivered).toBeGreaterThan(0.89);
    expect(delivered).toBeLessThan(0.91);

    const failed = finals.flatMap((p) => (p.outcome.kind === "failed" ? [p.outcome.failure.code] : []));
    const totalWeight = SANDBOX_DEFAULTS.failures.reduce((s, f) => s + f.weight, 0);
    for (const f of SANDBOX_DEFAULTS.failures) {
      const share = failed.filter((code) => code === f.code).length / failed.length;
      // ~980 failures: a share's standard error is at most 1.6 points; 4 points is ~2.5 of them.
      expect(Math.abs(share - f.weight / totalWeight), `code ${f.code}`).toBeLessThan(0.04);
    }
  });

  it("spreads final receipts log-normally: median and p90 as configured, never below 1 s or above max", () => {
    const delays = plans(config())
      .flatMap((p) => (p.finalAfterSeconds === null ? [] : [p.finalAfterSeconds]))
      .sort((a, b) => a - b);
    expect(Math.abs(quantile(delays, 0.5) - 5) / 5).toBeLessThan(0.05);
    expect(Math.abs(quantile(delays, 0.9) - 30) / 30).toBeLessThan(0.07);
    expect(delays[0]).toBeGreaterThanOrEqual(1);
    expect(delays.at(-1)).toBeLessThanOrEqual(600);
    // Seconds to minutes: a real tail past a minute.
    expect(delays.filter((d) => d > 60).length).toBeGreaterThan(N * 0.01);
  });

  it("caps delays at max and draws the same delay for every outcome", () => {
    const capped = plans(config({ delaySeconds: { median: 10, p90: 50, max: 60 } }));
    const delays = capped.flatMap((p) => (p.finalAfterSeconds === null ? [] : [p.finalAfterSeconds]));
    expect(Math.max(...delays)).toBe(60);
    expect(delays.filter((d) => d === 60).length).toBeGreaterThan(0);
    const fixed = plans(config({ delaySeconds: { median: 7, p90: 7, max: 7 } }));
    expect(new Set(fixed.map((p) => p.finalAfterSeconds).filter((d) => d !== null))).toEqual(new Set([7]));
  });

  it("honours the edges: all delivered, none delivered, all stuck", () => {
    const allDelivered = plans(config({ deliveryRate: 1, stuckRate: 0 }));
    expect(allDelivered.every((p) => p.outcome.kind === "delivered")).toBe(true);
    const noneDelivered = plans(config({ deliveryRate: 0, stuckRate: 0 }));
    expect(noneDelivered.every((p) => p.outcome.kind === "failed")).toBe(true);
    const allStuck = plans(config({ stuckRate: 1 }));
    expect(allStuck.every((p) => p.outcome.kind === "stuck" && p.finalAfterSeconds === null)).toBe(true);
  });

  it("picks a single configured failure every time", () => {
    const only = { code: 7, status: "Rejected" as const, weight: 1 };
    const failed = plans(config({ deliveryRate: 0, stuckRate: 0, failures: [only] }));
    expect(failed.every((p) => p.outcome.kind === "failed" && p.outcome.failure.code === 7)).toBe(true);
  });

  it("plans a Dispatched receipt 1–3 s after the send, before the final one, only when asked", () => {
    const withTransit = plans(config());
    for (const p of withTransit) {
      if (p.dispatchedAfterSeconds === null) {
        // Skipped only when the final receipt comes first (Sinch may skip intermediate statuses).
        expect(p.finalAfterSeconds).not.toBeNull();
        continue;
      }
      expect(p.dispatchedAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(p.dispatchedAfterSeconds).toBeLessThanOrEqual(3);
      if (p.finalAfterSeconds !== null) expect(p.dispatchedAfterSeconds).toBeLessThan(p.finalAfterSeconds);
    }
    const stuck = withTransit.filter((p) => p.outcome.kind === "stuck");
    expect(stuck.every((p) => p.dispatchedAfterSeconds !== null)).toBe(true);
    expect(plans(config({ inTransitReceipts: false })).every((p) => p.dispatchedAfterSeconds === null)).toBe(
      true,
    );
  });
});

describe("logNormalDelay", () => {
  it("maps the median uniform to the median and the 90th percentile to p90", () => {
    const delays = { median: 5, p90: 30, max: 600 };
    // Box–Muller with u2 = 0 gives z = sqrt(-2 ln u1): z = 0 at u1 = 1, z = 1.2816 at u1 = exp(-z²/2).
    expect(logNormalDelay(delays, 1 - 1e-12, 0)).toBeCloseTo(5, 3);
    expect(logNormalDelay(delays, Math.exp(-(1.2815515655446004 ** 2) / 2), 0)).toBeCloseTo(30, 2);
  });
});
