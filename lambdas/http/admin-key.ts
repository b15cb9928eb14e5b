import { sha256 } from "../domain/digest.js";
import { adminKey } from "../platform/secrets.js";

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

/** SHA-256 of the admin key, or undefined when this function has none configured. */
export async function adminKeyDigest(): Promise<Buffer | undefined> {
  const key = await adminKey();
  return key === undefined ? undefined : sha256(keyFromSecret(key));
}
