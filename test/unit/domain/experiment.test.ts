import Big from "big.js";
import { describe, expect, it } from "vitest";
import {
  type Arm,
  assignArm,
  checkExperiment,
  erfc,
  experimentDraw,
  newExperimentSalt,
  PLAIN_MESSAGE_VARIANTS,
  uplift,
  type VariantWeight,
} from "../../../lambdas/domain/experiment.js";

const SALT = "test-salt";

function armKey(arm: Arm): string {
  return arm.arm === "control" ? "control" : arm.variantId;
}

/** Share of each arm, in percent, over `users` synthetic users u0, u1, … */
function shares(controlGroupPercent: number, variants: VariantWeight[], users: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < users; i++) {
    const key = armKey(
      assignArm({ salt: SALT, campaignId: "bf", userId: `u${i}`, controlGroupPercent, variants }),
    );
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Map([...counts].map(([key, n]) => [key, (n / users) * 100]));
}

describe("experiment arm assignment", () => {
  it("pins the draw: HMAC-SHA256(salt, JSON [label, campaign, user]), first 53 bits / 2^53", () => {
    // Expected values computed independently with Python's hmac/hashlib:
    //   msg = json.dumps(["experiment-arm", c, u], separators=(",", ":"), ensure_ascii=False)
    //   int.from_bytes(hmac.new(salt.encode(), msg.encode(), sha256).digest()[:8], "big") >> 11
    // A change here re-deals every running experiment's users.
    expect(experimentDraw(SALT, "bf", "u1") * 2 ** 53).toBe(5090002892782172);
    expect(experimentDraw(SALT, "bf", "u2") * 2 ** 53).toBe(552902192821398);
    expect(experimentDraw("other-salt", "bf", "u1") * 2 ** 53).toBe(801955762359058);
    expect(experimentDraw(SALT, "bf", "ユーザー") * 2 ** 53).toBe(3017767450680975);
  });

  it("is deterministic: the same user lands in the same arm on every call", () => {
    const variants = [
      { variantId: "A", weight: 50 },
      { variantId: "B", weight: 50 },
    ];
    for (let i = 0; i < 200; i++) {
      const input = { salt: SALT, campaignId: "bf", userId: `u${i}`, controlGroupPercent: 20, variants };
      const first = assignArm(input);
      for (let k = 0; k < 3; k++) expect(assignArm({ ...input, variants: [...variants] })).toEqual(first);
    }
  });

  it("draws lie in [0, 1) on the 2^-53 grid", () => {
    for (let i = 0; i < 1000; i++) {
      const u = experimentDraw(SALT, "bf", `u${i}`);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(Number.isInteger(u * 2 ** 53)).toBe(true);
    }
  });

  it("depends on the salt and the campaign: another salt or campaign re-deals users", () => {
    const variants = [
      { variantId: "A", weight: 50 },
      { variantId: "B", weight: 50 },
    ];
    const arm = (salt: string, campaignId: string, userId: string) =>
      armKey(assignArm({ salt, campaignId, userId, controlGroupPercent: 20, variants }));
    let sameSalt = 0;
    let sameCampaign = 0;
    const users = 10_000;
    for (let i = 0; i < users; i++) {
      if (arm(SALT, "bf", `u${i}`) === arm("other-salt", "bf", `u${i}`)) sameSalt++;
      if (arm(SALT, "bf", `u${i}`) === arm(SALT, "bf2", `u${i}`)) sameCampaign++;
    }
    // Independent deals agree with probability 0.2² + 0.4² + 0.4² = 0.36.
    expect(Math.abs(sameSalt / users - 0.36)).toBeLessThan(0.02);
    expect(Math.abs(sameCampaign / users - 0.36)).toBeLessThan(0.02);
  });

  it("gives users whose ids differ independent draws (no correlation between neighbours)", () => {
    const n = 20_000;
    const draws = Array.from({ length: n }, (_, i) => experimentDraw(SALT, "bf", `u${i}`));
    const mean = draws.reduce((a, b) => a + b, 0) / n;
    let cov = 0;
    let variance = 0;
    for (let i = 0; i < n - 1; i++) {
      cov += ((draws[i] as number) - mean) * ((draws[i + 1] as number) - mean);
      variance += ((draws[i] as number) - mean) ** 2;
    }
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(cov / variance)).toBeLessThan(0.03); // ~4 standard errors of a zero correlation
  });

  it.each([
    { control: 20, variants: [50, 50] },
    { control: 0, variants: [70, 30] },
    { control: 50, variants: [34, 33, 33] },
    { control: 10, variants: [100] },
  ])("splits 100,000 users within 1% of $control% control + $variants", ({ control, variants }) => {
    const config = variants.map((weight, i) => ({ variantId: `V${i}`, weight }));
    const got = shares(control, config, 100_000);
    expect(Math.abs((got.get("control") ?? 0) - control)).toBeLessThan(1);
    for (const { variantId, weight } of config) {
      const expected = ((100 - control) * weight) / 100;
      expect(Math.abs((got.get(variantId) ?? 0) - expected)).toBeLessThan(1);
    }
  });

  it("lays arms on the unit interval in order: control first, then variants by weight", () => {
    // Users sorted by their draw must see the arms in configuration order.
    const variants = [
      { variantId: "A", weight: 25 },
      { variantId: "B", weight: 75 },
    ];
    const order = ["control", "A", "B"];
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const userId = `u${i}`;
      const key = armKey(
        assignArm({ salt: SALT, campaignId: "bf", userId, controlGroupPercent: 20, variants }),
      );
      return { u: experimentDraw(SALT, "bf", userId), rank: order.indexOf(key) };
    }).sort((a, b) => a.u - b.u);
    for (let i = 1; i < rows.length; i++) {
      expect((rows[i] as { rank: number }).rank).toBeGreaterThanOrEqual(
        (rows[i - 1] as { rank: number }).rank,
      );
    }
    // u1's draw is 0.5651… (pinned above): past 0.2 control and 0.2 + 0.8·0.25 = 0.4 for A, so B.
    expect(
      assignArm({ salt: SALT, campaignId: "bf", userId: "u1", controlGroupPercent: 20, variants }),
    ).toEqual({
      arm: "variant",
      variantId: "B",
    });
    // u2's draw is 0.0613…: control.
    expect(
      assignArm({ salt: SALT, campaignId: "bf", userId: "u2", controlGroupPercent: 20, variants }),
    ).toEqual({
      arm: "control",
    });
  });

  it("puts every treated user of a plain message in variant `default`", () => {
    const got = shares(0, [...PLAIN_MESSAGE_VARIANTS], 1000);
    expect([...got]).toEqual([["default", 100]]);
    const withControl = shares(10, [...PLAIN_MESSAGE_VARIANTS], 1000);
    expect([...withControl.keys()].sort()).toEqual(["control", "default"]);
  });

  it.each([
    [-1, [{ variantId: "A", weight: 100 }], /controlGroupPercent/],
    [50.5, [{ variantId: "A", weight: 100 }], /controlGroupPercent/],
    [Number.NaN, [{ variantId: "A", weight: 100 }], /controlGroupPercent/],
    [10, [], /must not be empty/],
    [
      10,
      [
        { variantId: "A", weight: 50 },
        { variantId: "B", weight: 40 },
      ],
      /sum to 100, got 90/,
    ],
    [
      10,
      [
        { variantId: "A", weight: 50 },
        { variantId: "A", weight: 50 },
      ],
      /appears twice/,
    ],
    [
      10,
      [
        { variantId: "A", weight: 100 },
        { variantId: "B", weight: 0 },
      ],
      /whole number from 1 to 100/,
    ],
    [
      10,
      [
        { variantId: "A", weight: 33.5 },
        { variantId: "B", weight: 66.5 },
      ],
      /whole number/,
    ],
    [10, [{ variantId: "", weight: 100 }], /non-empty variantId/],
  ])("rejects control %s with variants %j", (control, variants, message) => {
    expect(() => checkExperiment(control, variants)).toThrow(message);
    expect(() =>
      assignArm({ salt: SALT, campaignId: "bf", userId: "u1", controlGroupPercent: control, variants }),
    ).toThrow(RangeError);
  });

  it("accepts the boundaries 0% and 50% and rejects an empty salt", () => {
    expect(() => checkExperiment(0, PLAIN_MESSAGE_VARIANTS)).not.toThrow();
    expect(() => checkExperiment(50, PLAIN_MESSAGE_VARIANTS)).not.toThrow();
    expect(() =>
      assignArm({
        salt: "",
        campaignId: "bf",
        userId: "u1",
        controlGroupPercent: 0,
        variants: PLAIN_MESSAGE_VARIANTS,
      }),
    ).toThrow(/salt/);
  });

  it("makes 32-byte base64url salts that differ every time", () => {
    const a = newExperimentSalt();
    const b = newExperimentSalt();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, "base64url")).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

