/**
 * `npm run ops -- …`: list and redrive the local dead-letter queues, list and replay parked receipts
 * (lambdas/local/ops.ts; docs/operations.md). Settings: DATA_DIR (.data), ADMIN_API_KEY.
 */
import { resolve } from "node:path";
import { runOps } from "../lambdas/local/ops.js";

const code = await runOps(process.argv.slice(2), {
  dataDir: resolve(process.env.DATA_DIR || ".data"),
  ...(process.env.ADMIN_API_KEY?.trim() ? { adminKey: process.env.ADMIN_API_KEY.trim() } : {}),
  out: (line) => console.log(line),
});
process.exit(code);
