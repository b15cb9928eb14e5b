import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/paths.js";
import { measureContention } from "./contention.js";
import { round } from "./stats.js";

/**
 * `npx tsx bench/contention-only.ts`: only the hot-campaign contention stage of `npm run bench`, its
 * result stored under `contention` in bench/results.json (with its own `generatedAt`; the other
 * sections keep the run that wrote them). For a machine too busy to run the whole bench in one go.
 */
const started = performance.now();
const loadAtStart = round(loadavg()[0] ?? 0, 2);
/** `old`: only the old design's runs, replacing those stored (the new design's rows are kept). */
const oldOnly = process.argv.includes("old");
const measuredNow = await measureContention(
  (line) => console.error(line),
  oldOnly ? { designs: ["old"] } : {},
);
const file = join(REPO_ROOT, "bench", "results.json");
const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
const stored = json.contention as typeof measuredNow | undefined;
const contention: typeof measuredNow =
  oldOnly && stored
    ? {
        ...stored,
        oldDesign: measuredNow.oldDesign,
        ratio64to1: {
          ...stored.ratio64to1,
          oldReceipts: measuredNow.ratio64to1.oldReceipts,
          oldClicks: measuredNow.ratio64to1.oldClicks,
        },
        runs: [...stored.runs.filter((r) => r.design === "new"), ...measuredNow.runs],
      }
    : measuredNow;
json.contention = {
  generatedAt: new Date().toISOString(),
  seconds: round((performance.now() - started) / 1000, 1),
  loadAverage1m: { atStart: loadAtStart, atEnd: round(loadavg()[0] ?? 0, 2) },
  ...contention,
};
writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
const { runs: _runs, method: _method, ...summary } = contention;
console.log(JSON.stringify(summary, null, 1));
process.exit(0);
