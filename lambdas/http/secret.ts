import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

let client: SecretsManagerClient | undefined;
const cache = new Map<string, Promise<string>>();

async function load(arn: string): Promise<string> {
  client ??= new SecretsManagerClient({});
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString) throw new Error(`secret ${arn} has no string value`);
  return out.SecretString;
}

/**
 * A Secrets Manager secret's string, read once per cold start (secrets change by redeploy or
 * operator action, not per request). A failed read is forgotten so the next call retries.
 */
export function secretString(arn: string): Promise<string> {
  let value = cache.get(arn);
  if (!value) {
    const loading = load(arn);
    value = loading;
    cache.set(arn, loading);
    loading.catch(() => {
      if (cache.get(arn) === loading) cache.delete(arn);
    });
  }
  return value;
}
