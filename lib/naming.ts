/** `receipts` → `Receipts`, `sendWorker` → `SendWorker`: construct ids derived from `lambdas/routes.ts` keys. */
export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
