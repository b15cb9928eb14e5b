import type { APIGatewayProxyEventV2 } from "aws-lambda";

export interface ApiEventInput {
  method: "GET" | "POST" | "PUT" | "HEAD";
  /** The route template, e.g. `/v1/apps/{appId}/campaigns`. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Shortcut for `authorization: Bearer <bearer>`. */
  bearer?: string;
  /** An object is sent as JSON (content-type application/json unless given); a string as is. */
  body?: unknown;
  base64?: boolean;
}

/**
 * A realistic API Gateway HTTP API (payload 2.0) event: route key from the template, raw path with
 * the parameters filled in (URI-encoded; a greedy `{name+}` keeps its slashes), lower-case headers,
 * query string both raw and parsed.
 */
export function apiEvent(input: ApiEventInput): APIGatewayProxyEventV2 {
  const params = input.params ?? {};
  const rawPath = input.route.replace(/\{([^}+]+)(\+?)\}/g, (_, name: string, greedy: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`apiEvent: missing path parameter ${name}`);
    // A greedy `{name+}` holds the rest of the path: its slashes stay slashes.
    return greedy ? value.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(value);
  });
  const headers: Record<string, string> = {
    host: "api.example.test",
    "user-agent": "vitest",
    "x-forwarded-proto": "https",
  };
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  if (input.bearer !== undefined) headers.authorization = `Bearer ${input.bearer}`;
  let body: string | undefined;
  if (typeof input.body === "string") body = input.body;
  else if (input.body !== undefined) {
    body = JSON.stringify(input.body);
    headers["content-type"] ??= "application/json";
  }
  if (body !== undefined && input.base64) body = Buffer.from(body, "utf8").toString("base64");
  const rawQueryString = new URLSearchParams(input.query ?? {}).toString();
  const now = Date.now();
  return {
    version: "2.0",
    routeKey: `${input.method} ${input.route}`,
    rawPath,
    rawQueryString,
    headers,
    ...(input.query ? { queryStringParameters: { ...input.query } } : {}),
    ...(Object.keys(params).length > 0 ? { pathParameters: { ...params } } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "testapi",
      domainName: "api.example.test",
      domainPrefix: "api",
      http: {
        method: input.method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "192.0.2.10",
        userAgent: "vitest",
      },
      requestId: `req-${now.toString(36)}`,
      routeKey: `${input.method} ${input.route}`,
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: input.base64 === true,
  };
}
