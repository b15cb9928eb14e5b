import { readFileSync, rmSync, writeFileSync } from "node:fs";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return undefined;
  }
}

/**
 * A runtime killed with SIGKILL leaves its embedded engine running (nothing tells the child). On the
 * next start we stop that orphan, but only if the recorded pid is still a dynoxide serving this very
 * database file, so a reused pid is never touched.
 */
export async function stopOrphanedEngine(pidFile: string, dbPath: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  } catch {
    return false;
  }
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const cmd = commandLine(pid);
  if (!cmd?.includes("dynoxide") || !cmd.includes(dbPath)) return false;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
  if (alive(pid)) process.kill(pid, "SIGKILL");
  return true;
}

export function recordEngine(pidFile: string, pid: number | undefined): void {
  if (pid !== undefined) writeFileSync(pidFile, `${pid}\n`, { mode: 0o600 });
}

export function forgetEngine(pidFile: string): void {
  rmSync(pidFile, { force: true });
}
