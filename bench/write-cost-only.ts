import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/paths.js";
import { startBenchProduct } from "./product.js";
import { perFact } from "./report.js";
import { round } from "./stats.js";
import { measureWriteCost } from "./write-cost.js";

/**
 * `npx tsx bench/write-cost-only.ts`: only the write-cost stage of `npm run bench`, its rows stored
 * under `writeCost.rows` in bench/results.json (with their own `generatedAt`; the other sections keep
 * the run that wrote them). For a machine too busy to run the whole bench in one go.
 */
const started = performance.now();
const loadAtStart = round(loadavg()[0] ?? 0, 2);
const product = await startBenchProduct();
let rows: ReturnType<typeof perFact>[];
try {
  rows = (await measureWriteCost(product, (line) => console.error(line))).map(perFact);
} finally {
  await product.stop();
}
const file = join(REPO_ROOT, "bench", "results.json");
const json = JSON.parse(readFileSync(file, "utf8")) as { writeCost: Record<string, unknown> };
json.writeCost = {
  ...json.writeCost,
  generatedAt: new Date().toISOString(),
  seconds: round((performance.now() - started) / 1000, 1),
  loadAverage1m: { atStart: loadAtStart, atEnd: round(loadavg()[0] ?? 0, 2) },
  rows,
};
writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
for (const r of rows.filter((x) => x.batch === 100))
  console.log(
    `${r.kind}: ${r.wruPerFact} WRU/fact (worker ${r.workerWruPerFact}: ${r.workerWrites}; counter ${r.counterWruPerFact})`,
  );
process.exit(0);
