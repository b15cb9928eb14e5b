import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type QueueName, queues as queueSpecs } from "../topology/queues.js";
import { type DeadLetterView, deadLetterReport } from "./dead-letters.js";
import { LocalQueues } from "./queue.js";
import { claimDataDir, currentHolder, DataDirInUseError } from "./runtime-lock.js";

/**
 * `npm run ops -- …`: the operator's tool for one machine's product, working on DATA_DIR.
 *
 * What is safe where (docs/operations.md, "The ops CLI"):
 * - Product running (DATA_DIR/runtime.json names a live product): every command goes through the running
 *   product — the dead letters through its local-only `/local/dead-letters` endpoints, the parked receipts
 *   through the admin API — because that process owns the queue journals and the table.
 * - Product stopped: the dead-letter commands open the queue journals themselves, holding DATA_DIR for
 *   the time they take (an `npm start` meanwhile refuses to start); redriven messages are processed at
 *   the next start. Parked receipts live in the table, so those commands need the product running.
 */

export const USAGE = `Usage: npm run ops -- <command>

  dlq list [queue] [--body] [--json]      dead letters of every local queue (or one)
  dlq redrive <queue|all>                 move a queue's dead letters back to it
  parked list <appId> [--limit n] [--cursor c] [--body] [--json]
                                          receipts parked for an operator, with the reason
  parked replay <appId> [--id id]... [--limit n]
                                          put parked receipts back on the receipts queue

Environment: DATA_DIR (.data), ADMIN_API_KEY (else the key kept in DATA_DIR/admin-api-key).
With the product running, commands go through it; with it stopped, the dlq commands work on
DATA_DIR directly (parked receipts need the product running: they live in its table).
--body prints message bodies and provider requests, which carry phone numbers.`;

export interface OpsContext {
  dataDir: string;
  /** ADMIN_API_KEY when set; else the key the runtime keeps in `<dataDir>/admin-api-key`. */
  adminKey?: string;
  /** Where output lines go. */
  out: (line: string) => void;
}

/** A command that cannot run as asked (usage, state of the product); exit code 2. */
class OpsError extends Error {
  constructor(
    message: string,
    /** A mistake in the command line: the help hint follows. */
    readonly usage = false,
  ) {
    super(message);
  }
}

const QUEUES = Object.keys(queueSpecs) as QueueName[];

function queueArg(name: string | undefined): QueueName {
  const q = QUEUES.find((x) => x === name);
  if (!q) throw new OpsError(`unknown queue "${name ?? ""}"; queues: ${QUEUES.join(", ")}`, true);
  return q;
}

function adminKeyOf(ctx: OpsContext): string {
  if (ctx.adminKey) return ctx.adminKey;
  const file = join(ctx.dataDir, "admin-api-key");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    throw new OpsError(
      `no admin key: set ADMIN_API_KEY (the one the product was started with) or keep ${file}`,
    );
  }
}

/** The running product's base URL, or null when it is stopped. @throws OpsError while DATA_DIR is held otherwise */
function runningProduct(dataDir: string): string | null {
  const holder = currentHolder(dataDir);
  if (!holder) return null;
  if (holder.owner === "product" && holder.url) return holder.url;
  throw new OpsError(
    holder.owner === "ops"
      ? `another npm run ops (process ${holder.pid}) is working on ${dataDir}; try again when it ends`
      : `the product (process ${holder.pid}) is starting on ${dataDir}; try again in a moment`,
  );
}

/** One admin call to the running product. @throws Error with the product's error message on a non-2xx answer */
async function call<T>(
  ctx: OpsContext,
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKeyOf(ctx)}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const message = (parsed as { error?: { message?: string } } | undefined)?.error?.message;
    throw new Error(`${method} ${path}: ${res.status} ${message ?? text.slice(0, 200)}`);
  }
  return parsed as T;
}

/** Runs `work` on the stopped product's queue journals, holding DATA_DIR meanwhile. */
async function offlineQueues<T>(ctx: OpsContext, work: (q: LocalQueues) => Promise<T>): Promise<T> {
  if (!existsSync(join(ctx.dataDir, "queues")))
    throw new OpsError(`${ctx.dataDir} holds no queues (has the product run with this DATA_DIR?)`);
  let claim: ReturnType<typeof claimDataDir>;
  try {
    claim = claimDataDir(ctx.dataDir, "ops");
  } catch (e) {
    if (e instanceof DataDirInUseError) throw new OpsError(e.message);
    throw e;
  }
  try {
    // No consumer: nothing is polled; the journals are read (and compacted) and appended to.
    const queues = await LocalQueues.open({ dataDir: ctx.dataDir, log: ctx.out });
    try {
      return await work(queues);
    } finally {
      await queues.stop();
    }
  } finally {
    claim.release();
  }
}

function printDeadLetters(ctx: OpsContext, report: Record<string, DeadLetterView[]>): void {
  for (const [queue, letters] of Object.entries(report)) {
    ctx.out(`${queue}: ${letters.length === 0 ? "no dead letters" : `${letters.length} dead letter(s)`}`);
    for (const d of letters) {
      const ids = (["appId", "campaignId", "instanceId", "connectorId"] as const)
        .filter((k) => d[k] !== undefined)
        .map((k) => `${k}=${d[k]}`);
      ctx.out(
        `  ${d.messageId}  sent ${d.sentAt}  received ${d.receiveCount}x  ${d.bytes} B${ids.length ? `  ${ids.join(" ")}` : ""}`,
      );
      if (d.body !== undefined) ctx.out(`    body: ${d.body}`);
    }
  }
}

