import { createHash } from "node:crypto";
import type { SandboxConfig, SandboxDelays, SandboxFailure } from "./connector.js";

/**
 * The sandbox connector's behaviour as a pure function of its settings and the message id: whether a
 * message is delivered, fails (and how) or stays in transit, and when its receipts come. Deterministic
 * per message — the same id and settings always give the same plan — so tests can predict outcomes and
 * a redelivered send job would schedule the same receipts. No I/O, no clock.
 */

/**
 * Default failures, modelled on what a Sinch account receives (PROVIDERS.md, Sinch): operator codes
 * passed through with status `Failed` — GSM MAP error values (3GPP TS 29.002: 1 unknownSubscriber,
 * 13 callBarred, 27 absentSubscriber, 31 subscriberBusyForMT-SMS, 34 systemFailure) — Sinch's own
 * abort codes with status `Aborted` (402 unroutable, 406 internal expiry, 413 blocked; Sinch "Delivery
 * report error codes"), and `Unknown` (the operator sent no receipt). Weights are shares of the failures.
 */
export const SANDBOX_DEFAULT_FAILURES: readonly SandboxFailure[] = Object.freeze([
  {
    code: 27,
    status: "Failed",
    description: "absent subscriber (handset off or out of coverage)",
    weight: 30,
  },
  { code: 1, status: "Failed", description: "unknown subscriber", weight: 20 },
  { code: 402, status: "Aborted", description: "unroutable", weight: 10 },
  { code: 13, status: "Failed", description: "call barred", weight: 8 },
  { code: 406, status: "Aborted", description: "internal expiry", weight: 8 },
  { code: 0, status: "Unknown", description: "no delivery receipt from the operator", weight: 8 },
  { code: 31, status: "Failed", description: "subscriber busy for MT SMS", weight: 6 },
  { code: 413, status: "Aborted", description: "blocked", weight: 6 },
  { code: 34, status: "Failed", description: "system failure in the destination network", weight: 4 },
] satisfies SandboxFailure[]);

/** Realistic defaults: most receipts within seconds, a tail of minutes, a few messages never settled. */
export const SANDBOX_DEFAULTS: Readonly<SandboxConfig> = Object.freeze({
  deliveryRate: 0.9,
  stuckRate: 0.02,
  failures: SANDBOX_DEFAULT_FAILURES.map((f) => ({ ...f })),
  delaySeconds: { median: 5, p90: 30, max: 600 },
  inTransitReceipts: true,
});

/** No receipt comes sooner than this after the send (the queue's delays are whole seconds). */
export const SANDBOX_MIN_DELAY_SECONDS = 1;
/** The longest `delaySeconds.max` allowed: a day (receipts wait in the queue in hops of ≤ 15 min). */
export const SANDBOX_MAX_DELAY_SECONDS = 86_400;
/** The in-transit (`Dispatched`) receipt comes this many seconds after the send, uniformly spread. */
export const SANDBOX_DISPATCHED_SECONDS = { from: 1, to: 3 } as const;

export type SandboxOutcome =
  | { kind: "delivered" }
  | { kind: "failed"; failure: SandboxFailure }
  /** No final receipt ever comes: the message stays in transit. */
  | { kind: "stuck" };

/** What the sandbox reports for one message. */
export interface SandboxPlan {
  outcome: SandboxOutcome;
  /** Seconds (ms precision) from the send to the final receipt; null when stuck. */
  finalAfterSeconds: number | null;
  /**
   * Seconds (ms precision) from the send to a `Dispatched` receipt; null without one (setting off, or
   * the final receipt comes first — Sinch may skip intermediate statuses).
   */
  dispatchedAfterSeconds: number | null;
}

/** z such that P(Z ≤ z) = 0.9 for a standard normal Z. */
const Z90 = 1.2815515655446004;

/**
 * Six uniform numbers in (0, 1) from SHA-256("sandbox\n" + messageId): the message's own dice.
 * 32 bits each, offset by half a step so that none is 0 or 1 (log and Box–Muller need that).
 */
function dice(messageId: string): number[] {
  const digest = createHash("sha256").update(`sandbox\n${messageId}`, "utf8").digest();
  return Array.from({ length: 6 }, (_, i) => (digest.readUInt32BE(i * 4) + 0.5) / 2 ** 32);
}

/**
 * A delay drawn from the log-normal through `median` and `p90` (ln d ~ N(ln median, σ) with
 * σ = ln(p90 / median) / z₀.₉), clamped to [SANDBOX_MIN_DELAY_SECONDS, max]; Box–Muller from two uniforms.
 */
export function logNormalDelay(delays: SandboxDelays, u1: number, u2: number): number {
  const sigma = Math.log(delays.p90 / delays.median) / Z90;
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  const seconds = delays.median * Math.exp(sigma * z);
  const clamped = Math.min(delays.max, Math.max(SANDBOX_MIN_DELAY_SECONDS, seconds));
  return Math.round(clamped * 1000) / 1000;
}

/** The failure at cumulative share `u` (0–1) of the weights, in list order. */
function pickFailure(failures: readonly SandboxFailure[], u: number): SandboxFailure {
  const total = failures.reduce((sum, f) => sum + f.weight, 0);
  let point = u * total;
  for (const f of failures) {
    if (point < f.weight) return f;
    point -= f.weight;
  }
  const last = failures.at(-1);
  if (!last) throw new RangeError("a sandbox connector needs at least one failure");
  return last;
}

/**
 * The plan for one message: stuck with probability `stuckRate`; otherwise delivered with probability
 * `deliveryRate`, else one of `failures` by weight; the final receipt after a log-normal delay
 * (logNormalDelay); a `Dispatched` receipt 1–3 s after the send when `inTransitReceipts` is on and it
 * comes before the final one (or the message is stuck).
 *
 * @param config settings as the connector schema validated them (rates in [0, 1], at least one
 *   failure with a positive weight, 1 ≤ median ≤ p90 ≤ max).
 * @param messageId our message id: the only source of randomness, so the plan is the same every time.
 * @throws RangeError when a message must fail and `failures` is empty (the schema never allows it)
 */
export function sandboxPlan(config: SandboxConfig, messageId: string): SandboxPlan {
  const [uStuck = 0.5, uDelivered = 0.5, uFailure = 0.5, uDelay1 = 0.5, uDelay2 = 0.5, uDispatch = 0.5] =
    dice(messageId);
  const { from, to } = SANDBOX_DISPATCHED_SECONDS;
  const dispatched = Math.round((from + (to - from) * uDispatch) * 1000) / 1000;
  if (uStuck < config.stuckRate) {
    return {
      outcome: { kind: "stuck" },
      finalAfterSeconds: null,
      dispatchedAfterSeconds: config.inTransitReceipts ? dispatched : null,
    };
  }
  const outcome: SandboxOutcome =
    uDelivered < config.deliveryRate
      ? { kind: "delivered" }
      : { kind: "failed", failure: pickFailure(config.failures, uFailure) };
  const finalAfterSeconds = logNormalDelay(config.delaySeconds, uDelay1, uDelay2);
  return {
    outcome,
    finalAfterSeconds,
    dispatchedAfterSeconds: config.inTransitReceipts && dispatched < finalAfterSeconds ? dispatched : null,
  };
}
