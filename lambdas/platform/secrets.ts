import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * Secrets the functions need: from the environment on one machine (the local runtime generates and
 * keeps them under DATA_DIR), from Secrets Manager on AWS, read once per cold start. One client.
 */
const fetched = new Map<string, Promise<string>>();
let secretsManager: SecretsManagerClient | undefined;

function fromSecretsManager(arn: string): Promise<string> {
  let value = fetched.get(arn);
  if (!value) {
    secretsManager ??= new SecretsManagerClient({});
    const loading = secretsManager.send(new GetSecretValueCommand({ SecretId: arn })).then((r) => {
      if (!r.SecretString) throw new Error("secret has no string value");
      return r.SecretString;
    });
    value = loading;
    fetched.set(arn, loading);
    // A failed read is forgotten, so the next call retries.
    loading.catch(() => {
      if (fetched.get(arn) === loading) fetched.delete(arn);
    });
  }
  return value;
}

async function secret(envName: string, arnEnvName: string): Promise<string | undefined> {
  const direct = process.env[envName];
  if (direct) return direct;
  const arn = process.env[arnEnvName];
  return arn ? fromSecretsManager(arn) : undefined;
}

/** Derives the webhook tokens (HMAC), so they can be put into per-message callback URLs yet stored only hashed. */
export async function serverSecret(): Promise<string> {
  const value = await secret("SERVER_SECRET", "SERVER_SECRET_ARN");
  if (!value) throw new Error("SERVER_SECRET (or SERVER_SECRET_ARN) is not set");
  return value;
}

/** The operator's admin key, or undefined where this function has none (only admin routes hold it). */
export function adminKey(): Promise<string | undefined> {
  return secret("ADMIN_API_KEY", "ADMIN_KEY_SECRET_ARN");
}

/** Forget fetched values (tests that change the environment). */
export function resetSecrets(): void {
  fetched.clear();
}
