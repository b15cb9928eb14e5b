/**
 * `npm run test:model -- --runs 10000 [--seed N] [--path P] [--batch 10] [--known] [--no-shrink]`
 *
 * Runs the model property (property.ts) over about `--runs` histories (batches of 1 to `--batch`
 * histories at once; fast-check's numRuns counts batches), then prints the histories run, the time,
 * the situations covered, and on failure the seed, the path and the shrunk counterexample; replay it with
 * `--seed N --path P`. `--known` plays the triggers of known product bugs (known.ts) too.
 */
import { parseArgs } from "node:util";

// The AWS SDK warns at load time that it will need Node 22; the project runs on 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    seed: { type: "string" },
    path: { type: "string" },
    batch: { type: "string", default: "10" },
    known: { type: "boolean", default: false },
    "no-shrink": { type: "boolean", default: false },
  },
});

const fc = (await import("fast-check")).default;
const { modelProperty, newTally } = await import("./property.js");
const { KNOWN_DIFFERENCES } = await import("./known.js");
const { RULES } = await import("./model.js");
const { startRuntime } = await import("./run.js");
const { callCounts } = await import("./faults.js");

const batch = Math.max(1, Number(values.batch));
const histories = Math.max(1, Number(values.runs));
// A batch holds 1..batch histories, uniformly: (batch + 1) / 2 on average.
const numRuns = Math.max(1, Math.round(histories / ((batch + 1) / 2)));
const seed = values.seed === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(values.seed);

const rt = await startRuntime();
const tally = newTally();
const started = performance.now();
let failures = 0;
const onBatch = (t: typeof tally, failed: boolean) => {
  if (failed) failures++;
  const s = (performance.now() - started) / 1000;
  process.stderr.write(
    `  ${t.batches} batches, ${t.histories} histories, ${s.toFixed(0)} s, ${((1000 * s) / t.histories).toFixed(0)} ms/history${failures > 0 ? `, ${failures} failing batches (shrinking)` : ""}\n`,
  );
};
const result = await fc.check(modelProperty(rt, { batch, known: values.known ?? false, tally, onBatch }), {
  numRuns,
  seed,
  ...(values.path ? { path: values.path } : {}),
  endOnFailure: values["no-shrink"] ?? false,
});
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage();
await rt.stop();

const line = (s = "") => process.stdout.write(`${s}\n`);
line(`seed ${seed}${values.path ? ` path ${values.path}` : ""}; batches of 1..${batch} histories`);
line(
  `${result.numRuns} batches passed, ${tally.histories} histories played (shrinking included) in ${seconds.toFixed(1)} s: ` +
    `${((1000 * seconds) / Math.max(1, tally.histories)).toFixed(0)} ms per history`,
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
line(
  `this process used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU (the product's handlers, the SDK, the runner)`,
);
line("situations covered (histories):");
for (const [tag, n] of [...tally.tags].sort((a, b) => b[1] - a[1]))
  line(`  ${String(n).padStart(6)}  ${tag}`);
line(
  `known product bugs ${values.known ? "played" : "left out"}: ${KNOWN_DIFFERENCES.map((k) => k.id).join(", ")}`,
);
if (result.failed) {
  line();
  line(`FAILED after ${result.numRuns} batches, ${result.numShrinks} shrinks.`);
  line(`replay: npm run test:model -- --runs 1 --seed ${result.seed} --path "${result.counterexamplePath}"`);
  line();
  const error = result.errorInstance as Error | undefined;
  line(error?.message ?? "(no error message)");
  line();
  line("model rules where SPEC is silent (model.ts RULES):");
  for (const r of RULES) line(`  - ${r}`);
  process.exit(1);
}
line("OK");
process.exit(0);
