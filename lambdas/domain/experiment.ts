import { createHmac, randomBytes } from "node:crypto";
import Big from "big.js";

/**
 * Campaign experiments (SPEC §2 "Experiment", §4 `experiment`): which arm a user is in, and whether a
 * variant's conversion rate differs from the reference's. Pure: no I/O and no clock (the salt comes from
 * the caller; `newExperimentSalt` is the one place that draws randomness).
 */

/** One variant of a send and its share of the treated (non-control) users, in percent. */
export interface VariantWeight {
  variantId: string;
  weight: number;
}

export type Arm = { arm: "control" } | { arm: "variant"; variantId: string };

/**
 * The arm a held-back user's facts count under (never a variant id: the request schema refuses it).
 * A treated user's facts count under their variant id; a plain message's under no arm (`null`).
 */
export const CONTROL_ARM = "control";

/** The variant id a send with a plain `message` (no `variants`) is counted under. */
export const DEFAULT_VARIANT_ID = "default";

/** The `variants` of a send that carries a plain `message`: one variant, `default`, with all treated users. */
export const PLAIN_MESSAGE_VARIANTS: readonly VariantWeight[] = Object.freeze([
  Object.freeze({ variantId: DEFAULT_VARIANT_ID, weight: 100 }),
]);

/** Largest hold-out: a control group bigger than the treated users would defeat the campaign. */
export const MAX_CONTROL_GROUP_PERCENT = 50;

/** p-values below this are reported as `significant` (two-sided test at the 5% level). */
export const SIGNIFICANCE_LEVEL = 0.05;

/**
 * A new campaign's secret salt: 32 bytes from the CSPRNG (`crypto.randomBytes`), base64url (43 chars).
 * Kept with the campaign and never shown, so nobody can work out (or steer) who lands in the control group.
 */
