import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, type Api, startProduct } from "./harness.js";

/**
 * The rest of the configuration API through the local server: reading apps, connectors and campaigns
 * (credentials never shown), instances with their headline numbers, archiving, key rotation, updates
 * without resending credentials, and the settings that cannot change once they have counted.
 */
let api: Api;
let key: string;

const gupshup = (extra: Record<string, unknown> = {}) => ({
  provider: "gupshup",
  gupshup: {
    userId: "acct-1",
    password: "gs-secret-password",
    mask: "ACME",
    baseUrl: "http://127.0.0.1:9/x?k=v",
  },
  ...extra,
});
const custom = (deliveryTracking: boolean) => ({
  provider: "custom",
  deliveryTracking,
  custom: {
    request: {
      method: "POST",
      url: "http://127.0.0.1:9/send?api_key=custom-url-secret",
      headers: { "X-Key": "custom-header-secret" },
      body: '{"to":"{{phone}}","text":"{{message}}"}',
    },
    ...(deliveryTracking
      ? { receipt: { messageId: "ref", status: "st", delivered: ["D"], failed: ["F"] } }
      : {}),
  },
});
const campaign = (connectorId: string) => ({
  name: "Spring",
  connectorId,
  goals: [{ goalId: "buy", eventName: "Purchase" }],
});
const SECRETS = ["gs-secret-password", "custom-url-secret", "custom-header-secret"];

beforeAll(async () => {
  api = await startProduct();
  key = await api.createApp("acme", "Asia/Kolkata", "INR");
  await api.putConnector("/v1/apps/acme/connectors/gs", gupshup(), key);
  await api.putConnector("/v1/apps/acme/connectors/plain", custom(false), key);
  await api.putConnector("/v1/apps/acme/connectors/tracked", custom(true), key);
  await api.putCampaign("/v1/apps/acme/campaigns/spring", campaign("gs"), key);
});

afterAll(async () => {
  await api?.stop();
});

describe("reading configuration", () => {
  it("GET app, connectors and campaign; secrets appear only as set / not set", async () => {
    const app = await api.call("GET", "/v1/apps/acme", undefined, key);
    expect(app.status).toBe(200);
    expect(app.body).toMatchObject({
      appId: "acme",
      timezone: "Asia/Kolkata",
      currency: "INR",
      dataSince: null,
    });
    expect(JSON.stringify(app.body)).not.toMatch(/apiKey/);

    const list = await api.call("GET", "/v1/apps/acme/connectors", undefined, key);
    expect(list.status).toBe(200);
    expect(list.body.connectors.map((c: { connectorId: string }) => c.connectorId)).toEqual([
      "gs",
      "plain",
      "tracked",
    ]);
    const gs = await api.call("GET", "/v1/apps/acme/connectors/gs", undefined, key);
    expect(gs.body).toMatchObject({
      provider: "gupshup",
      gupshup: { userId: "acct-1", password: { set: true }, mask: "ACME", baseUrl: "http://127.0.0.1:9/x" },
      archived: false,
    });
    const plain = await api.call("GET", "/v1/apps/acme/connectors/plain", undefined, key);
    expect(plain.body.custom.request).toEqual({
      method: "POST",
      url: "http://127.0.0.1:9/send?api_key=***",
      headers: { "X-Key": { set: true } },
      body: { set: true },
    });
    for (const r of [list, gs, plain])
      for (const s of SECRETS) expect(JSON.stringify(r.body)).not.toContain(s);

    const c = await api.call("GET", "/v1/apps/acme/campaigns/spring", undefined, key);
    expect(c.body).toMatchObject({
      campaignId: "spring",
      connectorId: "gs",
      primaryGoalId: "buy",
      archivedAt: null,
    });
    expect((await api.call("GET", "/v1/apps/acme/campaigns/nope", undefined, key)).status).toBe(404);
    expect((await api.call("GET", "/v1/apps/acme/connectors/nope", undefined, key)).status).toBe(404);
  });

  it("lists instances with their first and last send time and headline numbers", async () => {
    await api.putCampaign("/v1/apps/acme/campaigns/weekly", campaign("plain"), key);
    for (const [instanceId, users] of [
      ["w1", ["a", "b"]],
      ["w2", ["c"]],
    ] as const) {
      const r = await api.call(
        "POST",
        `/v1/apps/acme/campaigns/weekly/instances/${instanceId}/sends`,
        // Invalid numbers: never sent to the (unreachable) provider, counted as failed to send.
        { message: "Hi", recipients: users.map((u) => ({ userId: u, phone: "12" })) },
        key,
      );
      expect(r.status).toBe(202);
    }
    await api.drain();
    const r = await api.call("GET", "/v1/apps/acme/campaigns/weekly/instances", undefined, key);
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.body.instances.map((i: { instanceId: string }) => [i.instanceId, i]));
    expect(Object.keys(byId).sort()).toEqual(["w1", "w2"]);
    expect(byId.w1.headline).toMatchObject({ sent: 0, failedToSend: 2 });
    expect(byId.w2.headline).toMatchObject({ sent: 0, failedToSend: 1 });
    expect(Date.parse(byId.w1.firstSendAt)).toBeLessThanOrEqual(Date.parse(byId.w1.lastSendAt));
    expect((await api.call("GET", "/v1/apps/acme/campaigns/nope/instances", undefined, key)).status).toBe(
      404,
    );
  });
});

