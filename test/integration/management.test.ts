import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../lambdas/domain/digest.js";
import { connectorWebhookUrl, findConnectorByWebhookToken } from "../../lambdas/flows/webhook-urls.js";
import { handler } from "../../lambdas/handlers/management.js";
import { resetSecrets } from "../../lambdas/platform/secrets.js";
import { getApiKeyOwner, getApp } from "../../lambdas/store/apps.js";
import { getCampaign } from "../../lambdas/store/campaigns.js";
import { dynamo } from "../../lambdas/store/client.js";
import { getConnector } from "../../lambdas/store/connectors.js";
import { tableName } from "../../lambdas/store/table.js";
import { type ApiEventInput, apiEvent } from "../support/api-event.js";
import { useLocalDynamo } from "../support/dynamo.js";

useLocalDynamo("management-test");

const ADMIN = "admin-key-for-management-test";
const BASE = "https://sms.example.test";

type Body = Record<string, unknown> & { error?: { code: string; message: string; details: unknown[] } };

async function call(input: ApiEventInput): Promise<{ status: number; body: Body; raw: string }> {
  const result = (await handler(apiEvent(input))) as APIGatewayProxyStructuredResultV2;
  const raw = result.body ?? "";
  return { status: result.statusCode ?? 0, body: JSON.parse(raw) as Body, raw };
}

const putApp = (appId: string, body: unknown, bearer = ADMIN): ReturnType<typeof call> =>
  call({ method: "PUT", route: "/v1/apps/{appId}", params: { appId }, bearer, body });

const putConnector = (
  appId: string,
  connectorId: string,
  body: unknown,
  bearer: string,
): ReturnType<typeof call> =>
  call({
    method: "PUT",
    route: "/v1/apps/{appId}/connectors/{connectorId}",
    params: { appId, connectorId },
    bearer,
    body,
  });

const putCampaign = (
  appId: string,
  campaignId: string,
  body: unknown,
  bearer: string,
): ReturnType<typeof call> =>
  call({
    method: "PUT",
    route: "/v1/apps/{appId}/campaigns/{campaignId}",
    params: { appId, campaignId },
    bearer,
    body,
  });

const list = (appId: string, bearer?: string): ReturnType<typeof call> =>
  call({
    method: "GET",
    route: "/v1/apps/{appId}/campaigns",
    params: { appId },
    ...(bearer ? { bearer } : {}),
  });

function tokenOf(webhookUrl: unknown): string {
  const url = String(webhookUrl);
  expect(url.startsWith(`${BASE}/webhooks/dlr/`)).toBe(true);
  return url.split("/").pop() as string;
}

const SECRETS = [
  "gs-password-secret",
  "sinch-api-token-secret",
  "sinch-hook-secret",
  "kaleyra-api-key-secret",
  "X-Key-secret",
];

const connectors = {
  gs: { provider: "gupshup", gupshup: { userId: "2000001", password: "gs-password-secret", mask: "ACME" } },
  sn: {
    provider: "sinch",
    sinch: {
      servicePlanId: "plan1",
      apiToken: "sinch-api-token-secret",
      from: "ACME",
      baseUrl: "https://user:pw@eu.sms.api.sinch.com/?k=v",
      webhookSecret: "sinch-hook-secret",
    },
  },
  ky: { provider: "kaleyra", kaleyra: { apiKey: "kaleyra-api-key-secret", sender: "ACMEIN" } },
  cu: {
    provider: "custom",
    deliveryTracking: true,
    sendRatePerSecond: 5,
    custom: {
      request: {
        method: "POST",
        url: "https://sms.example/send?auth=X-Key-secret",
        headers: { "X-Key": "X-Key-secret" },
        body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
      },
      response: { messageIdPointer: "/id" },
      receipt: { messageId: "ref", status: "status", delivered: ["DELIVERED"], failed: ["FAILED"] },
    },
  },
  plain: {
    provider: "custom",
    custom: { request: { method: "GET", url: "https://sms.example/send?to={{phone}}&text={{message}}" } },
  },
};

let acmeKey = "";
let globexKey = "";

beforeAll(() => {
  process.env.ADMIN_API_KEY = ADMIN;
  process.env.PUBLIC_BASE_URL = `${BASE}/`;
  process.env.SERVER_SECRET = "server-secret-for-management-test";
  resetSecrets();
});

