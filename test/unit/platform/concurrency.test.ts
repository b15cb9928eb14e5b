import { describe, expect, it } from "vitest";
import { forEachLimit } from "../../../lambdas/platform/concurrency.js";

describe("forEachLimit", () => {
  it("keeps at most `limit` calls in flight and visits every item", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      seen.push(n);
      inFlight--;
    });
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("after a failure starts nothing new, lets the calls in flight finish, then throws the first error", async () => {
    const finished: number[] = [];
    const run = forEachLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      if (n === 1) throw new Error("first");
      await new Promise((r) => setImmediate(r));
      finished.push(n);
    });
    await expect(run).rejects.toThrow("first");
    expect(finished).toEqual([2]);
  });
});
