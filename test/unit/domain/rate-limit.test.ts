import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../lambdas/domain/rate-limit.js";

describe("per-connector send rate limit", () => {
  it("lets a burst of `rate` through, then one send per 1/rate seconds", async () => {
    let now = 0;
    const slept: number[] = [];
    const limiter = new RateLimiter(
      5,
      () => now,
      async (ms) => {
        slept.push(ms);
        now += ms;
      },
    );
    for (let i = 0; i < 5; i++) await limiter.take();
    expect(now).toBe(0);
    for (let i = 0; i < 10; i++) await limiter.take();
    expect(now).toBe(2_000); // 10 more at 5 per second
    expect(slept.every((ms) => ms === 200)).toBe(true);
  });

  it("refills while idle, but never beyond one second's burst", async () => {
    let now = 0;
    const limiter = new RateLimiter(
      2,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    await limiter.take();
    await limiter.take();
    now += 60_000;
    await limiter.take();
    await limiter.take();
    const before = now;
    await limiter.take();
    expect(now - before).toBe(500);
  });
});
