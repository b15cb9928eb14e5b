/**
 * Ctrl+C and SIGTERM for the one-machine runtime (`npm start`, `npm run demo`): the first signal lets
 * requests and queue batches in flight finish (`runtime.stop()`), then exits 0 (1 if stopping failed).
 */
export function stopOnSignals(runtime: { stop(): Promise<void> }): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[local] ${signal}: finishing requests and queue batches in flight…`);
    runtime.stop().then(
      () => {
        console.log("[local] stopped");
        process.exit(0);
      },
      (e: unknown) => {
        console.error(`[local] shutdown failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