describe("changing configuration", () => {
  it("updates a connector without resending its credentials, and keeps them", async () => {
    const r = await api.call(
      "PUT",
      "/v1/apps/acme/connectors/gs",
      { provider: "gupshup", gupshup: { userId: "acct-1", mask: "ACME2" }, sendRatePerSecond: 5 },
      key,
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      gupshup: { mask: "ACME2", password: { set: true } },
      sendRatePerSecond: 5,
    });
    // A create without credentials is refused, naming the field.
    const bad = await api.call(
      "PUT",
      "/v1/apps/acme/connectors/new-gs",
      { provider: "gupshup", gupshup: { userId: "u" } },
      key,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ field: "gupshup.password", problem: "is required" }]);
  });

  it("archives a campaign: sends are refused, analytics stay, the list shows it", async () => {
    const del = await api.call("DELETE", "/v1/apps/acme/campaigns/spring", undefined, key);
    expect(del.status).toBe(200);
    expect(del.body.archivedAt).toEqual(expect.any(String));
    expect((await api.call("DELETE", "/v1/apps/acme/campaigns/spring", undefined, key)).body.archivedAt).toBe(
      del.body.archivedAt,
    );
    const send = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/spring/instances/i1/sends",
      { message: "Hi", recipients: [{ userId: "u1", phone: "+919812345678" }] },
      key,
    );
    expect(send.status).toBe(409);
    expect(send.body.error.code).toBe("CONFLICT");
    expect((await api.call("GET", "/v1/apps/acme/campaigns/spring/analytics", undefined, key)).status).toBe(
      200,
    );
    const list = await api.call("GET", "/v1/apps/acme/campaigns", undefined, key);
    expect(list.body.currency).toBe("INR");
    const spring = list.body.campaigns.find((c: { campaignId: string }) => c.campaignId === "spring");
    expect(spring).toMatchObject({ archived: true });
  });

  it("archives a connector only when no live campaign uses it; an archived one takes no campaign", async () => {
    await api.putCampaign("/v1/apps/acme/campaigns/uses-tracked", campaign("tracked"), key);
    const refused = await api.call("DELETE", "/v1/apps/acme/connectors/tracked", undefined, key);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual([
      { field: "campaigns.uses-tracked", problem: "uses this connector" },
    ]);
    expect((await api.call("DELETE", "/v1/apps/acme/campaigns/uses-tracked", undefined, key)).status).toBe(
      200,
    );
    const archived = await api.call("DELETE", "/v1/apps/acme/connectors/tracked", undefined, key);
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    const onArchived = await api.call("PUT", "/v1/apps/acme/campaigns/late", campaign("tracked"), key);
    expect(onArchived.status).toBe(409);
    expect(onArchived.body.error.details[0].field).toBe("connectorId");
  });

  it("issues a new app key: the old one stops working at once", async () => {
    expect((await api.call("POST", "/v1/apps/acme/api-keys", undefined, key)).status).toBe(403);
    const r = await api.call("POST", "/v1/apps/acme/api-keys", undefined, ADMIN_KEY);
    expect(r.status).toBe(201);
    expect(r.body.apiKey).toMatch(/^sk_/);
    expect((await api.call("GET", "/v1/apps/acme", undefined, key)).status).toBe(401);
    key = r.body.apiKey;
    expect((await api.call("GET", "/v1/apps/acme", undefined, key)).status).toBe(200);
    expect((await api.call("POST", "/v1/apps/ghost/api-keys", undefined, ADMIN_KEY)).status).toBe(404);
  });
});

describe("settings that counted history depends on", () => {
  it("an app's time zone and currency change freely until it has data, then 409 naming the field", async () => {
    await api.createApp("fresh");
    const before = await api.call(
      "PUT",
      "/v1/apps/fresh",
      { name: "F", timezone: "Asia/Tokyo", currency: "JPY" },
      ADMIN_KEY,
    );
    expect(before.status).toBe(200);
    // acme has data (its sends above): its settings are part of what was counted.
    const after = await api.call(
      "PUT",
      "/v1/apps/acme",
      { name: "Acme", timezone: "UTC", currency: "USD" },
      ADMIN_KEY,
    );
    expect(after.status).toBe(409);
    expect(after.body.error.details.map((d: { field: string }) => d.field)).toEqual(["timezone", "currency"]);
    const rename = await api.call(
      "PUT",
      "/v1/apps/acme",
      { name: "Acme Ltd", timezone: "Asia/Kolkata", currency: "INR" },
      ADMIN_KEY,
    );
    expect(rename.status).toBe(200);
    expect(rename.body.dataSince).toEqual(expect.any(String));
  });

  it("a campaign that has sent keeps its attribution basis: moving it to another basis is 409", async () => {
    // weekly (custom without tracking: basis "sent") has sent; gs tracks delivery (basis "delivered").
    const r = await api.call("PUT", "/v1/apps/acme/campaigns/weekly", campaign("gs"), key);
    expect(r.status).toBe(409);
    expect(r.body.error.details[0].field).toBe("connectorId");
    // A campaign that has not sent may move.
    await api.putCampaign("/v1/apps/acme/campaigns/draft", campaign("plain"), key);
    expect((await api.call("PUT", "/v1/apps/acme/campaigns/draft", campaign("gs"), key)).status).toBe(200);
  });
});