export function newExperimentSalt(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Checks an experiment's configuration.
 *
 * @param controlGroupPercent share of the campaign's users held back, in percent: a finite number in
 *   [0, 50] (fractions such as 2.5 are allowed).
 * @param variants at least one; ids non-empty and distinct; weights whole numbers 1–100 that sum to
 *   exactly 100 (percent of the treated users). Whole numbers keep "sums to 100" exact; a variant with
 *   weight 0 would never be sent, so it is left out instead.
 * @throws RangeError naming the first problem found.
 */
export function checkExperiment(controlGroupPercent: number, variants: readonly VariantWeight[]): void {
  if (
    !Number.isFinite(controlGroupPercent) ||
    controlGroupPercent < 0 ||
    controlGroupPercent > MAX_CONTROL_GROUP_PERCENT
  ) {
    throw new RangeError(
      `controlGroupPercent must be a number from 0 to ${MAX_CONTROL_GROUP_PERCENT}, got ${controlGroupPercent}`,
    );
  }
  if (variants.length === 0) throw new RangeError("variants must not be empty");
  const seen = new Set<string>();
  let sum = 0;
  for (const { variantId, weight } of variants) {
    if (typeof variantId !== "string" || variantId === "") {
      throw new RangeError("every variant needs a non-empty variantId");
    }
    if (seen.has(variantId)) throw new RangeError(`variantId ${variantId} appears twice`);
    seen.add(variantId);
    if (!Number.isInteger(weight) || weight < 1 || weight > 100) {
      throw new RangeError(
        `variant ${variantId}: weight must be a whole number from 1 to 100, got ${weight}`,
      );
    }
    sum += weight;
  }
  if (sum !== 100) throw new RangeError(`variant weights must sum to 100, got ${sum}`);
}

/**
 * The user's uniform draw in [0, 1) for a campaign: HMAC-SHA256 keyed with the campaign's secret `salt`
 * over (campaignId, userId), its first 53 bits divided by 2^53 (every double in [0, 1) with 53 bits of
 * precision is reachable, each with probability 2^-53). The message is a JSON array, so no two
 * (campaignId, userId) pairs share it. Same inputs give the same draw in every container and on every
 * redelivery; any other userId gives an independent draw (HMAC is a pseudorandom function of its input).
 *
 * @throws RangeError when `salt` is empty.
 */
export function experimentDraw(salt: string, campaignId: string, userId: string): number {
  if (salt === "") throw new RangeError("the experiment salt must not be empty");
  const digest = createHmac("sha256", salt)
    .update(JSON.stringify(["experiment-arm", campaignId, userId]))
    .digest();
  const high = digest.readUInt32BE(0); // 32 bits
  const low = digest.readUInt32BE(4) >>> 11; // the next 21 bits
  return (high * 2 ** 21 + low) / 2 ** 53;
}

/**
 * The arm of one user in one campaign, the same in every instance of the campaign and every redelivery.
 *
 * The draw `u = experimentDraw(salt, campaignId, userId)` lays the users on the unit interval: the first
 * `controlGroupPercent`% is the control group; the rest is split among `variants` in their order, each
 * taking `weight`% of it. E.g. 20% control and A/B at 50/50: control [0, 0.2), A [0.2, 0.6), B [0.6, 1).
 * A plain message passes `PLAIN_MESSAGE_VARIANTS` (everyone treated lands in variant `default`).
 *
 * Changing the salt, the percentage, the weights or the variants' order re-deals users: a campaign's
 * experiment must stay as it is once its first instance has sent.
 *
 * @throws RangeError for an invalid configuration (see `checkExperiment`) or an empty salt.
 */
export function assignArm(input: {
  salt: string;
  campaignId: string;
  userId: string;
  controlGroupPercent: number;
  variants: readonly VariantWeight[];
}): Arm {
  checkExperiment(input.controlGroupPercent, input.variants);
  const control = input.controlGroupPercent / 100;
  const u = experimentDraw(input.salt, input.campaignId, input.userId);
  if (u < control) return { arm: "control" };
  // Position among the treated users, in percent: [0, 100).
  const position = ((u - control) / (1 - control)) * 100;
  let upTo = 0;
  for (const { variantId, weight } of input.variants) {
    upTo += weight;
    if (position < upTo) return { arm: "variant", variantId };
  }
  // Unreachable in exact arithmetic (position < 100); guards against rounding at the very top.
  const last = input.variants[input.variants.length - 1] as VariantWeight;
  return { arm: "variant", variantId: last.variantId };
}

/** Conversions out of an attribution base (users), both whole numbers. */
export interface Proportion {
  conversions: number;
  base: number;
}

export interface Uplift {
  /** p1 − p2 in percentage points, rounded half-up to 2 decimals. */
  absolute: number | null;
  /** (p1 − p2) / p2 × 100, in percent, rounded half-up to 2 decimals; null when p2 is 0. */
  relative: number | null;
  /** Two-sided p-value of the pooled two-proportion z-test, unrounded. */
  pValue: number | null;
  /** pValue < 0.05; false whenever pValue is null. */
  significant: boolean;
}

const NO_UPLIFT: Uplift = Object.freeze({ absolute: null, relative: null, pValue: null, significant: false });

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative whole number, got ${value}`);
  }
}

/**
 * How a treated group's conversion rate p1 = x1/n1 compares with a reference's p2 = x2/n2 (a variant
 * against the control group, or against another variant).
 *
 * The p-value is the two-sided pooled two-proportion z-test without continuity correction:
 *   p̂ = (x1 + x2) / (n1 + n2),  z = (p1 − p2) / √(p̂(1 − p̂)(1/n1 + 1/n2)),  p = 2(1 − Φ(|z|)) = erfc(|z|/√2).
 * Source: NIST/SEMATECH e-Handbook of Statistical Methods §7.3.3 ("How can we determine whether two
 * processes produce the same proportion of defectives?"); A. Agresti, Categorical Data Analysis (3rd ed.,
 * 2013) §3.1 (z² is Pearson's X² for the 2×2 table). R's `prop.test(c(x1, x2), c(n1, n2), correct = FALSE)`
 * gives the same p-value. It is computed as z = (x1·n2 − x2·n1)·√N / √(n1·n2·X·(N − X)) (X = x1 + x2,
 * N = n1 + n2), the same quantity without the rounding of the intermediate rates. The normal approximation
 * is rough when a group has fewer than ~5 conversions or non-conversions; the numbers are reported as
 * computed, and the counts beside them let a reader judge.
 *
 * `absolute` and `relative` are computed exactly (decimal) from the counts, then rounded half-up to
 * 2 decimals like every rate in the analytics response.
 *
 * Where the test is undefined:
 * - either base is 0, or conversions exceed their base (possible for a date-ranged query, where unique
 *   conversions count by their own day): every field null, `significant` false;
 * - pooled variance 0, i.e. both rates 0% or both 100%: `absolute` 0, `relative` 0 (100% vs 100%) or
 *   null (0% vs 0%, p2 = 0), `pValue` null (z = 0/0; R's prop.test answers NA), `significant` false.
 * Equal rates otherwise give z = 0 and pValue exactly 1.
 *
 * @throws RangeError when a count is negative, fractional or not a safe integer.
 */
export function uplift(treated: Proportion, reference: Proportion): Uplift {
  checkCount("treated.conversions", treated.conversions);
  checkCount("treated.base", treated.base);
  checkCount("reference.conversions", reference.conversions);
  checkCount("reference.base", reference.base);
  const { conversions: x1, base: n1 } = treated;
  const { conversions: x2, base: n2 } = reference;
  if (n1 === 0 || n2 === 0 || x1 > n1 || x2 > n2) return { ...NO_UPLIFT };

  const crossDifference = new Big(x1).times(n2).minus(new Big(x2).times(n1)); // (p1 − p2)·n1·n2
  const absolute = Number(crossDifference.times(100).div(new Big(n1).times(n2)).round(2, Big.roundHalfUp));
  const relative =
    x2 === 0 ? null : Number(crossDifference.times(100).div(new Big(x2).times(n1)).round(2, Big.roundHalfUp));

  const x = x1 + x2;
  const n = n1 + n2;
  if (x === 0 || x === n) return { absolute, relative, pValue: null, significant: false };
  // |z| / √2 = |x1·n2 − x2·n1| · √(N / (2·n1·n2·X·(N − X)))
  const halfZ = Math.abs(x1 * n2 - x2 * n1) * Math.sqrt(n / (2 * n1 * n2 * x * (n - x)));
  const pValue = erfc(halfZ); // ≤ 1, and exactly 1 when z = 0
  return { absolute, relative, pValue, significant: pValue < SIGNIFICANCE_LEVEL };
}

// --- erfc: W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
// 631–638, as in his CALERF routine (netlib SPECFUN, 1990 revision). Near-minimax rational functions with
// at least 18 significant digits in exact arithmetic on three intervals; in float64 the result is within a
// few units in the last place (see docs/decisions.md "Experiments"). Cody's 18-digit coefficients are
// written here as the doubles they round to, each list highest degree first.

// erf(x) ≈ x·R(x²) for |x| ≤ 0.46875 (Cody's A, B).
const ERF_NUM = [
  0.18577770618460315, 3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694,
];
const ERF_DEN = [1, 23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
// erfc(x) ≈ exp(−x²)·R(x) for 0.46875 < x ≤ 4 (Cody's C, D).
const MID_NUM = [
  2.1531153547440383e-8, 0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001,
  881.952221241769, 1712.0476126340707, 2051.0783778260716, 1230.3393547979972,
];
const MID_DEN = [
  1, 15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];
// erfc(x) ≈ exp(−x²)/x·(1/√π − R(1/x²)/x²) for x > 4 (Cody's P, Q).
const TAIL_NUM = [
  0.016315387137302097, 0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275,
  0.0006587491615298378,
];
const TAIL_DEN = [
  1, 2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918,
];
const ONE_OVER_SQRT_PI = 0.5641895835477563;
/** Below this, x² is negligible next to 1 (Cody's XSMALL for IEEE double). */
const X_SMALL = 1.11e-16;
/** From here erfc(x) underflows to 0 (Cody's XBIG for IEEE double). */
const X_BIG = 26.543;

function horner(coefficients: readonly number[], x: number): number {
  let sum = 0;
  for (const c of coefficients) sum = sum * x + c;
  return sum;
}

/** exp(−y²) with y² split as a multiple of 1/256 plus a small rest, so the rounding of y² is not magnified. */
function expMinusSquare(y: number): number {
  const coarse = Math.trunc(y * 16) / 16;
  const rest = (y - coarse) * (y + coarse);
  return Math.exp(-coarse * coarse) * Math.exp(-rest);
}

/**
 * The complementary error function erfc(x) = 1 − erf(x) = (2/√π)∫ₓ^∞ e^(−t²) dt, for any real x
 * (NaN gives NaN; erfc(−∞) = 2, erfc(∞) = 0; 0 from x ≥ 26.543, where it underflows). W. J. Cody's rational
 * Chebyshev approximations (Math. Comp. 1969): relative error below 1e-15 wherever the result is a normal
 * double (largest seen against 40-digit mpmath over 200,000 points in [−3, 27.5]: 8.6e-16, under 4 ulps).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const ysq = y > X_SMALL ? y * y : 0;
    return 1 - (x * horner(ERF_NUM, ysq)) / horner(ERF_DEN, ysq);
  }
  let result: number;
  if (y <= 4) {
    result = (horner(MID_NUM, y) / horner(MID_DEN, y)) * expMinusSquare(y);
  } else if (y >= X_BIG) {
    result = 0;
  } else {
    const inverseSquare = 1 / (y * y);
    const correction = (inverseSquare * horner(TAIL_NUM, inverseSquare)) / horner(TAIL_DEN, inverseSquare);
    result = ((ONE_OVER_SQRT_PI - correction) / y) * expMinusSquare(y);
  }
  return x < 0 ? 2 - result : result;
}
