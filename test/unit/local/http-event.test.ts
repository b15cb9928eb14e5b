import { describe, expect, it } from "vitest";
import type { RouteMatch } from "../../../lambdas/http/route-match.js";
import {
  fromApiGatewayResult,
  joinHeaders,
  type LocalRequest,
  parseQuery,
  splitUrl,
  toApiGatewayEvent,
} from "../../../lambdas/local/http-event.js";

const match: RouteMatch = {
  route: { method: "POST", path: "/v1/apps/{appId}/events", fn: "events", auth: "app", rateLimit: 1 },
  routeKey: "POST /v1/apps/{appId}/events",
  pathParameters: { appId: "app 1" },
};

function request(overrides: Partial<LocalRequest> = {}): LocalRequest {
  return {
    method: "POST",
    url: "/v1/apps/app%201/events?b=2&a=1&b=3&e=%C3%A9&empty=",
    rawHeaders: [
      "Host",
      "localhost:3000",
      "Content-Type",
      "application/json",
      "X-Multi",
      "one",
      "x-multi",
      "two",
      "Cookie",
      "s=1; t=2",
      "User-Agent",
      "curl/8",
    ],
    body: Buffer.from('{"name":"é"}'),
    sourceIp: "127.0.0.1",
    protocol: "HTTP/1.1",
    requestId: "req-1",
    timeEpoch: Date.UTC(2024, 2, 5, 7, 8, 9),
    ...overrides,
  };
}

describe("toApiGatewayEvent", () => {
  it("builds a payload 2.0 event", () => {
    const event = toApiGatewayEvent(request(), match, "localhost");
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("POST /v1/apps/{appId}/events");
    expect(event.rawPath).toBe("/v1/apps/app%201/events");
    expect(event.rawQueryString).toBe("b=2&a=1&b=3&e=%C3%A9&empty=");
    expect(event.queryStringParameters).toEqual({ b: "2,3", a: "1", e: "é", empty: "" });
    expect(event.pathParameters).toEqual({ appId: "app 1" });
    expect(event.headers).toEqual({
      host: "localhost:3000",
      "content-type": "application/json",
      "x-multi": "one,two",
      "user-agent": "curl/8",
    });
    expect(event.cookies).toEqual(["s=1", "t=2"]);
    expect(event.body).toBe('{"name":"é"}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext).toEqual({
      accountId: "000000000000",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: {
        method: "POST",
        path: "/v1/apps/app%201/events",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "curl/8",
      },
      requestId: "req-1",
      routeKey: "POST /v1/apps/{appId}/events",
      stage: "$default",
      time: "05/Mar/2024:07:08:09 +0000",
      timeEpoch: Date.UTC(2024, 2, 5, 7, 8, 9),
    });
  });

  it("leaves out what the request does not have", () => {
    const event = toApiGatewayEvent(
      request({ url: "/v1/apps/a/events", rawHeaders: ["Host", "h"], body: Buffer.alloc(0) }),
      { ...match, pathParameters: {} },
      "h",
    );
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.cookies).toBeUndefined();
    expect(event.rawQueryString).toBe("");
    expect(event.requestContext.http.userAgent).toBe("");
  });

  it("passes text, JSON and form bodies as UTF-8 and anything else as base64", () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    for (const type of [
      "text/plain; charset=utf-8",
      "application/x-www-form-urlencoded",
      "application/vnd.x+json",
    ]) {
      const e = toApiGatewayEvent(
        request({ rawHeaders: ["Content-Type", type], body: Buffer.from("a=1") }),
        match,
        "h",
      );
      expect(e.isBase64Encoded).toBe(false);
      expect(e.body).toBe("a=1");
    }
    for (const rawHeaders of [["Content-Type", "application/octet-stream"], []]) {
      const e = toApiGatewayEvent(request({ rawHeaders, body: bytes }), match, "h");
      expect(e.isBase64Encoded).toBe(true);
      expect(Buffer.from(e.body ?? "", "base64")).toEqual(bytes);
    }
  });

  it("presents a HEAD routed to a GET route as that GET", () => {
    const getMatch: RouteMatch = {
      route: { method: "GET", path: "/health", fn: "public", auth: "public", rateLimit: 1 },
      routeKey: "GET /health",
      pathParameters: {},
    };
    const e = toApiGatewayEvent(
      request({ method: "HEAD", url: "/health", body: Buffer.alloc(0) }),
      getMatch,
      "h",
    );
    expect(e.requestContext.http.method).toBe("GET");
    expect(e.routeKey).toBe("GET /health");
  });
});

describe("helpers", () => {
  it("joins duplicate headers with commas under lower-case names", () => {
    expect(joinHeaders(["A", "1", "a", "2", "B", "3"])).toEqual({ a: "1,2", b: "3" });
  });

  it("decodes the query like a form and drops empty keys", () => {
    expect(parseQuery("x=a+b&x=%2B&=z")).toEqual({ x: "a b,+" });
    expect(parseQuery("")).toBeUndefined();
  });

  it("splits path and query without decoding the path", () => {
    expect(splitUrl("/a%2Fb?x=1#frag")).toEqual({ rawPath: "/a%2Fb", rawQueryString: "x=1" });
    expect(splitUrl("/a")).toEqual({ rawPath: "/a", rawQueryString: "" });
  });
});

describe("fromApiGatewayResult", () => {
  it("takes a structured result as is", () => {
    const r = fromApiGatewayResult({
      statusCode: 201,
      headers: { "Content-Type": "application/json", "X-Count": 3 },
      body: '{"ok":true}',
      cookies: ["a=1; Path=/", "b=2"],
    });
    expect(r.statusCode).toBe(201);
    expect(r.headers).toEqual({
      "content-type": "application/json",
      "x-count": "3",
      "set-cookie": ["a=1; Path=/", "b=2"],
    });
    expect(r.body.toString()).toBe('{"ok":true}');
  });

  it("decodes a base64 body", () => {
    const r = fromApiGatewayResult({
      statusCode: 200,
      body: Buffer.from([9, 255]).toString("base64"),
      isBase64Encoded: true,
    });
    expect(r.body).toEqual(Buffer.from([9, 255]));
  });

  it("turns a string into a 200 JSON response with the string as body", () => {
    const r = fromApiGatewayResult("hello");
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.body.toString()).toBe("hello");
  });

  it("serialises an object without statusCode as a 200 JSON body", () => {
    const r = fromApiGatewayResult({ items: [1] } as never);
    expect(r.statusCode).toBe(200);
    expect(r.body.toString()).toBe('{"items":[1]}');
  });

  it("defaults a structured result's body to empty", () => {
    const r = fromApiGatewayResult({ statusCode: 204 });
    expect(r.statusCode).toBe(204);
    expect(r.body.length).toBe(0);
  });
});