// --- An independent high-precision reference: 150 significant decimals with big.js (its own constructor,
// so the app's Big configuration is untouched). π by Machin's formula π = 16·atan(1/5) − 4·atan(1/239);
// erf by its Maclaurin series erf(x) = (2/√π)·Σ (−1)^k x^(2k+1) / (k!·(2k+1)) (Abramowitz & Stegun 7.1.5),
// summed until the terms fall below 1e-145; erfc = 1 − erf. The largest term is below e^(x²), so for
// x ≤ 11 (erfc down to 1e-54) more than 35 significant digits survive the cancellation. The p-value's z² is a ratio of integers,
// so the whole chain from counts to p-value is computed without any float64 arithmetic.
const HP = Big();
HP.DP = 150;

function atanInverse(k: number): Big {
  const k2 = new HP(k * k);
  let power = new HP(1).div(k); // 1/k^(2n+1)
  let sum = new HP(0);
  for (let n = 0; power.gt(new HP("1e-150")); n++) {
    const term = power.div(2 * n + 1);
    sum = n % 2 === 0 ? sum.plus(term) : sum.minus(term);
    power = power.div(k2);
  }
  return sum;
}

const PI = atanInverse(5).times(16).minus(atanInverse(239).times(4));

function referenceErfc(x: Big): Big {
  const x2 = x.times(x);
  let power = x; // x^(2k+1) / k!
  let sum = new HP(0);
  const epsilon = new HP("1e-145");
  for (let k = 0; ; k++) {
    const term = power.div(2 * k + 1);
    sum = k % 2 === 0 ? sum.plus(term) : sum.minus(term);
    if (k > x2.toNumber() && term.abs().lt(epsilon)) break;
    power = power.times(x2).div(k + 1);
  }
  return new HP(1).minus(sum.times(2).div(PI.sqrt()));
}

