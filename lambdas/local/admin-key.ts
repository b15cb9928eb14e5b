import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface AdminKey {
  key: string;
  /** Where it came from: the environment, or the key file (`generated` on the first start). */
  source: "env" | "file" | "generated";
}

/**
 * A secret the one-machine runtime keeps for itself: read from `file`, or created there once (strong,
 * random, mode 0600) so that restarts keep working with what clients and stored data already hold.
 */
export function loadOrCreateSecret(file: string, prefix = ""): { value: string; created: boolean } {
  try {
    const stored = readFileSync(file, "utf8").trim();
    if (stored !== "") {
      chmodSync(file, 0o600);
      return { value: stored, created: false };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  mkdirSync(dirname(file), { recursive: true });
  const value = `${prefix}${randomBytes(32).toString("base64url")}`;
  // `wx`: never overwrite a secret another process wrote at the same moment.
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  return { value, created: true };
}

/** The admin key: `ADMIN_API_KEY` when set, else the one kept in `keyFile`. */
export function resolveAdminKey(fromEnv: string | undefined, keyFile: string): AdminKey {
  if (fromEnv && fromEnv.trim() !== "") return { key: fromEnv.trim(), source: "env" };
  const { value, created } = loadOrCreateSecret(keyFile, "sk_admin_");
  return { key: value, source: created ? "generated" : "file" };
}