async function dlq(ctx: OpsContext, args: string[], flags: Flags): Promise<void> {
  const [action, name] = args;
  const base = runningProduct(ctx.dataDir);
  if (action === "list") {
    const only = name === undefined ? QUEUES : [queueArg(name)];
    let report: Record<string, DeadLetterView[]>;
    if (base) {
      const { queues: all } = await call<{ queues: Record<string, DeadLetterView[]> }>(
        ctx,
        base,
        "GET",
        `/local/dead-letters${flags.body ? "?body=true" : ""}`,
      );
      report = Object.fromEntries(only.map((q) => [q, all[q] ?? []]));
    } else report = await offlineQueues(ctx, async (q) => deadLetterReport(q, only, flags.body));
    if (flags.json) ctx.out(JSON.stringify({ mode: base ? "running" : "stopped", queues: report }, null, 2));
    else printDeadLetters(ctx, report);
    return;
  }
  if (action === "redrive") {
    if (name === undefined) throw new OpsError("dlq redrive needs a queue name or all", true);
    const chosen = name === "all" ? QUEUES : [queueArg(name)];
    const moved: Array<[QueueName, number]> = [];
    if (base) {
      for (const q of chosen)
        moved.push([
          q,
          (await call<{ redriven: number }>(ctx, base, "POST", `/local/dead-letters/${q}/redrive`)).redriven,
        ]);
    } else {
      await offlineQueues(ctx, async (queues) => {
        for (const q of chosen) moved.push([q, await queues.redrive(q)]);
      });
    }
    for (const [q, n] of moved)
      ctx.out(
        `${q}: ${n} message(s) moved back to the queue${n > 0 && !base ? " (processed at the next npm start)" : ""}`,
      );
    return;
  }
  throw new OpsError(`unknown dlq command "${action ?? ""}"`, true);
}

async function parked(ctx: OpsContext, args: string[], flags: Flags): Promise<void> {
  const [action, appId] = args;
  if (action !== "list" && action !== "replay")
    throw new OpsError(`unknown parked command "${action ?? ""}"`, true);
  if (!appId) throw new OpsError(`parked ${action} needs an app id`, true);
  const base = runningProduct(ctx.dataDir);
  if (!base)
    throw new OpsError(
      `the product is not running on ${ctx.dataDir}: parked receipts live in its table. Start it (npm start) and run this again.`,
    );
  const app = encodeURIComponent(appId);
  if (action === "list") {
    const qs = new URLSearchParams();
    if (flags.limit !== undefined) qs.set("limit", String(flags.limit));
    if (flags.cursor) qs.set("cursor", flags.cursor);
    const page = await call<{
      parkedReceipts: Array<Record<string, unknown>>;
      nextCursor: string | null;
    }>(ctx, base, "GET", `/v1/apps/${app}/parked-receipts${qs.size ? `?${qs}` : ""}`);
    if (!flags.body) for (const p of page.parkedReceipts) delete p.request;
    if (flags.json) {
      ctx.out(JSON.stringify(page, null, 2));
      return;
    }
    const list = page.parkedReceipts;
    ctx.out(`${appId}: ${list.length === 0 ? "no parked receipts" : `${list.length} parked receipt(s)`}`);
    for (const p of list) {
      ctx.out(
        `  ${p.id}  parked ${p.parkedAt}  connector=${p.connectorId} provider=${p.provider}  reason: ${p.reason}`,
      );
      if (p.request !== undefined) ctx.out(`    request: ${JSON.stringify(p.request)}`);
    }
    if (page.nextCursor) ctx.out(`more: --cursor ${page.nextCursor}`);
    return;
  }
  const body = {
    ...(flags.id.length > 0 ? { ids: flags.id } : {}),
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
  };
  const r = await call<{ replayed: number; ids: string[] }>(
    ctx,
    base,
    "POST",
    `/v1/apps/${app}/parked-receipts/replay`,
    body,
  );
  ctx.out(`${appId}: ${r.replayed} parked receipt(s) back on the receipts queue`);
  for (const id of r.ids) ctx.out(`  ${id}`);
}

interface Flags {
  body: boolean;
  json: boolean;
  id: string[];
  limit?: number;
  cursor?: string;
}

/**
 * Runs one ops command.
 * @param argv the words after `npm run ops --`
 * @returns the exit code: 0 done, 1 failed (the product answered an error, I/O), 2 cannot run as asked
 *   (usage, unknown queue, DATA_DIR held by another process, parked receipts with the product stopped)
 */
export async function runOps(argv: readonly string[], ctx: OpsContext): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        body: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        id: { type: "string", multiple: true, default: [] },
        limit: { type: "string" },
        cursor: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    const [group, ...rest] = positionals;
    if (values.help || group === undefined || group === "help") {
      ctx.out(USAGE);
      return group === undefined && !values.help ? 2 : 0;
    }
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100))
      throw new OpsError("--limit must be a whole number from 1 to 100", true);
    const flags: Flags = {
      body: values.body,
      json: values.json,
      id: values.id,
      ...(limit === undefined ? {} : { limit }),
      ...(values.cursor ? { cursor: values.cursor } : {}),
    };
    if (group === "dlq") await dlq(ctx, rest, flags);
    else if (group === "parked") await parked(ctx, rest, flags);
    else throw new OpsError(`unknown command "${group}"`, true);
    return 0;
  } catch (e) {
    const badArgs = (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    ctx.out(`ops: ${(e as Error).message}`);
    if (badArgs || (e instanceof OpsError && e.usage)) ctx.out("(npm run ops -- help)");
    return badArgs || e instanceof OpsError ? 2 : 1;
  }
}
