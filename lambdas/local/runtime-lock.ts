import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/*
 * Who owns a DATA_DIR. The queue journals and the embedded engine's database belong to one process at a
 * time: two `npm start`s on one directory, or the ops CLI editing the journals under a running product,
 * would lose messages. The owner keeps `<dataDir>/runtime.json` (its pid and, for a running product, the
 * URL the ops CLI reaches it at). The file is created with O_EXCL, so of two processes starting at once
 * one wins; a file whose pid is no longer alive (a killed runtime) is stale and taken over. Why not a
 * lock library: what is needed is "who holds it and where to reach it", which a pid file answers, and a
 * lock held by a dead process must not block the next start.
 */

export interface RuntimeInfo {
  pid: number;
  /** What holds the directory: the product (`npm start`) or the ops CLI working on a stopped product. */
  owner: "product" | "ops";
  /** The running product's base URL (set once it listens). */
  url?: string;
  startedAt: string;
  /** Tells two claims of one process apart. */
  claim: string;
}

/** The directory is held by another live process. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: RuntimeInfo,
  ) {
    super(
      `${dataDir} is in use by process ${holder.pid} (${holder.owner === "ops" ? "npm run ops" : `the product${holder.url ? ` at ${holder.url}` : ""}`}); stop it first`,
    );
  }
}

export const runtimeFile = (dataDir: string): string => join(dataDir, "runtime.json");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function read(file: string): RuntimeInfo | null {
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as RuntimeInfo;
    return Number.isInteger(info.pid) && info.pid > 0 ? info : null;
  } catch {
    return null;
  }
}

/**
 * The live holder of `dataDir`, or null when none (no file, an unreadable one, or its process is gone).
 * A holder in this very process counts as live (tests run the product and the CLI in one process).
 */
export function currentHolder(dataDir: string): RuntimeInfo | null {
  const info = read(runtimeFile(dataDir));
  return info && alive(info.pid) ? info : null;
}

export interface DataDirClaim {
  /** Records the URL the running product answers at (for the ops CLI). */
  publish(url: string): void;
  /** Gives the directory up (only if this claim still holds it). */
  release(): void;
}

/**
 * Takes `dataDir` for this process.
 * @throws DataDirInUseError when another live process holds it (a holder that is this same process
 *   is replaced: a runtime restarted in-process after a simulated crash)
 */
export function claimDataDir(dataDir: string, owner: RuntimeInfo["owner"]): DataDirClaim {
  const file = runtimeFile(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  let info: RuntimeInfo = {
    pid: process.pid,
    owner,
    startedAt: new Date().toISOString(),
    claim: randomUUID(),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(info)}\n`, { flag: "wx", mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 2) throw e;
    }
    const holder = read(file);
    if (holder && holder.pid !== process.pid && alive(holder.pid))
      throw new DataDirInUseError(dataDir, holder);
    rmSync(file, { force: true });
  }
  const stillMine = (): boolean => {
    const now = read(file);
    return now?.pid === info.pid && now.claim === info.claim;
  };
  return {
    publish(url) {
      if (!stillMine()) return;
      info = { ...info, url };
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    },
    release() {
      if (stillMine()) rmSync(file, { force: true });
    },
  };
}
