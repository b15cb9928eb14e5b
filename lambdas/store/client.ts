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

let doc: DynamoDBDocumentClient | undefined;
let exact: DynamoDBDocumentClient | undefined;

/** One module-scope client per process, created on first use so the environment is read after setup. */
export function dynamo(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(makeClient(), { marshallOptions: { removeUndefinedValues: true } });
  return doc;
}

/**
 * Numbers come back as exact decimal strings (counters and money are summed with big.js). Its own
 * low-level client: a document client's translation options live on the client it wraps.
 */
export function dynamoExact(): DynamoDBDocumentClient {
  exact ??= DynamoDBDocumentClient.from(makeClient(), {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: true },
  });
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
