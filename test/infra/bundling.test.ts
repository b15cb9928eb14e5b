import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { functions } from "../../lambdas/topology/functions.js";
import { ESM_REQUIRE_BANNER, SmsFunction } from "../../lib/function.js";

/** A Lambda package this size or larger would slow cold starts; the SDK clients fit well under it. */
const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

describe("real bundling (local esbuild, no Docker)", () => {
  it("bundles the public function as ESM that Node can load, with a source map, under the size limit", () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), "cdk-bundle-")),
      // Records where each asset was staged, as the CDK CLI does.
      context: { "aws:cdk:enable-asset-metadata": true },
    });
    const stack = new Stack(app, "BundleCheck");
    const { fn } = new SmsFunction(stack, "Public", { spec: functions.public, environment: {} });
    const assembly = app.synth();

    const assetPath = (fn.node.defaultChild as CfnFunction).getMetadata("aws:asset:path") as string;
    const bundle = join(assembly.directory, assetPath, "index.mjs");
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(statSync(bundle).size).toBeLessThan(MAX_BUNDLE_BYTES);

    const code = readFileSync(bundle, "utf8");
    // The banner is inserted verbatim, ahead of the minified code.
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/export\s*\{/);
    expect(code).not.toMatch(/\bmodule\.exports\s*=/);

    // Load it the way Lambda does: a fresh Node process importing the .mjs file.
    const loaded = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import(${JSON.stringify(bundle)}); console.log(typeof m.handler);`,
      ],
      {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: "bundle-check",
          AWS_REGION: "us-east-1",
          PUBLIC_BASE_URL: "https://x",
        },
      },
    );
    expect(loaded.trim()).toBe("function");
  });
});
