import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ALTERNATIVE_ENDPOINT,
  checkEngine,
  DOCKER_COMMAND,
  JAR_COMMAND,
} from "../../../lambdas/local/engine-platform.js";

describe("checkEngine: where the embedded DynamoDB engine runs", () => {
  it.each([
    ["darwin", "arm64"],
    ["darwin", "x64"],
    ["win32", "x64"],
    ["linux", "arm64"],
  ])(
    "on %s-%s: one paragraph naming the platform and the exact DYNAMODB_ENDPOINT alternative",
    (platform, arch) => {
      const check = checkEngine(platform, arch, () => "/never/asked");
      expect(check.ok).toBe(false);
      if (check.ok) return;
      expect(check.reason).toBe("platform");
      expect(check.message).toContain(`this machine is ${platform}-${arch}`);
      expect(check.message).toContain("published for Linux on x64 only");
      expect(check.message).toContain(DOCKER_COMMAND);
      expect(check.message).toContain(JAR_COMMAND);
      expect(check.message).toContain(`DYNAMODB_ENDPOINT=${ALTERNATIVE_ENDPOINT} npm start`);
      // One paragraph: no line breaks.
      expect(check.message).not.toMatch(/\n/);
    },
  );

  it("on linux-x64 without the optional package: says it is not installed and how to fix it", () => {
    const check = checkEngine("linux", "x64", () => null);
    expect(check).toMatchObject({ ok: false, reason: "not-installed" });
    if (check.ok) return;
    expect(check.message).toContain("--omit=optional");
    expect(check.message).toContain(`DYNAMODB_ENDPOINT=${ALTERNATIVE_ENDPOINT} npm start`);
  });

  it("on this machine (linux-x64, installed): the binary that exists", () => {
    const check = checkEngine();
    expect(check.ok).toBe(true);
    if (check.ok) expect(existsSync(check.binary)).toBe(true);
  });

  it("the Docker and jar commands serve DynamoDB Local where the endpoint points, one shared database", () => {
    expect(ALTERNATIVE_ENDPOINT).toBe("http://localhost:8000");
    expect(DOCKER_COMMAND).toMatch(/-p 8000:8000 amazon\/dynamodb-local -jar DynamoDBLocal\.jar -sharedDb/);
    expect(JAR_COMMAND).toMatch(/-jar DynamoDBLocal\.jar -sharedDb .*-port 8000$/);
  });
});

describe("npm start on another platform", () => {
  it("prints the paragraph, writes nothing, and exits non-zero without a stack trace", () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "sms-platform-")), "data");
    try {
      // The platform is simulated in the child before bin/local.ts runs: the product's own check decides.
      const simulate =
        "data:text/javascript," +
        encodeURIComponent(
          'Object.defineProperty(process, "platform", { value: "darwin" });' +
            'Object.defineProperty(process, "arch", { value: "arm64" });',
        );
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: "0" };
      delete env.DYNAMODB_ENDPOINT;
      const run = spawnSync(process.execPath, ["--import", "tsx", "--import", simulate, "bin/local.ts"], {
        env,
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("this machine is darwin-arm64");
      expect(run.stderr).toContain(`DYNAMODB_ENDPOINT=${ALTERNATIVE_ENDPOINT} npm start`);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stdout).not.toContain("is running at");
      // Nothing created: no data directory, no admin key, no engine.
      expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
    } finally {
      rmSync(join(dataDir, ".."), { recursive: true, force: true });
    }
  });
});
