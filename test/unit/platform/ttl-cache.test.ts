import { describe, expect, it } from "vitest";
import { TtlCache } from "../../../lambdas/platform/ttl-cache.js";

describe("TtlCache", () => {
  it("loads once per key within the time to live, again after it", async () => {
    const cache = new TtlCache<number>(1_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get("a", 0, load)).toBe(1);
    expect(await cache.get("a", 999, load)).toBe(1);
    expect(await cache.get("a", 1_000, load)).toBe(2);
  });

  it("forgets failures and refused values, and drops the oldest entry when full", async () => {
    const cache = new TtlCache<string | undefined>(10_000, 2);
    await expect(cache.get("x", 0, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("x", 1, async () => "up")).toBe("up");
    expect(
      await cache.get(
        "miss",
        2,
        async () => undefined,
        (v) => v !== undefined,
      ),
    ).toBeUndefined();
    expect(
      await cache.get(
        "miss",
        3,
        async () => "found",
        (v) => v !== undefined,
      ),
    ).toBe("found");
    await cache.get("third", 4, async () => "3"); // x is the oldest and goes
    expect(await cache.get("x", 5, async () => "reloaded")).toBe("reloaded");
  });

  it("keeps at most its bound, evicting the least recently used", async () => {
    const cache = new TtlCache<string>(60_000, 2);
    await cache.get("a", 0, async () => "a");
    await cache.get("b", 0, async () => "b");
    expect(await cache.get("a", 0, async () => "a2")).toBe("a"); // a is now the most recent
    await cache.get("c", 0, async () => "c");
    expect(cache.size).toBe(2);
    expect(await cache.get("b", 0, async () => "b2")).toBe("b2"); // b was evicted
    expect(await cache.get("c", 0, async () => "c2")).toBe("c");
  });

  it("forgets entries older than its age limit", async () => {
    const cache = new TtlCache<string>(60_000, 10);
    await cache.get("a", 0, async () => "a");
    expect(await cache.get("a", 59_999, async () => "reloaded")).toBe("a");
    expect(await cache.get("a", 120_001, async () => "reloaded")).toBe("reloaded");
  });
});
