import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { type FunctionName, functions } from "../lambdas/topology/functions.js";
import { REPO_ROOT } from "../lib/paths.js";
import { median, round } from "./stats.js";

const run = promisify(execFile);

export interface PackageRun {
  name: FunctionName | "(empty handler)";
  memoryMb: number | null;
  bundleBytes: number;
  sourceMapBytes: number;
  /** Median import() time in a fresh Node process, ms. */
  loadMs: number;
  /** The same with NODE_OPTIONS=--enable-source-maps, as the functions run on Lambda. */
  loadMsSourceMaps: number;
  /** loadMs minus the empty handler's. */
  overMs: number;
}

const RUNS = 5;

/**
 * The options `lib/function.ts` gives NodejsFunction, as the CDK passes them to esbuild: bundled
 * minified ESM for node22 with the AWS SDK inside, external source map without sources, the require banner.
 */
async function bundle(entry: string, outfile: string, banner: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ["module", "main"],
    banner: { js: banner },
    logLevel: "error",
  });
}

/** One fresh process importing the bundle: ms from before import() to handler in hand. */
async function loadOnce(file: string, sourceMaps: boolean): Promise<number> {
  const script = `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(file).href)});if(typeof m.handler!=="function")throw new Error("no handler");process.stdout.write(String(performance.now()-t));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      PATH: process.env.PATH ?? "",
      TABLE_NAME: "bench",
      AWS_REGION: "us-east-1",
      PUBLIC_BASE_URL: "https://sms.example",
      ...(sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
    },
  });
  return Number(stdout);
}

export async function measurePackages(log: (line: string) => void): Promise<PackageRun[]> {
  // The banner string itself, from the construct that deploys the functions.
  const { ESM_REQUIRE_BANNER } = await import("../lib/function.js");
  const dir = mkdtempSync(join(tmpdir(), "sms-bench-bundles-"));
  try {
    const emptyEntry = join(dir, "empty.ts");
    writeFileSync(
      emptyEntry,
      "export const handler = async (): Promise<unknown> => ({ statusCode: 200 });\n",
    );
    const entries: Array<{ name: PackageRun["name"]; entry: string; memoryMb: number | null }> = [
      { name: "(empty handler)", entry: emptyEntry, memoryMb: null },
      ...(Object.entries(functions) as Array<[FunctionName, (typeof functions)[FunctionName]]>).map(
        ([name, spec]) => ({
          name,
          entry: join(REPO_ROOT, spec.entry),
          memoryMb: spec.memoryMb,
        }),
      ),
    ];
    const out: PackageRun[] = [];
    let emptyMs = 0;
    for (const e of entries) {
      const outDir = join(dir, e.name.replace(/\W/g, ""));
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, "index.mjs");
      await bundle(e.entry, file, ESM_REQUIRE_BANNER);
      const plain: number[] = [];
      const maps: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        plain.push(await loadOnce(file, false));
        maps.push(await loadOnce(file, true));
      }
      const loadMs = round(median(plain), 1);
      if (e.memoryMb === null) emptyMs = loadMs;
      out.push({
        name: e.name,
        memoryMb: e.memoryMb,
        bundleBytes: statSync(file).size,
        sourceMapBytes: statSync(`${file}.map`).size,
        loadMs,
        loadMsSourceMaps: round(median(maps), 1),
        overMs: round(loadMs - emptyMs, 1),
      });
      log(`  ${e.name}: ${(statSync(file).size / 1024).toFixed(0)} KiB, ${loadMs} ms`);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
