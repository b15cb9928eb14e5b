/**
 * Failures that say nothing about a write's condition: throttling, a transaction in flight on the same
 * item, a timeout (the write may or may not have happened). The SDK retries some of them; it does not
 * retry transaction conflicts, and it gives up after its own attempts. Every store write goes through
 * `retryTransient`, so a burst of such failures costs latency, not a failed batch.
 */
const TRANSIENT = new Set([
  "TransactionConflictException",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
]);

const MAX_ATTEMPTS = 6;

export function isTransient(e: unknown): boolean {
  return e instanceof Error && TRANSIENT.has(e.name);
}

/**
 * Runs a write, retrying transient failures up to 6 times with exponential backoff and jitter
 * (40 ms … 1 s). Safe for conditional writes: one that timed out after it was applied finds its
 * condition false on the retry, and the caller reads what is there.
 * @throws the last error once the attempts are used up, or at once for any other error
 */
export async function retryTransient<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (e) {
      if (!isTransient(e) || attempt >= MAX_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}