describe("apps", () => {
  it("creates an app: 201 with an API key shown once and stored only as its hash", async () => {
    const res = await putApp("acme", { name: "Acme", timezone: "Asia/Kolkata", currency: "INR" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      appId: "acme",
      name: "Acme",
      timezone: "Asia/Kolkata",
      currency: "INR",
    });
    acmeKey = String(res.body.apiKey);
    expect(acmeKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    const stored = await getApp("acme");
    expect(stored?.apiKeyHash).toBe(sha256Hex(acmeKey));
    expect(JSON.stringify(stored)).not.toContain(acmeKey);
    expect(await getApiKeyOwner(sha256Hex(acmeKey))).toBe("acme");

    const other = await putApp("globex", { name: "Globex" });
    expect(other.status).toBe(201);
    expect(other.body).toMatchObject({ timezone: "UTC", currency: "USD" });
    globexKey = String(other.body.apiKey);
  });

  it("updates an existing app: 200, no key, the old key still works", async () => {
    const res = await putApp("acme", { name: "Acme Corp", timezone: "Asia/Kathmandu", currency: "INR" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "Acme Corp", timezone: "Asia/Kathmandu" });
    expect(res.body).not.toHaveProperty("apiKey");
    expect(res.body).not.toHaveProperty("apiKeyHash");
    expect((await list("acme", acmeKey)).status).toBe(200);
  });

  it.each([
    [{ timezone: "UTC" }, "name"],
    [{ name: "A", timezone: "Mars/Base" }, "timezone"],
    [{ name: "A", currency: "XYZ1" }, "currency"],
    [{ name: "A", plan: "gold" }, "plan"],
  ])("rejects %j naming %s", async (body, field) => {
    const res = await putApp("initech", body);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("VALIDATION_FAILED");
    expect(res.body.error?.details).toEqual([{ field, problem: expect.any(String) }]);
  });

  it("rejects a bad app id in the path, invalid JSON and a missing body", async () => {
    const badId = await putApp("bad id!", { name: "A" });
    expect(badId.status).toBe(400);
    expect(badId.body.error?.details).toEqual([{ field: "appId", problem: expect.any(String) }]);
    const badJson = await putApp("initech", '{"name":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error?.code).toBe("INVALID_JSON");
    const none = await putApp("initech", undefined);
    expect(none.body.error?.details).toEqual([{ field: "body", problem: "is required: send a JSON object" }]);
  });

  it("needs the admin key: missing or wrong → 401, an app key → 403", async () => {
    const missing = await call({
      method: "PUT",
      route: "/v1/apps/{appId}",
      params: { appId: "x" },
      body: { name: "X" },
    });
    expect(missing.status).toBe(401);
    expect(missing.body.error?.code).toBe("UNAUTHORIZED");
    expect((await putApp("x", { name: "X" }, "wrong-key")).status).toBe(401);
    const appKey = await putApp("x", { name: "X" }, acmeKey);
    expect(appKey.status).toBe(403);
    expect(appKey.body.error?.code).toBe("FORBIDDEN");
  });
});

describe("auth on app routes", () => {
  it("missing, malformed or unknown key → 401", async () => {
    expect((await list("acme")).status).toBe(401);
    expect((await list("acme", "sk_unknown")).status).toBe(401);
    const malformed = await call({
      method: "GET",
      route: "/v1/apps/{appId}/campaigns",
      params: { appId: "acme" },
      headers: { authorization: `Basic ${acmeKey}` },
    });
    expect(malformed.status).toBe(401);
  });

  it("another app's valid key → 403, the same whether the path's app exists or not", async () => {
    const existing = await list("acme", globexKey);
    const missing = await list("no-such-app", globexKey);
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual(existing.body);
  });

  it("the admin key on an app route → 401, like any key that is not this app's", async () => {
    const res = await list("acme", ADMIN);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe("UNAUTHORIZED");
  });
});

describe("connectors", () => {
  const webhookTokens: Record<string, string> = {};

  it.each(Object.entries(connectors))("creates %s without echoing credentials", async (connectorId, body) => {
    const res = await putConnector("acme", connectorId, body, acmeKey);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      appId: "acme",
      connectorId,
      provider: body.provider,
      credentials: "stored",
    });
    for (const secret of SECRETS) expect(res.raw).not.toContain(secret);
    expect(res.raw).not.toContain("plan1");
    expect(res.raw).not.toContain("webhookToken");
    webhookTokens[connectorId] = tokenOf(res.body.webhookUrl);
    expect(res.body.webhookUrl).toBe(`${BASE}/webhooks/dlr/${connectorId}/${webhookTokens[connectorId]}`);
  });

  it("shows only non-secret settings", async () => {
    const sinch = await putConnector("acme", "sn", connectors.sn, acmeKey);
    expect(sinch.body).toMatchObject({
      deliveryTracking: true,
      sendRatePerSecond: 20,
      timeoutMs: 10000,
      settings: { from: "ACME", baseUrl: "https://eu.sms.api.sinch.com/" },
    });
    const custom = await putConnector("acme", "cu", connectors.cu, acmeKey);
    expect(custom.body).toMatchObject({
      deliveryTracking: true,
      sendRatePerSecond: 5,
      settings: { method: "POST", urlHost: "sms.example" },
    });
    const plain = await putConnector("acme", "plain", connectors.plain, acmeKey);
    expect(plain.body).toMatchObject({ deliveryTracking: false });
  });

  it("the webhook URL's token finds its connector with full config; a wrong token finds nothing", async () => {
    const found = await findConnectorByWebhookToken(webhookTokens.gs as string);
    expect(found).toMatchObject({ appId: "acme", connectorId: "gs", provider: "gupshup" });
    expect(found?.provider === "gupshup" && found.gupshup.password).toBe("gs-password-secret");
    expect(await findConnectorByWebhookToken(`${webhookTokens.gs}x`)).toBeUndefined();
    expect(await findConnectorByWebhookToken("")).toBeUndefined();
    expect(await findConnectorByWebhookToken(webhookTokens.ky?.toUpperCase() as string)).toBeUndefined();
  });

  it("the send worker can rebuild the URL it was given, from the server secret", async () => {
    const gs = await getConnector("acme", "gs");
    expect(await connectorWebhookUrl(gs as NonNullable<typeof gs>)).toBe(
      `${BASE}/webhooks/dlr/gs/${webhookTokens.gs}`,
    );
    const stored = JSON.stringify(gs);
    expect(stored).not.toContain(webhookTokens.gs as string);
  });

  it("refuses to hand out a URL the webhook would reject after the server secret changed", async () => {
    const gs = await getConnector("acme", "gs");
    const secret = process.env.SERVER_SECRET;
    process.env.SERVER_SECRET = "another-secret";
    resetSecrets();
    try {
      await expect(connectorWebhookUrl(gs as NonNullable<typeof gs>)).rejects.toThrow(/rotate/);
    } finally {
      process.env.SERVER_SECRET = secret;
      resetSecrets();
    }
  });

  it("an update keeps the token and does not show the URL again", async () => {
    const res = await putConnector("acme", "gs", { ...connectors.gs, sendRatePerSecond: 50 }, acmeKey);
    expect(res.status).toBe(200);
    expect(res.body.webhookUrl).toBeNull();
    expect(String(res.body.webhookUrlNote)).toContain("rotateWebhookToken");
    expect(res.body.sendRatePerSecond).toBe(50);
    expect((await findConnectorByWebhookToken(webhookTokens.gs as string))?.sendRatePerSecond).toBe(50);
  });

  it("rotation issues a new URL and the old token stops working", async () => {
    const res = await putConnector("acme", "gs", { ...connectors.gs, rotateWebhookToken: true }, acmeKey);
    expect(res.status).toBe(200);
    const fresh = tokenOf(res.body.webhookUrl);
    expect(fresh).not.toBe(webhookTokens.gs);
    expect(await findConnectorByWebhookToken(webhookTokens.gs as string)).toBeUndefined();
    expect((await findConnectorByWebhookToken(fresh))?.connectorId).toBe("gs");
    const stored = await getConnector("acme", "gs");
    expect(stored).not.toHaveProperty("rotateWebhookToken");
    expect(await connectorWebhookUrl(stored as NonNullable<typeof stored>)).toBe(res.body.webhookUrl);
  });

  it("refuses to change the provider or delivery tracking (409)", async () => {
    const provider = await putConnector("acme", "gs", connectors.ky, acmeKey);
    expect(provider.status).toBe(409);
    expect(provider.body.error?.details).toEqual([{ field: "provider", problem: expect.any(String) }]);
    const tracking = await putConnector(
      "acme",
      "plain",
      { ...connectors.plain, deliveryTracking: true, custom: connectors.cu.custom },
      acmeKey,
    );
    expect(tracking.status).toBe(409);
  });

  it("rejects bad bodies naming the field", async () => {
    const missingBlock = await putConnector("acme", "x", { provider: "kaleyra" }, acmeKey);
    expect(missingBlock.status).toBe(400);
    expect(missingBlock.body.error?.details).toEqual([
      { field: "kaleyra", problem: 'is required when provider is "kaleyra"' },
    ]);
    const noReceipt = await putConnector(
      "acme",
      "x",
      { provider: "custom", deliveryTracking: true, custom: { request: connectors.plain.custom.request } },
      acmeKey,
    );
    expect(noReceipt.body.error?.details).toEqual([{ field: "custom.receipt", problem: expect.any(String) }]);
    const badId = await putConnector("acme", "a#b", connectors.gs, acmeKey);
    expect(badId.body.error?.details).toEqual([{ field: "connectorId", problem: expect.any(String) }]);
  });

  it("another app's key cannot write this app's connector", async () => {
    expect((await putConnector("acme", "gs", connectors.gs, globexKey)).status).toBe(403);
  });
});

