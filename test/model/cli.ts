/**
 * `npm run test:model -- --runs 10000 [--seed S] [--batch 8] [--size full|small] [--minutes M] [--leg 250]`,
 * and `npm run test:model -- --replay S --path P` (with the run's --batch and --size).
 *
 * Runs the model property (property.ts) over about `--runs` histories, in batches of 1 to `--batch`
 * histories played at once (fast-check's numRuns counts batches), in legs of about `--leg` histories,
 * each on a fresh runtime under its own seed (the run's seed + the leg's number). A failing batch does
 * not stop the run: it is printed with its leg's seed and replay path, and at the end the run prints the
 * histories run, the time, the throughput, the situations covered and every failing batch's
 * leg seed and path. `--minutes M` stops playing new batches after M minutes (a time budget).
 * `--replay S --path P` plays that batch again and shrinks it to a minimal history.
 */
import { parseArgs } from "node:util";
import type { Runtime } from "./run.js";

// The AWS SDK warns at load time that it will need Node 22; the project runs on 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    seed: { type: "string" },
    batch: { type: "string", default: "8" },
    size: { type: "string", default: "full" },
    minutes: { type: "string" },
    replay: { type: "string" },
    path: { type: "string" },
    leg: { type: "string", default: "250" },
  },
});

const fc = (await import("fast-check")).default;
const { modelProperty, newTally } = await import("./property.js");
const { RULES } = await import("./model.js");
const { startRuntime } = await import("./run.js");
const { callCounts, injectedFaults } = await import("./faults.js");

const batch = Math.max(1, Number(values.batch));
const line = (s = "") => process.stdout.write(`${s}\n`);
const first = await startRuntime();
const tally = newTally();
const started = performance.now();
const size = values.size === "small" ? "small" : "full";
const property = modelProperty(first, { batch, tally, size });

if (values.replay !== undefined) {
  const seed = Number(values.replay);
  const result = await fc.check(property, { seed, path: values.path ?? "0", numRuns: 1 });
  await first.stop();
  if (!result.failed) {
    line(`seed ${seed} path ${values.path ?? "0"}: the batch passes`);
    process.exit(0);
  }
  line(`seed ${seed}: FAILED; shrunk ${result.numShrinks} times; path ${result.counterexamplePath}`);
  line((result.errorInstance as Error | undefined)?.message ?? "(no message)");
  process.exit(1);
}

const histories = Math.max(1, Number(values.runs));
const perLeg = Math.max(1, Number(values.leg));
// A batch holds 1..batch histories, uniformly: (batch + 1) / 2 on average.
const batchesFor = (n: number) => Math.max(1, Math.round(n / ((batch + 1) / 2)));
const seed =
  values.seed === undefined ? (Date.now() ^ (Math.random() * 0x100000000)) >>> 1 : Number(values.seed);
const deadline = values.minutes === undefined ? undefined : started + Number(values.minutes) * 60_000;
const failures: Array<{ seed: number; path: string; message: string }> = [];
let lastReport = 0;
let stoppedBy: string | null = null;
let legs = 0;
// Legs of about `--leg` histories, each on a fresh runtime and engine under its own seed (seed + leg):
// the engine's stream keeps every record of a run and its writes slow down as that grows
// (docs/operations.md), so one long-lived engine would make long runs ever slower.
for (let rt: Runtime | null = first; tally.histories < histories; legs++) {
  if (deadline !== undefined && performance.now() > deadline) break;
  rt ??= await startRuntime();
  const legSeed = (seed + legs) | 0;
  const collecting = modelProperty(rt, {
    batch,
    size,
    ...(deadline === undefined ? {} : { deadline }),
    tally,
    onBatch: (t) => {
      const s = (performance.now() - started) / 1000;
      if (s - lastReport < 30) return;
      lastReport = s;
      process.stderr.write(
        `  ${t.batches} batches, ${t.histories} histories, ${s.toFixed(0)} s, ${(t.histories / s).toFixed(2)} histories/s, ${failures.length} failing batches\n`,
      );
    },
    onFailure: (index, message) => {
      failures.push({ seed: legSeed, path: String(index), message });
      process.stderr.write(`  FAILED: seed ${legSeed} path ${index}\n${message.slice(0, 6000)}\n`);
    },
  });
  const numRuns = batchesFor(Math.min(perLeg, histories - tally.histories));
  const outcome = await fc.check(collecting, { numRuns, seed: legSeed, endOnFailure: true });
  await rt.stop();
  rt = null;
  if (outcome.failed) {
    stoppedBy = String((outcome.errorInstance as Error | undefined)?.message ?? "stopped");
    break;
  }
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage();

line(
  `seed ${seed}; ${legs} legs (seeds ${seed}..${(seed + legs - 1) | 0}, about ${perLeg} histories each); ${tally.batches} batches of 1..${batch} histories (${size})`,
);
if (stoppedBy) line(`STOPPED early (not a product failure): ${stoppedBy.slice(0, 300)}`);
line(
  `${tally.histories} histories in ${seconds.toFixed(1)} s: ${(tally.histories / seconds).toFixed(2)} histories/s; ${failures.length} failing batches`,
);
const calls = Object.entries(callCounts);
const total = calls.filter(([k]) => !k.startsWith("fn:")).reduce((n, [, v]) => n + v, 0);
line(
  `DynamoDB calls: ${(total / Math.max(1, tally.histories)).toFixed(0)} per history; by function: ${calls
    .filter(([k]) => k.startsWith("fn:"))
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k.slice(3)} ${(v / Math.max(1, tally.histories)).toFixed(0)}`)
    .join(", ")}`,
);
line(`this process used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU`);
line("faults injected:");
for (const [kind, n] of Object.entries(injectedFaults).sort((a, b) => b[1] - a[1]))
  line(`  ${String(n).padStart(6)}  ${kind}`);
line("situations covered (histories):");
for (const [tag, n] of [...tally.tags].sort((a, b) => b[1] - a[1]))
  line(`  ${String(n).padStart(6)}  ${tag}`);
if (failures.length > 0) {
  line();
  line(
    `FAILED: ${failures.length} batches. Replay and shrink one: npm run test:model -- --replay <seed> --path <path> --batch ${batch} --size ${size}`,
  );
  for (const f of failures) {
    const first = f.message.split("\n").find((l) => /: model /.test(l)) ?? f.message.split("\n")[0];
    line(`  seed ${f.seed} path ${f.path}: ${first?.trim()}`);
  }
  line();
  line("model rules where SPEC is silent (model.ts RULES):");
  for (const r of RULES) line(`  - ${r}`);
  process.exit(1);
}
if (stoppedBy) process.exit(2);
line("OK");
process.exit(0);
