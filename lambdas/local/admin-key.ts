import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface AdminKey {
  key: string;
  /** Where it came from: the environment, or the key file (`generated` on the first start). */
  source: "env" | "file" | "generated";
}

/**
 * The admin key for the one-machine runtime: `ADMIN_API_KEY` when set; otherwise a strong random key
 * created once in `keyFile` (mode 0600) and reused on later starts, so restarting keeps clients working.
 */
export function resolveAdminKey(fromEnv: string | undefined, keyFile: string): AdminKey {
  if (fromEnv && fromEnv.trim() !== "") return { key: fromEnv.trim(), source: "env" };
  try {
    const stored = readFileSync(keyFile, "utf8").trim();
    if (stored !== "") {
      chmodSync(keyFile, 0o600);
      return { key: stored, source: "file" };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = `sk_admin_${randomBytes(32).toString("base64url")}`;
  // `wx`: never overwrite a key another process wrote at the same moment.
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600, flag: "wx" });
  return { key, source: "generated" };
}
