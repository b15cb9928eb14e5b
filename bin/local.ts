/**
 * `npm start`: the whole product on one machine. Settings come from the environment:
 * PORT (3000), HOST (127.0.0.1), DATA_DIR (.data), ADMIN_API_KEY (generated once and kept in
 * DATA_DIR when unset), PUBLIC_BASE_URL (http://localhost:$PORT), DYNAMODB_ENDPOINT (an external
 * DynamoDB-compatible endpoint instead of the embedded engine), LOG_LEVEL (info; trace, debug, info,
 * warn, error, critical or silent — POWERTOOLS_LOG_LEVEL wins when both are set).
 */
import { join, resolve } from "node:path";
import { resolveAdminKey } from "../lambdas/local/admin-key.js";
import { checkEngine, EngineUnavailableError } from "../lambdas/local/engine-platform.js";
import type { LocalRuntime } from "../lambdas/local/server.js";
import { LOG_LEVELS, logLevelFromEnv } from "../lambdas/platform/logger.js";
import { stopOnSignals } from "./stop-on-signals.js";

// The SDK's own switch for its "upgrade Node" notice; it silences that warning only. Set before the
// runtime (and with it the SDK clients) is imported below.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function portFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 3000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be 0-65535, got "${raw}"`);
  return port;
}

async function main(): Promise<void> {
  const port = portFromEnv(process.env.PORT);
  const logLevel = logLevelFromEnv();
  if (!logLevel)
    throw new Error(
      `LOG_LEVEL must be one of ${LOG_LEVELS.map((l) => l.toLowerCase()).join(", ")}, got "${process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL}"`,
    );
  const dynamodbEndpoint = process.env.DYNAMODB_ENDPOINT || undefined;
  if (!dynamodbEndpoint) {
    // Before anything is written or started: say it in one paragraph instead of failing later.
    const engine = checkEngine();
    if (!engine.ok) throw new EngineUnavailableError(engine.message, engine.reason);
  }
  const dataDir = resolve(process.env.DATA_DIR || ".data");
  const keyFile = join(dataDir, "admin-api-key");
  const admin = resolveAdminKey(process.env.ADMIN_API_KEY, keyFile);

  const { startLocal } = await import("../lambdas/local/server.js");
  const runtime: LocalRuntime = await startLocal({
    port,
    host: process.env.HOST || "127.0.0.1",
    dataDir,
    adminApiKey: admin.key,
    ...(process.env.PUBLIC_BASE_URL ? { publicBaseUrl: process.env.PUBLIC_BASE_URL } : {}),
    ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}),
    log: (line) => console.log(`[local] ${line}`),
    logLevel,
  });

  const lines = [
    "",
    `SMS campaign analytics is running at ${runtime.url}`,
    `  health:          ${runtime.url}/health`,
    `  public base URL: ${process.env.PUBLIC_BASE_URL} (webhook and short-link URLs)`,
    `  log level:       ${logLevel.toLowerCase()} (LOG_LEVEL)`,
    `  data:            ${dataDir} (${dynamodbEndpoint ? `queues only; DynamoDB at ${dynamodbEndpoint}` : "DynamoDB and queues"})`,
  ];
  if (admin.source === "env") {
    lines.push("  admin API key:   from ADMIN_API_KEY");
  } else {
    // Printed only for a key this runtime keeps itself, so the operator can find it.
    lines.push(`  admin API key:   ${admin.key}`);
    lines.push(
      `                   ${admin.source === "generated" ? "generated and stored" : "loaded from"} ${keyFile} (mode 0600)`,
    );
  }
  lines.push("Press Ctrl+C to stop.", "");
  console.log(lines.join("\n"));

  stopOnSignals(runtime);
}

main().catch((e: unknown) => {
  if (e instanceof EngineUnavailableError) console.error(`\n${e.message}\n`);
  else console.error(`[local] could not start: ${(e as Error).message}`);
  process.exit(1);
});
