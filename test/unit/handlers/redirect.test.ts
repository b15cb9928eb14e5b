import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ClickMessage } from "../../../lambdas/domain/clicks.js";
import { randomBase62 } from "../../../lambdas/domain/ids.js";
import { redirectTarget } from "../../../lambdas/domain/links.js";
import { clearLinkCache, handler } from "../../../lambdas/handlers/redirect.js";
import { setClock } from "../../../lambdas/platform/clock.js";
import { type QueueName, setQueue } from "../../../lambdas/queue/index.js";
import type { LinkRecord } from "../../../lambdas/store/links.js";

/** The link store is a map that logs every lookup: a 404 with no lookup proves the code was refused first. */
const store = vi.hoisted(() => ({ links: new Map<string, unknown>(), lookups: [] as string[] }));
vi.mock("../../../lambdas/store/links.js", () => ({
  getLink: async (code: string) => {
    store.lookups.push(code);
    return store.links.get(code) ?? null;
  },
  // No instance prefixes here: every code without a link is unknown (gone links: test/e2e/clicks-flow).
  getLinkPrefix: async () => null,
}));

const NOW = Date.parse("2026-11-26T10:00:00Z");
const CODE = "AbCdEfGhIjKlMn";
const clicks: ClickMessage[] = [];
const PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";

beforeAll(() => {
  setClock(() => NOW);
  setQueue({
    send: async (queue: QueueName, bodies: string[]) => {
      if (queue === "clicks") clicks.push(...bodies.map((b) => JSON.parse(b) as ClickMessage));
    },
  });
  const link: LinkRecord = {
    code: CODE,
    url: "https://shop.example/sale?utm=sms",
    appId: "acme",
    campaignId: "bf",
    instanceId: "i1",
    userId: "u1",
    messageId: "m1",
    country: "IN",
    provider: "gupshup",
    expiresAt: NOW + 3_600_000,
  };
  store.links.set(CODE, link);
});
afterAll(() => setClock(undefined));
beforeEach(() => {
  clearLinkCache();
  store.lookups.length = 0;
  clicks.length = 0;
});

/** `code` is the path parameter as API Gateway hands it over for `/l/{code+}`: the decoded rest of the path. */
function event(method: string, code: string | undefined): APIGatewayProxyEventV2 {
  const rawPath = `/l/${code === undefined ? "" : encodeURI(code)}`;
  return {
    version: "2.0",
    routeKey: `${method} /l/{code+}`,
    rawPath,
    rawQueryString: "",
    headers: { "user-agent": PHONE },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: PHONE,
      },
      requestId: "r1",
      routeKey: `${method} /l/{code+}`,
      stage: "$default",
      time: "20/Nov/2026:10:00:00 +0000",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...(code === undefined ? {} : { pathParameters: { code } }),
  };
}

describe("redirect: malformed codes", () => {
  it.each([
    "",
    "short",
    "abcdefghijklmn0", // 15 base62 characters: not a code with something glued on
    `${CODE}x`,
    "abcdefghijklm!",
    "abcdefghijklm%2F",
    "../../etc/passw",
    "https://evil.example",
    ` ${CODE}`,
    `/${CODE}`,
  ])("answers 404 for %j without a lookup", async (code) => {
    const r = await handler(event("GET", code));
    expect(r.statusCode).toBe(404);
    expect(r.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(String(r.body)).toContain("Link not found");
    expect(r.headers?.location).toBeUndefined();
    expect(store.lookups).toEqual([]);
    expect(clicks).toEqual([]);
  });

  it("answers HEAD with the same status and headers, without a body", async () => {
    const get = await handler(event("GET", "nope"));
    const head = await handler(event("HEAD", "nope"));
    expect(head.statusCode).toBe(404);
    expect(head.headers).toEqual(get.headers);
    expect(head.body).toBeUndefined();
  });

  it("answers 404 when the path parameter is missing", async () => {
    expect((await handler(event("GET", undefined))).statusCode).toBe(404);
  });
});

describe("redirect: characters glued after the code", () => {
  // As API Gateway hands them over: `/l/{code}%E3%80%82` arrives decoded, a query string never arrives.
  it.each([
    CODE,
    `${CODE}/`,
    `${CODE}.`,
    `${CODE})`,
    `${CODE}。`,
    `${CODE}、`,
    `${CODE}/foo`,
    `${CODE}/foo/bar.html`,
    `${CODE}?utm=x`, // an encoded `?` (`%3F`) decodes into the path value
    `${CODE}"`,
    `${CODE}😀`,
  ])("%j redirects to the stored URL and counts like the clean link", async (value) => {
    const r = await handler(event("GET", value));
    expect(r.statusCode).toBe(302);
    expect(r.headers?.location).toBe("https://shop.example/sale?utm=sms");
    expect(store.lookups).toEqual([CODE]);
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({
      appId: "acme",
      campaignId: "bf",
      instanceId: "i1",
      userId: "u1",
      url: "https://shop.example/sale?utm=sms",
      bot: false,
      expired: false,
    });
  });

  it("HEAD with glued characters answers like HEAD on the clean link", async () => {
    const clean = await handler(event("HEAD", CODE));
    const glued = await handler(event("HEAD", `${CODE}/`));
    expect(glued).toEqual(clean);
    expect(glued.statusCode).toBe(302);
  });

  it("another code of the same length with something glued on is simply unknown", async () => {
    const r = await handler(event("GET", "ZZZZZZZZZZZZZZ/"));
    expect(r.statusCode).toBe(404);
    expect(store.lookups).toEqual(["ZZZZZZZZZZZZZZ"]);
    expect(clicks).toEqual([]);
  });
});

describe("redirectTarget", () => {
  it("passes an ASCII http(s) URL through unchanged", () => {
    const url = "https://shop.example/sale?utm=sms&x=%20y#top";
    expect(redirectTarget(url)).toBe(url);
    expect(redirectTarget("http://shop.example")).toBe("http://shop.example");
  });
  it("percent-encodes non-ASCII characters as UTF-8", () => {
    expect(redirectTarget("https://shop.example/café")).toBe("https://shop.example/caf%C3%A9");
  });
  it("refuses other schemes and control characters", () => {
    expect(redirectTarget("javascript:alert(1)")).toBeNull();
    expect(redirectTarget("//evil.example")).toBeNull();
    expect(redirectTarget("https://shop.example/\r\nSet-Cookie: x=1")).toBeNull();
    expect(redirectTarget("https://shop.example/a b")).toBeNull();
  });
});

describe("click ids", () => {
  it("are 16 base62 characters and do not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomBase62(16)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{16}$/);
  });
});