describe("campaigns", () => {
  const goals = [
    { goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" },
    { goalId: "signup", eventName: "Signup", filters: { plan: "pro" } },
  ];

  it("creates a campaign: the first goal is primary when none says so, delivered basis for gupshup", async () => {
    const res = await putCampaign("acme", "bf", { name: "Black Friday", connectorId: "gs", goals }, acmeKey);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      campaignId: "bf",
      primaryGoalId: "purchase",
      revenueGoalId: "purchase",
      attributionBasis: "delivered",
      provider: "gupshup",
      clickTracking: false,
      conversionWindowHours: 36,
    });
    expect(res.body.goals).toEqual([
      { ...goals[0], primary: true },
      { ...goals[1], primary: false },
    ]);
  });

  it("updates it (200) with the marked primary; the custom connector without tracking gives a sent basis", async () => {
    const marked = [goals[0], { ...goals[1], primary: true }];
    const res = await putCampaign(
      "acme",
      "bf",
      { name: "BF", connectorId: "plain", clickTracking: true, goals: marked },
      acmeKey,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      primaryGoalId: "signup",
      attributionBasis: "sent",
      provider: "custom",
      clickTracking: true,
    });
    const stored = await getCampaign("acme", "bf");
    expect(stored?.createdAt).toBeDefined();
    expect(stored?.primaryGoalId).toBe("signup");
    const custom = await putCampaign("acme", "cu1", { name: "C", connectorId: "cu", goals }, acmeKey);
    expect(custom.body.attributionBasis).toBe("delivered");
  });

  it("rejects two primaries, two revenue goals and an unknown connector, naming the field", async () => {
    const twoPrimaries = await putCampaign(
      "acme",
      "x",
      { name: "X", connectorId: "gs", goals: goals.map((g) => ({ ...g, primary: true })) },
      acmeKey,
    );
    expect(twoPrimaries.status).toBe(400);
    expect(twoPrimaries.body.error?.details).toEqual([
      { field: "goals[1].primary", problem: expect.any(String) },
    ]);
    const twoRevenue = await putCampaign(
      "acme",
      "x",
      { name: "X", connectorId: "gs", goals: goals.map((g) => ({ ...g, revenueAttribute: "v" })) },
      acmeKey,
    );
    expect(twoRevenue.body.error?.details).toEqual([
      { field: "goals[1].revenueAttribute", problem: expect.any(String) },
    ]);
    const unknown = await putCampaign("acme", "x", { name: "X", connectorId: "nope", goals }, acmeKey);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.details).toEqual([
      { field: "connectorId", problem: expect.stringContaining("nope") },
    ]);
  });

  it("cannot use another app's connector", async () => {
    await putConnector("globex", "gx", connectors.gs, globexKey);
    const res = await putCampaign("acme", "x", { name: "X", connectorId: "gx", goals }, acmeKey);
    expect(res.status).toBe(400);
    expect(await getCampaign("acme", "x")).toBeUndefined();
  });

  it("lists the app's campaigns only", async () => {
    await putCampaign("globex", "g1", { name: "G", connectorId: "gx", goals }, globexKey);
    const res = await list("acme", acmeKey);
    expect(res.status).toBe(200);
    const campaigns = res.body.campaigns as { campaignId: string; appId: string }[];
    expect(campaigns.map((c) => c.campaignId)).toEqual(["bf", "cu1"]);
    expect(campaigns.every((c) => c.appId === "acme")).toBe(true);
    expect(res.raw).not.toContain('"pk"');
  });

  it("lists across pages", async () => {
    const key = String((await putApp("many", { name: "Many" })).body.apiKey);
    await putConnector("many", "gs", connectors.gs, key);
    // Goals with long filters make items big enough that one 1 MB query page cannot hold them all.
    const filters = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v".repeat(1000)]));
    const bulky = [{ goalId: "g", eventName: "E", filters }];
    for (let i = 0; i < 60; i++) {
      const id = `c${String(i).padStart(2, "0")}`;
      expect(
        (await putCampaign("many", id, { name: "C", connectorId: "gs", goals: bulky }, key)).status,
      ).toBe(201);
    }
    const firstPage = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": "APP#many", ":prefix": "CAMPAIGN#" },
      }),
    );
    expect(firstPage.LastEvaluatedKey, "the data must span more than one page").toBeDefined();
    const res = await list("many", key);
    expect((res.body.campaigns as unknown[]).length).toBe(60);
  });
});
