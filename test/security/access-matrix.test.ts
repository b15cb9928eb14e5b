import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import { listParked } from "../../lambdas/store/parked.js";
import { type RouteSpec, routes } from "../../lambdas/topology/routes.js";
import { ADMIN_KEY, type Api, startProduct } from "../e2e/harness.js";
import { type BuiltReceipt, sinchRecipientReport } from "../simulators/index.js";

/**
 * Every route of `lambdas/routes.ts` against every credential that is not the right one, through the
 * local server: each gets the documented status and error body (SPEC §5, docs/decisions.md), and the
 * answer never says whether another app exists.
 */

const SECRET = "sinch-webhook-secret-for-tests";
const T0 = Date.parse("2026-11-20T10:00:00Z");
let api: Api;
let keyA: string;
let keyB: string;
/** connectorId → token (the last path segment of its webhookUrl). */
const tokens: Record<string, string> = {};
let otherAppToken: string;

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** `authorization` is the raw header value (null: no header). */
async function request(
  method: string,
  path: string,
  authorization: string | null,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  const withBody = body !== undefined && method !== "GET" && method !== "HEAD";
  if (withBody) headers["content-type"] = "application/json";
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers,
    redirect: "manual",
    ...(withBody ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const bearer = (key: string): string => `Bearer ${key}`;

/** A body the route would accept from the right caller, so only the credential can be wrong. */
function validBody(route: RouteSpec): unknown {
  if (route.method === "GET" || route.method === "HEAD") return undefined;
  if (route.path === "/v1/apps/{appId}") return { name: "X", timezone: "UTC", currency: "USD" };
  if (route.path.endsWith("/connectors/{connectorId}"))
    return { provider: "gupshup", gupshup: { userId: "u", password: "p", baseUrl: "http://127.0.0.1:1" } };
  if (route.path.endsWith("/campaigns/{campaignId}"))
    return { name: "N", connectorId: "gs", goals: [{ goalId: "g", eventName: "E" }] };
  if (route.path.endsWith("/sends"))
    return { message: "hi", recipients: [{ userId: "u9", phone: "+15550000000" }] };
  if (route.path.endsWith("/events"))
    return { events: [{ eventId: "e1", userId: "u1", name: "E", time: new Date(T0).toISOString() }] };
  return {};
}

/** Routes that archive or replace something act on spare resources, so the other cases keep theirs. */
function spareFor(route: RouteSpec): Record<string, string> {
  // Only a sandbox connector has phones to read.
  if (route.path.endsWith("/sandbox-messages")) return { connectorId: "sbx" };
  if (route.method !== "DELETE") return {};
  return route.path.endsWith("/connectors/{connectorId}")
    ? { connectorId: "spare" }
    : { campaignId: "spare" };
}

function pathFor(route: RouteSpec, appId: string, overrides: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    appId,
    connectorId: "gs",
    campaignId: "bf",
    instanceId: "i1",
    code: "AAAAAAAAAAAAAA",
    token: tokens.gs ?? "",
    ...spareFor(route),
    ...overrides,
  };
  return route.path.replace(/\{(\w+)\+?\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ""));
}

function errorOf(a: Answer): { code: string; message: string; details: unknown[] } {
  const parsed = JSON.parse(a.text) as { error: { code: string; message: string; details: unknown[] } };
  expect(Object.keys(parsed)).toEqual(["error"]);
  return parsed.error;
}

function expectUnauthorized(a: Answer): void {
  expect(a.status, a.text).toBe(401);
  expect(errorOf(a)).toMatchObject({ code: "UNAUTHORIZED", details: [] });
  expect(a.headers.get("www-authenticate")).toMatch(/^Bearer/);
}

function expectForbidden(a: Answer): void {
  expect(a.status, a.text).toBe(403);
  expect(errorOf(a)).toMatchObject({ code: "FORBIDDEN", details: [] });
}

/** Nothing of any secret, and no app id other than the one in the request's own path. */
function expectRevealsNothing(a: Answer): void {
  for (const secret of [ADMIN_KEY, keyA, keyB, ...Object.values(tokens), otherAppToken, SECRET]) {
    expect(a.text).not.toContain(secret);
  }
  expect(a.text).not.toMatch(/other-app|ghost-app/);
}

const MALFORMED = [
  "",
  "Basic dXNlcjpwYXNz",
  "Bearer",
  "Bearer ",
  "Token abc",
  "Bearer a b",
  "Bearer\tabc",
  `${ADMIN_KEY}`,
];

beforeAll(async () => {
  api = await startProduct();
  keyA = await api.createApp("acme");
  keyB = await api.createApp("other-app");
  const connectors: Record<string, unknown> = {
    gs: {
      provider: "gupshup",
      gupshup: { userId: "acct", password: "pw-secret", baseUrl: "http://127.0.0.1:1" },
    },
    kl: {
      provider: "kaleyra",
      kaleyra: { apiKey: "kaleyra-secret", sender: "ACME", baseUrl: "http://127.0.0.1:1" },
    },
    sn: {
      provider: "sinch",
      sinch: {
        servicePlanId: "plan",
        apiToken: "sinch-token",
        from: "ACME",
        baseUrl: "http://127.0.0.1:1",
        webhookSecret: SECRET,
      },
    },
  };
  for (const [id, body] of Object.entries(connectors)) {
    const r = await api.call("PUT", `/v1/apps/acme/connectors/${id}`, body, keyA);
    expect(r.status).toBe(201);
    tokens[id] = new URL(r.body.webhookUrl).pathname.split("/").pop() as string;
  }
  const other = await api.call("PUT", "/v1/apps/other-app/connectors/gs", connectors.gs, keyB);
  otherAppToken = new URL(other.body.webhookUrl).pathname.split("/").pop() as string;
  const campaign = await api.call(
    "PUT",
    "/v1/apps/acme/campaigns/bf",
    validBody(routeOf("PUT", "/v1/apps/{appId}/campaigns/{campaignId}")),
    keyA,
  );
  expect(campaign.status).toBe(201);
  // Spares for the archiving routes' controls, and an app whose key the key-rotation control replaces.
  expect((await api.call("PUT", "/v1/apps/acme/connectors/spare", connectors.gs, keyA)).status).toBe(201);
  expect(
    (
      await api.call(
        "PUT",
        "/v1/apps/acme/campaigns/spare",
        validBody(routeOf("PUT", "/v1/apps/{appId}/campaigns/{campaignId}")),
        keyA,
      )
    ).status,
  ).toBe(201);
  expect((await api.call("PUT", "/v1/apps/acme/connectors/sbx", { provider: "sandbox" }, keyA)).status).toBe(
    201,
  );
  await api.createApp("rotating-app");
});

afterEach(() => setClock(undefined));
afterAll(async () => {
  await api?.stop();
});

function routeOf(method: string, path: string): RouteSpec {
  const r = routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
}

const byAuth = (auth: RouteSpec["auth"]): RouteSpec[] => routes.filter((r) => r.auth === auth);
const name = (r: RouteSpec): string => `${r.method} ${r.path}`;

describe("the matrix covers every route", () => {
  it("each route has a known auth kind and at least one case below", () => {
    const covered = new Set([...byAuth("admin"), ...byAuth("app"), ...byAuth("token"), ...byAuth("public")]);
    expect(covered.size).toBe(routes.length);
    expect(byAuth("admin").length).toBeGreaterThan(0);
    expect(byAuth("app").length).toBeGreaterThan(0);
    expect(byAuth("token").length).toBeGreaterThan(0);
  });
});

describe.each(byAuth("app").map((r) => [name(r), r] as const))("app route %s", (_, route) => {
  const call = (appId: string, authorization: string | null): Promise<Answer> =>
    request(route.method, pathFor(route, appId), authorization, validBody(route));

  it("401 without a key or with a malformed header", async () => {
    for (const auth of [null, ...MALFORMED]) {
      const a = await call("acme", auth);
      expectUnauthorized(a);
      expectRevealsNothing(a);
    }
  });

  it("401 for a wrong key and for the admin key, the same body whether the app exists or not", async () => {
    const answers = await Promise.all([
      call("acme", bearer("sk_wrong_0123456789abcdef")),
      call("ghost-app", bearer("sk_wrong_0123456789abcdef")),
      call("acme", bearer(ADMIN_KEY)),
      call("ghost-app", bearer(ADMIN_KEY)),
      call("acme", bearer(`${keyA}x`)),
    ]);
    for (const a of answers) {
      expectUnauthorized(a);
      expectRevealsNothing(a);
      expect(a.text).toBe(answers[0]?.text);
    }
  });

  it("403 for another app's key, identical for an existing and a non-existing app", async () => {
    const existing = await call("other-app", bearer(keyA));
    const missing = await call("ghost-app", bearer(keyA));
    const reverse = await call("acme", bearer(keyB));
    for (const a of [existing, missing, reverse]) {
      expectForbidden(a);
      expectRevealsNothing(a);
    }
    expect(missing.text).toBe(existing.text);
    expect(reverse.text).toBe(existing.text);
  });

  it("the app's own key passes the check (the control)", async () => {
    const a = await call("acme", bearer(keyA));
    expect([200, 201, 202], a.text).toContain(a.status);
  });
});

describe.each(byAuth("admin").map((r) => [name(r), r] as const))("admin route %s", (_, route) => {
  const call = (appId: string, authorization: string | null): Promise<Answer> =>
    request(route.method, pathFor(route, appId), authorization, validBody(route));

  it("401 without a key, with a malformed header or a wrong key", async () => {
    for (const auth of [null, ...MALFORMED, bearer("sk_wrong_0123456789abcdef"), bearer(`${ADMIN_KEY}x`)]) {
      for (const appId of ["acme", "ghost-app"]) {
        const a = await call(appId, auth);
        expectUnauthorized(a);
        expectRevealsNothing(a);
      }
    }
  });

  it("403 for an app key, whichever app the path names", async () => {
    const answers = await Promise.all([
      call("acme", bearer(keyA)),
      call("other-app", bearer(keyA)),
      call("ghost-app", bearer(keyA)),
    ]);
    for (const a of answers) {
      expectForbidden(a);
      expectRevealsNothing(a);
      expect(a.text).toBe(answers[0]?.text);
    }
  });

  it("the admin key passes the check (the control)", async () => {
    const appId =
      route.path === "/v1/apps/{appId}"
        ? "admin-made"
        : route.path.endsWith("/api-keys")
          ? "rotating-app"
          : "acme";
    expect([200, 201]).toContain((await call(appId, bearer(ADMIN_KEY))).status);
  });
});

describe.each(byAuth("public").map((r) => [name(r), r] as const))("public route %s", (_, route) => {
  it("answers the same with no key, a wrong key, an app key or the admin key", async () => {
    const answers = await Promise.all(
      [null, "Basic x", bearer("wrong"), bearer(keyA), bearer(ADMIN_KEY)].map((auth) =>
        request(route.method, pathFor(route, "acme"), auth),
      ),
    );
    for (const a of answers) {
      expect(a.status).toBe(route.fn === "redirect" ? 404 : 200);
      expect(a.text).toBe(answers[0]?.text);
      expectRevealsNothing(a);
    }
  });
});

describe.each(byAuth("token").map((r) => [name(r), r] as const))("webhook route %s", (_, route) => {
  const hook = (connectorId: string, token: string, authorization: string | null = null): Promise<Answer> =>
    request(
      route.method,
      pathFor(route, "acme", { connectorId, token }),
      authorization,
      route.method === "POST" ? {} : undefined,
    );

  it("401 with one body for a wrong token, another connector's token, another app's token or an unknown connector", async () => {
    const answers = await Promise.all([
      hook("gs", "0".repeat(43)),
      hook("gs", `${tokens.gs}x`),
      hook("gs", (tokens.gs as string).slice(0, -1)),
      hook("kl", tokens.gs as string),
      hook("gs", tokens.kl as string),
      // The webhook path names no app: another app's token is refused when the connector id differs.
      hook("kl", otherAppToken),
      hook("nope", tokens.gs as string),
      hook("gs", "x".repeat(500)),
      // API keys are not webhook credentials.
      hook("gs", "0".repeat(43), bearer(ADMIN_KEY)),
      hook("gs", keyA, bearer(keyA)),
    ]);
    for (const a of answers) {
      expectUnauthorized(a);
      expectRevealsNothing(a);
      expect(a.text).toBe(answers[0]?.text);
    }
  });

  it("the right token passes (the control)", async () => {
    expect((await hook("gs", tokens.gs as string)).status).toBe(200);
  });
});

describe("Sinch signatures on the webhook", () => {
  const url = (): string => `${api.url}/webhooks/dlr/sn/${tokens.sn}`;
  const report = (timestampSec: number, nonce = "nonce-1"): BuiltReceipt =>
    sinchRecipientReport(
      {
        batchId: "batch-unmatched",
        recipient: "15550000000",
        status: "Delivered",
        clientReference: "nobody",
      },
      { secret: SECRET, timestampSec, nonce },
    );
  const deliver = async (r: BuiltReceipt): Promise<Answer> => {
    const res = await fetch(url(), { method: "POST", headers: r.headers, body: r.body });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };

  it("a tampered body, signature, nonce or timestamp, a missing header or another secret: 401, one body", async () => {
    setClock(() => T0);
    const good = report(T0 / 1000);
    const sig = good.headers["x-sinch-webhook-signature"] as string;
    const flipped = `${sig.slice(0, 5)}${sig[5] === "A" ? "B" : "A"}${sig.slice(6)}`;
    const variants: BuiltReceipt[] = [
      { ...good, body: good.body.replace("Delivered", "Failed") },
      { ...good, body: `${good.body} ` },
      { ...good, headers: { ...good.headers, "x-sinch-webhook-signature": flipped } },
      { ...good, headers: { ...good.headers, "x-sinch-webhook-signature": "" } },
      { ...good, headers: { ...good.headers, "x-sinch-webhook-signature-nonce": "nonce-2" } },
      { ...good, headers: { ...good.headers, "x-sinch-webhook-signature-timestamp": String(T0 / 1000 + 1) } },
      { ...good, headers: { ...good.headers, "x-sinch-webhook-signature-algorithm": "HmacSHA1" } },
      { ...good, headers: { "content-type": "application/json" } },
      sinchRecipientReport(
        { batchId: "b", recipient: "15550000000", status: "Delivered" },
        { secret: "another-secret", timestampSec: T0 / 1000 },
      ),
    ];
    const answers = [];
    for (const v of variants) answers.push(await deliver(v));
    for (const a of answers) {
      expectUnauthorized(a);
      expectRevealsNothing(a);
      expect(a.text).toBe(answers[0]?.text);
    }
    // The untouched request is accepted (the control).
    expect((await deliver(good)).status).toBe(200);
  });

  it("a replay outside the 5-minute tolerance (either direction) is 401; inside it is accepted", async () => {
    const signed = report(T0 / 1000, "nonce-replay");
    setClock(() => T0 + 4 * 60_000);
    expect((await deliver(signed)).status).toBe(200);
    for (const at of [T0 + 5 * 60_000 + 1_000, T0 + 3_600_000, T0 - 5 * 60_000 - 1_000]) {
      setClock(() => at);
      const a = await deliver(signed);
      expectUnauthorized(a);
      expectRevealsNothing(a);
    }
  });

  it("only the accepted receipts were queued: the rejected ones reached no worker", async () => {
    await api.drain();
    // Two accepted (both match no message): both parked, nothing else.
    const parked = await listParked("acme");
    expect(
      parked.items.filter((p) => (p.receipt as { connectorId?: string }).connectorId === "sn"),
    ).toHaveLength(2);
  });
});
