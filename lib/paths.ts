import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: `entry` paths in `lambdas/routes.ts` are relative to it. */
export const REPO_ROOT: string = join(dirname(fileURLToPath(import.meta.url)), "..");
