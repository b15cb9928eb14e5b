import { createHash } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

let client: SecretsManagerClient | undefined;
let cached: { arn: string; digest: Promise<Buffer> } | undefined;

export function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** A plain secret string, or JSON `{"apiKey": "…"}` (the shape a CDK-generated secret template gives). */
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

async function load(arn: string): Promise<Buffer> {
  client ??= new SecretsManagerClient({});
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString) throw new Error("admin key secret has no string value");
  return sha256(keyFromSecret(out.SecretString));
}

/**
 * SHA-256 of the admin key, or undefined when this function has none configured. Locally the key is
 * `ADMIN_API_KEY`; on AWS it is read from Secrets Manager once per cold start (a failed read is retried).
 */
export async function adminKeyDigest(): Promise<Buffer | undefined> {
  const plain = process.env.ADMIN_API_KEY;
  if (plain) return sha256(plain);
  const arn = process.env.ADMIN_KEY_SECRET_ARN;
  if (!arn) return undefined;
  if (cached?.arn !== arn) {
    const entry = { arn, digest: load(arn) };
    cached = entry;
    entry.digest.catch(() => {
      if (cached === entry) cached = undefined;
    });
  }
  return cached.digest;
}
