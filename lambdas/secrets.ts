import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * Secrets the functions need, read once per cold start: from the environment on one machine
 * (the local runtime generates and keeps them under DATA_DIR), from Secrets Manager on AWS.
 */
const cache = new Map<string, Promise<string>>();
let secretsManager: SecretsManagerClient | undefined;

async function fromSecretsManager(arn: string): Promise<string> {
  secretsManager ??= new SecretsManagerClient({});
  const r = await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!r.SecretString) throw new Error("secret has no string value");
  return r.SecretString;
}

function secret(envName: string, arnEnvName: string): Promise<string> {
  let value = cache.get(envName);
  if (!value) {
    const direct = process.env[envName];
    const arn = process.env[arnEnvName];
    if (direct) value = Promise.resolve(direct);
    else if (arn) value = fromSecretsManager(arn);
    else value = Promise.reject(new Error(`${envName} (or ${arnEnvName}) is not set`));
    cache.set(envName, value);
    value.catch(() => cache.delete(envName));
  }
  return value;
}

/** Derives the webhook tokens (HMAC), so they can be put into per-message callback URLs yet stored only hashed. */
export function serverSecret(): Promise<string> {
  return secret("SERVER_SECRET", "SERVER_SECRET_ARN");
}

/** Forget cached values (tests that change the environment). */
export function resetSecrets(): void {
  cache.clear();
}
