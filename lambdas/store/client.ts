import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

function makeClient(): DynamoDBClient {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  return new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? "local",
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
          maxAttempts: 5,
        }
      : { maxAttempts: 5 },
  );
}

const PLAIN = { marshallOptions: { removeUndefinedValues: true } };
/** Numbers come back as exact decimal strings (counters and money are summed with big.js). */
const EXACT = { ...PLAIN, unmarshallOptions: { wrapNumbers: true } };

/**
 * The product's two document clients (plain, exact-number) over low-level clients from `make`, one
 * each: a document client's translation options live on the client it wraps. Tests and the bench
 * pass their own low-level clients (fault injection, request counting) and hand the pair to `setDynamo`.
 */
export function documentClients(
  make: () => DynamoDBClient,
): [DynamoDBDocumentClient, DynamoDBDocumentClient] {
  return [DynamoDBDocumentClient.from(make(), PLAIN), DynamoDBDocumentClient.from(make(), EXACT)];
}

let doc: DynamoDBDocumentClient | undefined;
let exact: DynamoDBDocumentClient | undefined;

/** One module-scope client per process, created on first use so the environment is read after setup. */
export function dynamo(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(makeClient(), PLAIN);
  return doc;
}

/** The exact-number client (EXACT), on a low-level client of its own. */
export function dynamoExact(): DynamoDBDocumentClient {
  exact ??= DynamoDBDocumentClient.from(makeClient(), EXACT);
  return exact;
}

/** Tests and the bench instrument or replace the clients (fault injection, request counting). */
export function setDynamo(
  client: DynamoDBDocumentClient,
  exactClient: DynamoDBDocumentClient = client,
): void {
  doc = client;
  exact = exactClient;
}
