/**
 * Sent→delivered latency is counted into fixed buckets at delivery time (one counter field each), so
 * percentiles over any range come from summed buckets, at a cost independent of the number of messages.
 * Upper bounds in seconds; a percentile is reported as the upper bound of the bucket that holds it.
 */
export const LATENCY_BOUNDS_SECONDS = [
  1, 2, 5, 10, 15, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400,
  172800, 259200, 604800,
] as const;

/** Index of the bucket a latency falls into; the last index is "more than a week". */
export function latencyBucket(latencyMs: number): number {
  const seconds = Math.max(0, latencyMs) / 1000;
  const i = LATENCY_BOUNDS_SECONDS.findIndex((bound) => seconds <= bound);
  return i === -1 ? LATENCY_BOUNDS_SECONDS.length : i;
}

/** The p-th percentile (0 < p ≤ 100) from bucket counts, as the bucket's upper bound; null without data. */
export function percentileSeconds(counts: Map<number, number>, p: number): number | null {
  const totalCount = [...counts.values()].reduce((a, b) => a + b, 0);
  if (totalCount === 0) return null;
  const rank = Math.ceil((p / 100) * totalCount);
  let seen = 0;
  const indexes = [...counts.keys()].sort((a, b) => a - b);
  for (const i of indexes) {
    seen += counts.get(i) ?? 0;
    if (seen >= rank)
      return LATENCY_BOUNDS_SECONDS[i] ?? LATENCY_BOUNDS_SECONDS[LATENCY_BOUNDS_SECONDS.length - 1] ?? null;
  }
  return null;
}
