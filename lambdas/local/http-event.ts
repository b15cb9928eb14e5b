import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";
import type { RouteMatch } from "../http/route-match.js";

/** API Gateway HTTP API's request payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export const LOCAL_ACCOUNT_ID = "000000000000";
export const LOCAL_API_ID = "local";

/** What the local server knows about an incoming request, independent of Node's stream objects. */
export interface LocalRequest {
  method: string;
  /** Path and query as sent, e.g. `/v1/apps/a%20b?x=1&x=2`. */
  url: string;
  /** Node's `rawHeaders`: name, value, name, value… (keeps duplicates). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  /** `HTTP/1.1` */
  protocol: string;
  requestId: string;
  timeEpoch: number;
}

export interface LocalResponse {
  statusCode: number;
  /** Multi-valued where HTTP allows it (`set-cookie`). */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Bodies API Gateway passes as text; anything else arrives base64-encoded. */
function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type.endsWith("+json") ||
    type === "application/xml" ||
    type.endsWith("+xml") ||
    type === "application/x-www-form-urlencoded" ||
    type === "application/javascript"
  );
}

/** Lower-cased names, duplicate values comma-joined, as payload format 2.0 does. */
export function joinHeaders(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** Query parameters decoded like a form, duplicate keys comma-joined (payload format 2.0). */
export function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === "") return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    if (key === "") continue;
    out[key] = Object.hasOwn(out, key) ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Splits the path and query of a request target without normalising or decoding the path. */
export function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const q = url.indexOf("?");
  const withoutFragment = (s: string): string => s.split("#")[0] ?? "";
  if (q < 0) return { rawPath: withoutFragment(url), rawQueryString: "" };
  return { rawPath: url.slice(0, q), rawQueryString: withoutFragment(url.slice(q + 1)) };
}

/**
 * Builds the event an HTTP API (payload format 2.0) hands to the route's Lambda. A HEAD request routed
 * to a GET route is presented as that GET: the function is deployed for GET and never sees HEAD on AWS.
 */
export function toApiGatewayEvent(
  req: LocalRequest,
  match: RouteMatch,
  domainName: string,
): APIGatewayProxyEventV2 {
  const { rawPath, rawQueryString } = splitUrl(req.url);
  const headers = joinHeaders(req.rawHeaders);
  // Payload 2.0 moves the Cookie header into `cookies`.
  const cookieHeader = headers.cookie;
  delete headers.cookie;
  const cookies = cookieHeader
    ?.split(/;\s*|,\s*/)
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const method = match.route.method;
  const hasBody = req.body.length > 0;
  const text = isTextContentType(headers["content-type"]);
  const time = new Date(req.timeEpoch);
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName,
      domainPrefix: domainName.split(".")[0] ?? domainName,
      http: {
        method,
        path: rawPath,
        protocol: req.protocol,
        sourceIp: req.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: req.requestId,
      routeKey: match.routeKey,
      stage: "$default",
      time: formatApiGatewayTime(time),
      timeEpoch: req.timeEpoch,
    },
    isBase64Encoded: hasBody && !text,
  };
  if (cookies && cookies.length > 0) event.cookies = cookies;
  const query = parseQuery(rawQueryString);
  if (query) event.queryStringParameters = query;
  if (Object.keys(match.pathParameters).length > 0) event.pathParameters = { ...match.pathParameters };
  if (hasBody) event.body = text ? req.body.toString("utf8") : req.body.toString("base64");
  return event;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
export function formatApiGatewayTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return (
    `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}

export function jsonResponse(statusCode: number, body: unknown): LocalResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/**
 * Maps what the function returned to the HTTP response the way payload format 2.0 does: a structured
 * result (it has `statusCode`) is taken as is; anything else is a 200 JSON body (a string verbatim).
 */
export function fromApiGatewayResult(result: APIGatewayProxyResultV2<unknown>): LocalResponse {
  if (result === null || typeof result !== "object" || !("statusCode" in result)) {
    const body = typeof result === "string" ? result : (JSON.stringify(result) ?? "null");
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: Buffer.from(body) };
  }
  const structured = result as Exclude<APIGatewayProxyResultV2, string>;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  if (structured.cookies && structured.cookies.length > 0) {
    const existing = headers["set-cookie"];
    headers["set-cookie"] = [...(existing === undefined ? [] : [existing].flat()), ...structured.cookies];
  }
  const raw = structured.body ?? "";
  const body = structured.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  return { statusCode: structured.statusCode ?? 200, headers, body };
}

export const PAYLOAD_TOO_LARGE: () => LocalResponse = () =>
  jsonResponse(413, { message: "Request Entity Too Large" });
export const INTERNAL_ERROR: () => LocalResponse = () =>
  jsonResponse(500, { error: { code: "INTERNAL", message: "Internal error" } });
export const TIMED_OUT: () => LocalResponse = () => jsonResponse(503, { message: "Service Unavailable" });
