/**
 * `npm run demo`: the product as `npm start` runs it (same environment: PORT, HOST, DATA_DIR,
 * ADMIN_API_KEY, PUBLIC_BASE_URL, DYNAMODB_ENDPOINT), plus a `demo` app with several days of sandbox
 * campaigns (scripts/demo/seed.ts) the first time, sized by DEMO_SCALE. Its API key is kept in `DATA_DIR/demo-api-key`
 * (mode 0600); a later run finds it and just starts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { resolveAdminKey } from "../lambdas/local/admin-key.js";
import type { LocalRuntime } from "../lambdas/local/server.js";
import type { QueueName } from "../lambdas/topology/queues.js";
import { DEMO_APP_ID, seedDemo } from "../scripts/demo/seed.js";
import { stopOnSignals } from "./stop-on-signals.js";

// As in bin/local.ts: the SDK's "upgrade Node" notice only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function portFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 3000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be 0-65535, got "${raw}"`);
  return port;
}

/**
 * DEMO_SCALE multiplies the demo's audiences (default 0.4: about 700 recipients and 930 messages, so a
 * fresh clone shows its dashboard within about two minutes on a 2-core machine; 1 is 1,750 recipients
 * and 2,300 messages).
 */
function scaleFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 0.4;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10)
    throw new Error(`DEMO_SCALE must be in (0, 10], got "${raw}"`);
  return scale;
}

/** Resolves once none of `names` has a message ready, in flight, waiting for a retry or delayed. */
async function settle(runtime: LocalRuntime, names: readonly QueueName[]): Promise<void> {
  for (;;) {
    const stats = runtime.queues.stats();
    const busy = names.some((n) => {
      const s = stats[n];
      return s.visible + s.inFlight + s.waitingRetry + s.delayed > 0;
    });
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const dataDir = resolve(process.env.DATA_DIR || ".data");
  const admin = resolveAdminKey(process.env.ADMIN_API_KEY, join(dataDir, "admin-api-key"));
  const keyFile = join(dataDir, "demo-api-key");
  const kept = existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : "";
  const dynamodbEndpoint = process.env.DYNAMODB_ENDPOINT || undefined;

  const { startLocal } = await import("../lambdas/local/server.js");
  const { setClock } = await import("../lambdas/platform/clock.js");
  const quietUntilSeeded = { on: kept === "" };
  const runtime: LocalRuntime = await startLocal({
    port: portFromEnv(process.env.PORT),
    host: process.env.HOST || "127.0.0.1",
    dataDir,
    adminApiKey: admin.key,
    ...(process.env.PUBLIC_BASE_URL ? { publicBaseUrl: process.env.PUBLIC_BASE_URL } : {}),
    ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}),
    // Thousands of seeding requests would drown the console: only problems until the demo is ready.
    log: (line) => {
      if (!quietUntilSeeded.on || !/^(HTTP |INFO)/.test(line)) console.log(`[local] ${line}`);
    },
  });

  let key = kept;
  let note = "found in";
  if (!key) {
    const existing = await fetch(`${runtime.url}/v1/apps/${DEMO_APP_ID}`, {
      headers: { authorization: `Bearer ${admin.key}` },
    });
    if (existing.status === 200) {
      // The app is there but its key file is not (deleted, or seeding was interrupted): a new key.
      const r = await fetch(`${runtime.url}/v1/apps/${DEMO_APP_ID}/api-keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin.key}` },
      });
      if (r.status !== 201) throw new Error(`could not issue a new demo key: ${r.status}`);
      key = ((await r.json()) as { apiKey: string }).apiKey;
      note =
        "the demo app existed without its key file (to start over, remove DATA_DIR): a new key, written to";
    } else {
      console.log("[demo] creating the demo app: several days of sandbox campaigns, through the API…");
      let offset = 0;
      setClock(() => Date.now() + offset);
      try {
        const result = await seedDemo(
          {
            url: runtime.url,
            adminKey: admin.key,
            setNow: (ms) => {
              // Whole milliseconds, as the wall clock gives them (times are integers everywhere).
              offset = ms === null ? 0 : Math.round(ms) - Date.now();
            },
            settle: (names) => settle(runtime, names),
            log: (line) =>
              console.log(`[demo] ${((performance.now() - startedAt) / 1000).toFixed(0)} s: ${line}`),
          },
          { liveInstance: true, scale: scaleFromEnv(process.env.DEMO_SCALE) },
        );
        key = result.apiKey;
      } finally {
        setClock(undefined);
      }
      note = "written to";
    }
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  }
  quietUntilSeeded.on = false;

  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    [
      "",
      `Demo ready in ${seconds} s. Open the dashboard and sign in with app id "${DEMO_APP_ID}" and the key below:`,
      `  dashboard:    ${runtime.url}/dashboard`,
      `  app id:       ${DEMO_APP_ID}`,
      `  demo API key: ${key}`,
      `                ${note} ${keyFile} (mode 0600)`,
      `  admin key:    ${admin.source === "env" ? "from ADMIN_API_KEY" : join(dataDir, "admin-api-key")}`,
      `  API:          ${runtime.url} (GET /openapi.json)`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );

  stopOnSignals(runtime);
}

main().catch((e: unknown) => {
  console.error(`[demo] could not start: ${(e as Error).message}`);
  process.exit(1);
});