/** p = erfc(|z|/√2) with z² = (x1·n2 − x2·n1)²·N / (n1·n2·X·(N − X)), exactly, then the series. */
function referencePValue(x1: number, n1: number, x2: number, n2: number): Big {
  const x = x1 + x2;
  const n = n1 + n2;
  const cross = new HP(x1).times(n2).minus(new HP(x2).times(n1));
  const zSquared = cross
    .times(cross)
    .times(n)
    .div(
      new HP(n1)
        .times(n2)
        .times(x)
        .times(n - x),
    );
  return referenceErfc(zSquared.div(2).sqrt());
}

function relativeError(actual: number, expected: Big): number {
  return Math.abs(new HP(actual).minus(expected).div(expected).toNumber());
}

describe("erfc (Cody 1969)", () => {
  it("computes π to 60 digits for the reference", () => {
    expect(PI.toFixed(60)).toBe("3.141592653589793238462643383279502884197169399375105820974945");
  });

  // Dyadic arguments, so the float64 argument and the decimal one are the same number. The values beside
  // them are mpmath's erfc at 50 digits (a third, separate implementation), shown for the reader.
  it.each([
    [0, "1"],
    [0.25, "0.72367360983176306701"],
    [0.5, "0.47950012218695346232"],
    [1, "0.15729920705028513066"],
    [2, "0.0046777349810472658379"],
    [3.5, "7.4309837234141274552e-7"],
    [4.25, "1.8505741373867425201e-9"],
    [6, "2.1519736712498913117e-17"],
    [10, "2.088487583762544757e-45"],
    [-1, "1.8427007929497148693"],
  ])("erfc(%s) = %s to 1e-15 relative", (x, mpmath) => {
    const reference = referenceErfc(new HP(x));
    expect(relativeError(Number(mpmath), reference)).toBeLessThan(1e-15); // the reference agrees
    expect(relativeError(erfc(x), reference)).toBeLessThan(1e-15);
  });

  it("handles the ends of its range", () => {
    expect(erfc(Number.POSITIVE_INFINITY)).toBe(0);
    expect(erfc(Number.NEGATIVE_INFINITY)).toBe(2);
    expect(erfc(30)).toBe(0);
    expect(erfc(1e-300)).toBe(1);
    expect(erfc(Number.NaN)).toBeNaN();
  });
});

