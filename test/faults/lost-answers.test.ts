import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../lambdas/domain/digest.js";
import { findConnectorByWebhookToken } from "../../lambdas/flows/webhook-urls.js";
import { handler } from "../../lambdas/handlers/management.js";
import { resetSecrets } from "../../lambdas/platform/secrets.js";
import { getApiKeyOwner } from "../../lambdas/store/apps.js";
import { type ApiEventInput, apiEvent } from "../support/api-event.js";
import { useLocalDynamo } from "../support/dynamo.js";
import { installFaultyDynamo } from "./faulty-dynamo.js";

/**
 * A transaction DynamoDB applied whose answer was lost (a timeout after the write, seen after the SDK's
 * own attempts): the product sends it again, and the retry must not fail its own conditions. Before,
 * creating an app or a connector answered 200 as if it had existed before — the app's new API key never
 * shown, so nobody could use the app — while the write had in fact been made. Every attempt of one transaction
 * now carries the same ClientRequestToken (store/conditions.ts transactIf), so the retry is the same
 * request and succeeds without applying it twice.
 */
const engine = useLocalDynamo("lost-answers-test");
const ADMIN = "admin-key-for-lost-answers-test";
/** The next transaction is applied, then its caller sees a timeout (outside the SDK's retries). */
let loseNextAnswer = false;

beforeAll(() => {
  process.env.ADMIN_API_KEY = ADMIN;
  process.env.PUBLIC_BASE_URL = "https://sms.example.test/";
  process.env.SERVER_SECRET = "server-secret-for-lost-answers-test";
  resetSecrets();
  installFaultyDynamo(engine.endpoint(), {
    where: "outside",
    choose(command) {
      if (command !== "TransactWriteItemsCommand" || !loseNextAnswer) return null;
      loseNextAnswer = false;
      return "timeoutAfter";
    },
  });
});

async function call(input: ApiEventInput) {
  const result = (await handler(apiEvent(input))) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? "{}") as Record<string, unknown> };
}

describe("a transaction applied but whose answer was lost", () => {
  let key = "";

  it("creating an app: 201 with its API key, and the key works", async () => {
    loseNextAnswer = true;
    const res = await call({
      method: "PUT",
      route: "/v1/apps/{appId}",
      params: { appId: "lost1" },
      bearer: ADMIN,
      body: { name: "Lost answers", timezone: "UTC", currency: "USD" },
    });
    expect(loseNextAnswer).toBe(false);
    expect(res.status).toBe(201);
    key = String(res.body.apiKey);
    expect(await getApiKeyOwner(sha256Hex(key))).toBe("lost1");
  });

  it("rotating the API key: 201 with the new key; the new key works and the old one no longer", async () => {
    loseNextAnswer = true;
    const res = await call({
      method: "POST",
      route: "/v1/apps/{appId}/api-keys",
      params: { appId: "lost1" },
      bearer: ADMIN,
    });
    expect(loseNextAnswer).toBe(false);
    expect(res.status).toBe(201);
    const fresh = String(res.body.apiKey);
    expect(await getApiKeyOwner(sha256Hex(fresh))).toBe("lost1");
    expect(await getApiKeyOwner(sha256Hex(key))).toBeUndefined();
    key = fresh;
  });

  it("creating a connector: 201 with its webhook URL, and the URL's token finds it", async () => {
    loseNextAnswer = true;
    const res = await call({
      method: "PUT",
      route: "/v1/apps/{appId}/connectors/{connectorId}",
      params: { appId: "lost1", connectorId: "gs" },
      bearer: key,
      body: { provider: "gupshup", gupshup: { userId: "2000001", password: "secret-pw", mask: "ACME" } },
    });
    expect(loseNextAnswer).toBe(false);
    expect(res.status).toBe(201);
    const token = String(res.body.webhookUrl).split("/").pop() as string;
    expect((await findConnectorByWebhookToken(token))?.connectorId).toBe("gs");
  });
});
