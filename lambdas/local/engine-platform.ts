import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Where the embedded DynamoDB engine can run. dynoxide is published on npm as a native binary for one
 * platform only (`@dynoxide/linux-x64`: `os: ["linux"]`, `cpu: ["x64"]`; a static-pie executable, so
 * glibc and musl both work). Everywhere else npm skips the optional dependency and `npm start` needs an
 * external DynamoDB-compatible endpoint (`DYNAMODB_ENDPOINT`).
 */
export const ENGINE_PACKAGE = "@dynoxide/linux-x64";
export const ENGINE_PLATFORM = { platform: "linux", arch: "x64" } as const;

/** Where the alternative listens in the commands below (DynamoDB Local's default port). */
export const ALTERNATIVE_ENDPOINT = "http://localhost:8000";

/** DynamoDB Local in Docker; `-sharedDb` so every client sees one database, kept in the container. */
export const DOCKER_COMMAND =
  "docker run -d --name dynamodb-local -p 8000:8000 amazon/dynamodb-local -jar DynamoDBLocal.jar -sharedDb -dbPath .";

/** DynamoDB Local from AWS's download (a Java runtime), run in the directory it was extracted to. */
export const JAR_COMMAND =
  "java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -sharedDb -dbPath . -port 8000";

export type EngineCheck =
  | { ok: true; binary: string }
  | { ok: false; reason: "platform" | "not-installed"; message: string };

/**
 * The one paragraph `npm start` prints when it cannot run the embedded engine: what is missing, why,
 * and the exact commands for the DYNAMODB_ENDPOINT alternative. The README says the same.
 */
export function engineUnavailableParagraph(
  reason: "platform" | "not-installed",
  platform: string,
  arch: string,
): string {
  const why =
    reason === "platform"
      ? `The embedded DynamoDB engine (dynoxide, npm package ${ENGINE_PACKAGE}) is published for Linux on x64 only, and this machine is ${platform}-${arch}.`
      : `The embedded DynamoDB engine (npm package ${ENGINE_PACKAGE}) is not installed: it is an optional dependency, so an install with --omit=optional or --no-optional leaves it out (run npm install again without that flag).`;
  return [
    why,
    "Run DynamoDB Local instead and point npm start at it:",
    `start it with Docker (\`${DOCKER_COMMAND}\`)`,
    "or from AWS's DynamoDB Local download with Java",
    `(\`${JAR_COMMAND}\` in the extracted directory),`,
    `then start the product with \`DYNAMODB_ENDPOINT=${ALTERNATIVE_ENDPOINT} npm start\`.`,
    "Queues, the stream position and the keys still live in DATA_DIR; the table lives in DynamoDB Local.",
  ].join(" ");
}

function installedBinary(): string | null {
  const require = createRequire(import.meta.url);
  try {
    const binary = join(dirname(require.resolve(`${ENGINE_PACKAGE}/package.json`)), "dynoxide");
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/**
 * Whether the embedded engine can run here, checked before anything starts (no child process, no
 * file written). `platform`, `arch` and `findBinary` default to this process and the installed
 * package; tests pass others.
 * @returns the binary's path, or the reason with the paragraph to print
 */
export function checkEngine(
  platform: string = process.platform,
  arch: string = process.arch,
  findBinary: () => string | null = installedBinary,
): EngineCheck {
  if (platform !== ENGINE_PLATFORM.platform || arch !== ENGINE_PLATFORM.arch) {
    return { ok: false, reason: "platform", message: engineUnavailableParagraph("platform", platform, arch) };
  }
  const binary = findBinary();
  if (binary === null) {
    return {
      ok: false,
      reason: "not-installed",
      message: engineUnavailableParagraph("not-installed", platform, arch),
    };
  }
  return { ok: true, binary };
}

/** The embedded engine cannot run on this machine; `message` is the paragraph to show as it is. */
export class EngineUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: "platform" | "not-installed",
  ) {
    super(message);
    this.name = "EngineUnavailableError";
  }
}