describe("uplift (pooled two-proportion z-test)", () => {
  // p-values for x1/n1 against x2/n2. `expected` is the 20-digit value from mpmath (erfc(sqrt(z²/2)) with
  // z² from the integer formula, 50 digits); each is recomputed in-test by the big.js series above.
  // The first row is also a published R run: influentialpoints.com/notes/n9rmf3.htm prints
  // prop.test(correct = FALSE) on proportions 0.4392523 = 94/214 and 0.3046875 = 39/128 as
  // "X-squared = 6.1026, df = 1, p-value = 0.01350" with the 95% interval 0.03074072 to 0.23838896,
  // which these counts reproduce to every printed digit.
  const cases: Array<[number, number, number, number, string]> = [
    [94, 214, 39, 128, "0.013498293163892139083"],
    [15, 50, 25, 50, "0.041226833337163694197"],
    [120, 1000, 100, 1000, "0.15291778186394596974"],
    [530, 10_000, 480, 10_000, "0.10639985517542965497"],
    [2, 20, 9, 30, "0.094428916380074020529"],
    [1500, 20_000, 1200, 20_000, "2.2476973434187610547e-9"],
    [31, 1000, 30, 1000, "0.89653851931006135926"],
    [1, 1, 0, 1, "0.15729920705028513066"],
    [400, 1000, 100, 1000, "3.932833179348513111e-54"],
  ];

  it.each(cases)("%i/%i vs %i/%i: p = %s", (x1, n1, x2, n2, expected) => {
    const reference = referencePValue(x1, n1, x2, n2);
    expect(relativeError(Number(expected), reference)).toBeLessThan(1e-15);
    const { pValue, significant } = uplift({ conversions: x1, base: n1 }, { conversions: x2, base: n2 });
    expect(pValue).not.toBeNull();
    expect(Math.abs((pValue as number) - reference.toNumber())).toBeLessThan(1e-6);
    expect(relativeError(pValue as number, reference)).toBeLessThan(1e-12);
    expect(significant).toBe((pValue as number) < 0.05);
    // Symmetric: swapping the groups keeps the two-sided p-value.
    const swapped = uplift({ conversions: x2, base: n2 }, { conversions: x1, base: n1 }).pValue;
    expect(relativeError(swapped as number, reference)).toBeLessThan(1e-12);
  });

  it("matches R's printed output for the published example", () => {
    const { pValue } = uplift({ conversions: 94, base: 214 }, { conversions: 39, base: 128 });
    expect(Math.abs((pValue as number) - 0.0135)).toBeLessThan(5e-6); // printed to 4 significant digits
  });

  it("reports absolute (points) and relative (%) differences rounded to 2 decimals", () => {
    // 12% vs 10%: +2 points, +20%.
    expect(uplift({ conversions: 120, base: 1000 }, { conversions: 100, base: 1000 })).toEqual({
      absolute: 2,
      relative: 20,
      pValue: expect.any(Number),
      significant: false,
    });
    // 1500/20000 = 7.5% vs 6%: +1.5 points, +25%, p ≈ 2.2e-9.
    expect(uplift({ conversions: 1500, base: 20_000 }, { conversions: 1200, base: 20_000 })).toMatchObject({
      absolute: 1.5,
      relative: 25,
      significant: true,
    });
    // Exact decimals, then half-up: 2/3 vs 1/3 is 33.333… points (+100%); 1/8 vs 1/3 is −20.8333… points
    // (−62.5%); 1/6 vs 1/7 is 2.3809… points (+16.666…%).
    expect(uplift({ conversions: 2, base: 3 }, { conversions: 1, base: 3 })).toMatchObject({
      absolute: 33.33,
      relative: 100,
    });
    expect(uplift({ conversions: 1, base: 8 }, { conversions: 1, base: 3 })).toMatchObject({
      absolute: -20.83,
      relative: -62.5,
    });
    expect(uplift({ conversions: 1, base: 6 }, { conversions: 1, base: 7 })).toMatchObject({
      absolute: 2.38,
      relative: 16.67,
    });
  });

  it("gives p = 1 for equal rates", () => {
    expect(uplift({ conversions: 50, base: 1000 }, { conversions: 100, base: 2000 })).toEqual({
      absolute: 0,
      relative: 0,
      pValue: 1,
      significant: false,
    });
  });

  it("answers null where the test is undefined", () => {
    const none = { absolute: null, relative: null, pValue: null, significant: false };
    expect(uplift({ conversions: 0, base: 0 }, { conversions: 5, base: 100 })).toEqual(none);
    expect(uplift({ conversions: 5, base: 100 }, { conversions: 0, base: 0 })).toEqual(none);
    expect(uplift({ conversions: 0, base: 0 }, { conversions: 0, base: 0 })).toEqual(none);
    // Conversions above their base (a date-ranged query can count a conversion whose base fact is outside).
    expect(uplift({ conversions: 12, base: 10 }, { conversions: 5, base: 100 })).toEqual(none);
    // 0% vs 0%: no difference, no relative change (p2 = 0), no test (pooled variance 0).
    expect(uplift({ conversions: 0, base: 500 }, { conversions: 0, base: 100 })).toEqual({
      absolute: 0,
      relative: null,
      pValue: null,
      significant: false,
    });
    // 100% vs 100%.
    expect(uplift({ conversions: 7, base: 7 }, { conversions: 3, base: 3 })).toEqual({
      absolute: 0,
      relative: 0,
      pValue: null,
      significant: false,
    });
    // Against a 0% reference the test exists but the relative change does not.
    const fromZero = uplift({ conversions: 10, base: 100 }, { conversions: 0, base: 100 });
    expect(fromZero.relative).toBeNull();
    expect(fromZero.absolute).toBe(10);
    expect(relativeError(fromZero.pValue as number, referencePValue(10, 100, 0, 100))).toBeLessThan(1e-12);
    expect(fromZero.pValue).toBeCloseTo(0.00117687, 8); // mpmath: 0.0011768659106247395578
    expect(fromZero.significant).toBe(true);
  });

  it("handles tiny groups without dividing by zero", () => {
    // 1/1 vs 0/1: z = √2, p = erfc(1).
    expect(uplift({ conversions: 1, base: 1 }, { conversions: 0, base: 1 })).toMatchObject({
      absolute: 100,
      relative: null,
      significant: false,
    });
    expect(uplift({ conversions: 0, base: 1 }, { conversions: 1, base: 1 }).relative).toBe(-100);
    expect(uplift({ conversions: 1, base: 2 }, { conversions: 1, base: 2 }).pValue).toBe(1);
  });

  it.each([
    [
      { conversions: -1, base: 10 },
      { conversions: 1, base: 10 },
    ],
    [
      { conversions: 1.5, base: 10 },
      { conversions: 1, base: 10 },
    ],
    [
      { conversions: 1, base: Number.NaN },
      { conversions: 1, base: 10 },
    ],
    [
      { conversions: 1, base: 10 },
      { conversions: 1, base: Number.POSITIVE_INFINITY },
    ],
  ])("rejects invalid counts %j vs %j", (treated, reference) => {
    expect(() => uplift(treated, reference)).toThrow(RangeError);
  });
});
