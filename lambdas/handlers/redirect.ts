import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { followLink } from "../flows/links.js";
import { linkExpiredPage, linkNotFoundPage, linkUnavailablePage } from "../http/pages.js";
import type { ApiResult } from "../http/response.js";
import { nowMs } from "../platform/clock.js";

export { clearLinkCache } from "../flows/links.js";

const REDIRECT_HEADERS: Record<string, string> = {
  // Every tap must reach us: no browser or proxy may replay the redirect from cache.
  "cache-control": "no-store",
  // The short code is a bearer of the user's identity for counting: never leak it to the destination.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-robots-tag": "noindex, nofollow",
};

/** HEAD answers the same status and headers as GET, without a body. */
function answer(result: ApiResult, head: boolean): ApiResult {
  if (!head) return result;
  const { body: _body, ...rest } = result;
  return rest;
}

/** `GET|HEAD /l/{code}`: see flows/links. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<ApiResult> => {
  const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
  const userAgent = event.headers?.["user-agent"] ?? event.requestContext?.http?.userAgent;
  const result = await followLink(event.pathParameters?.code ?? "", method, userAgent, nowMs());
  const head = method === "HEAD";
  switch (result.kind) {
    case "redirect":
      return { statusCode: 302, headers: { location: result.location, ...REDIRECT_HEADERS } };
    case "expired":
      return answer(linkExpiredPage(), head);
    case "unavailable":
      return answer(linkUnavailablePage(), head);
    case "not-found":
      return answer(linkNotFoundPage(), head);
  }
};
