import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { handler, LinkCache, newClickId, redirectTarget } from "../../lambdas/handlers/redirect.js";
import type { LinkRecord } from "../../lambdas/store/links.js";

function event(method: string, code: string | undefined): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: `${method} /l/{code}`,
    rawPath: `/l/${code ?? ""}`,
    rawQueryString: "",
    headers: { "user-agent": "Mozilla/5.0" },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: {
        method,
        path: `/l/${code ?? ""}`,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "Mozilla/5.0",
      },
      requestId: "r1",
      routeKey: `${method} /l/{code}`,
      stage: "$default",
      time: "20/Nov/2026:10:00:00 +0000",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...(code === undefined ? {} : { pathParameters: { code } }),
  };
}

describe("redirect: malformed codes", () => {
  // No table is configured in this file: a lookup would fail (503), so a 404 proves none was made.
  it.each([
    "",
    "short",
    "abcdefghijklmn0", // 15 characters
    "abcdefghijklm!",
    "abcdefghijklm%2F",
    "../../etc/passw",
    "https://evil.example",
  ])("answers 404 for %j without a lookup", async (code) => {
    const r = await handler(event("GET", code));
    expect(r.statusCode).toBe(404);
    expect(r.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(String(r.body)).toContain("Link not found");
    expect(r.headers?.location).toBeUndefined();
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

describe("LinkCache", () => {
  const link = (code: string): LinkRecord => ({
    code,
    url: `https://shop.example/${code}`,
    appId: "acme",
    campaignId: "bf",
    instanceId: "i1",
    userId: "u1",
    messageId: "m1",
    country: "IN",
    provider: "gupshup",
    expiresAt: 0,
  });

  it("keeps at most its bound, evicting the least recently used", () => {
    const cache = new LinkCache(2, 60_000, () => 0);
    cache.set("a", link("a"));
    cache.set("b", link("b"));
    expect(cache.get("a")?.code).toBe("a"); // a is now the most recent
    cache.set("c", link("c"));
    expect(cache.size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.code).toBe("a");
    expect(cache.get("c")?.code).toBe("c");
  });

  it("forgets entries older than its age limit", () => {
    let t = 0;
    const cache = new LinkCache(10, 60_000, () => t);
    cache.set("a", link("a"));
    t = 60_000;
    expect(cache.get("a")?.code).toBe("a");
    t = 120_001;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe("newClickId", () => {
  it("is 16 base62 characters and does not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClickId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{16}$/);
  });
});
