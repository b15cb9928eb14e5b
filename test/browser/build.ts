import { join } from "node:path";
import { build } from "vite";
import { REPO_ROOT } from "../../lib/paths.js";

/** The production build, as `npm run build:dashboard` makes it, so the test never sees a stale one. */
export async function buildDashboard(): Promise<void> {
  await build({ configFile: join(REPO_ROOT, "dashboard", "vite.config.ts"), logLevel: "warn" });
}
