import { createHash } from "node:crypto";
import { secretString } from "./secret.js";

export function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** A plain secret string, or JSON `{"apiKey": "…"}` (the shape a CDK secret template may give). */
function keyFromSecret(secret: string): string {
  try {
    const parsed: unknown = JSON.parse(secret);
    if (parsed && typeof parsed === "object" && typeof (parsed as { apiKey?: unknown }).apiKey === "string") {
      return (parsed as { apiKey: string }).apiKey;
    }
  } catch {
    // not JSON: the whole string is the key
  }
  return secret;
}

/**
 * SHA-256 of the admin key, or undefined when this function has none configured. Locally the key is
 * `ADMIN_API_KEY`; on AWS it is read from Secrets Manager (`ADMIN_KEY_SECRET_ARN`) once per cold start.
 */
export async function adminKeyDigest(): Promise<Buffer | undefined> {
  const plain = process.env.ADMIN_API_KEY;
  if (plain) return sha256(plain);
  const arn = process.env.ADMIN_KEY_SECRET_ARN;
  if (!arn) return undefined;
  return sha256(keyFromSecret(await secretString(arn)));
}
