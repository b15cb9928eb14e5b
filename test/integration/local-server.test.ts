import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalRuntime, startLocal } from "../../lambdas/local/server.js";
import { dynamo } from "../../lambdas/store/client.js";
import { functions } from "../../lambdas/topology/functions.js";
import { type RouteSpec, routes } from "../../lambdas/topology/routes.js";

const echo = { ...functions.analytics, entry: "test/support/local-echo-handler.ts" };
const testRoutes: RouteSpec[] = [
  ...routes.filter((r) => r.fn === "public"),
  { method: "POST", path: "/echo/{first}/{second}", fn: "analytics", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/text", fn: "analytics", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/binary", fn: "analytics", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/boom", fn: "analytics", auth: "public", rateLimit: 1 },
  { method: "POST", path: "/enqueue", fn: "analytics", auth: "public", rateLimit: 1 },
  { method: "GET", path: "/missing-module", fn: "redirect", auth: "public", rateLimit: 1 },
];

const dataDir = mkdtempSync(join(tmpdir(), "local-server-"));
const logged: string[] = [];
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({
    port: 0,
    dataDir,
    adminApiKey: "test-admin-key",
    queueVisibilityTimeoutSeconds: 0,
    log: (line) => logged.push(line),
    routes: testRoutes,
    functions: {
      analytics: echo,
      redirect: { ...echo, entry: "test/support/no-such-handler.ts" },
      clickWorker: { ...functions.clickWorker, entry: "test/support/local-test-worker.ts" },
    },
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("startLocal", () => {
  it("serves the real public handler", async () => {
    const res = await fetch(`${runtime.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("apigw-requestid")).toBeTruthy();
  });

  it("answers HEAD from the GET route without a body", async () => {
    const res = await fetch(`${runtime.url}/health`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("hands the function an HTTP API event and maps its structured result back", async () => {
    const res = await fetch(`${runtime.url}/echo/a%20b/c?x=1&x=2&y=z`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: "s=1; t=2", "x-dup": "1" },
      body: JSON.stringify({ hello: "wörld" }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-echo")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2"]);
    const { event, context, env } = (await res.json()) as {
      event: import("aws-lambda").APIGatewayProxyEventV2;
      context: { functionName: string; awsRequestId: string; remaining: number };
      env: { tableName: string; publicBaseUrl: string };
    };
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("POST /echo/{first}/{second}");
    expect(event.rawPath).toBe("/echo/a%20b/c");
    expect(event.pathParameters).toEqual({ first: "a b", second: "c" });
    expect(event.queryStringParameters).toEqual({ x: "1,2", y: "z" });
    expect(event.cookies).toEqual(["s=1", "t=2"]);
    expect(event.body).toBe('{"hello":"wörld"}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.headers["x-dup"]).toBe("1");
    expect(event.headers["x-forwarded-proto"]).toBe("http");
    expect(event.requestContext.http.method).toBe("POST");
    expect(event.requestContext.http.sourceIp).toBe("127.0.0.1");
    expect(event.requestContext.stage).toBe("$default");
    expect(event.requestContext.requestId).toBe(res.headers.get("apigw-requestid"));
    expect(context.functionName).toBe("sms-analytics-analytics");
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.remaining).toBeGreaterThan(0);
    expect(env).toEqual({ tableName: "sms-analytics", publicBaseUrl: `http://localhost:${runtime.port}` });
    // The server secret is generated once under the data dir and handed to the functions.
    expect(process.env.SERVER_SECRET).toBe(readFileSync(join(dataDir, "server-secret"), "utf8").trim());
  });

  it("answers a string result as 200 JSON and decodes a base64 result", async () => {
    const text = await fetch(`${runtime.url}/text`);
    expect(text.status).toBe(200);
    expect(text.headers.get("content-type")).toBe("application/json");
    expect(await text.text()).toBe("plain string");
    const binary = await fetch(`${runtime.url}/binary`);
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it("answers an unknown route 404 and a wrong method 405 with Allow, in the API's error format", async () => {
    const nowhere = await fetch(`${runtime.url}/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toMatchObject({ error: { code: "NOT_FOUND", details: [] } });
    const wrongMethod = await fetch(`${runtime.url}/health`, { method: "POST" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    expect(await wrongMethod.json()).toMatchObject({ error: { code: "METHOD_NOT_ALLOWED", details: [] } });
  });

  it("answers 500 without details when a handler throws or cannot be loaded, and logs one line", async () => {
    const failures = () => logged.filter((l) => !l.startsWith("HTTP "));
    for (const path of ["/boom", "/missing-module"]) {
      const before = failures().length;
      const res = await fetch(`${runtime.url}${path}`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: { code: "INTERNAL", message: "Internal error" } });
      expect(failures().length).toBe(before + 1);
      // And the access line every request gets: method, route template, status, duration.
      expect(logged.at(-1)).toMatch(new RegExp(`^HTTP GET ${path} 500 \\d+ms$`));
    }
    expect(logged.some((l) => l.includes("secret detail"))).toBe(true);
  });

  it("answers 413 to a body over 10 MB", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      // Declares 10 MB + 1 and sends only a little: the server must answer without waiting for the rest.
      const req = httpRequest(
        `${runtime.url}/echo/a/b`,
        {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": 10 * 1024 * 1024 + 1 },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write("{");
    });
    expect(status).toBe(413);
  });

  it("delivers what a handler enqueues to the queue's worker, which writes to the runtime's table", async () => {
    const res = await fetch(`${runtime.url}/enqueue`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ bodies: ["first", "fail-once-second"] }),
    });
    expect(res.status).toBe(202);
    await runtime.drain();

    const read = async (body: string): Promise<Record<string, unknown> | undefined> =>
      (
        await dynamo().send(
          new GetCommand({ TableName: "sms-analytics", Key: { pk: `local-test#${body}`, sk: "worker" } }),
        )
      ).Item;
    expect((await read("first"))?.receiveCount).toBe(1);
    expect((await read("fail-once-second"))?.receiveCount).toBe(2);
    expect(runtime.queues.stats().clicks).toEqual({
      visible: 0,
      inFlight: 0,
      waitingRetry: 0,
      delayed: 0,
      dlq: 0,
    });
  });
});
