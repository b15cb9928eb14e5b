/**
 * Whether a write failed only because its condition did not hold: a single conditional write
 * (`ConditionalCheckFailedException`) or a transaction cancelled by a failed condition. The one place
 * that tells a lost race or a duplicate from a real error.
 */
export function isConditionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "ConditionalCheckFailedException") return true;
  if (err.name !== "TransactionCanceledException") return false;
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return Array.isArray(reasons) && reasons.some((r) => r.Code === "ConditionalCheckFailed");
}
