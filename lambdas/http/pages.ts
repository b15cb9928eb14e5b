import type { ApiResult } from "./response.js";

/**
 * Small human-readable pages for people who tap a short link that does not answer with a redirect.
 * Static text only (nothing from the request is echoed, so nothing can be injected), no scripts, no
 * external resources, and a CSP that forbids loading anything.
 */

const PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-robots-tag": "noindex, nofollow",
};

function page(status: number, title: string, message: string, extra: Record<string, string> = {}): ApiResult {
  const body =
    "<!doctype html>\n" +
    '<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="robots" content="noindex, nofollow">' +
    `<title>${title}</title></head>` +
    `<body><h1>${title}</h1><p>${message}</p></body></html>\n`;
  return { statusCode: status, headers: { ...PAGE_HEADERS, ...extra }, body };
}

export function linkNotFoundPage(): ApiResult {
  return page(404, "Link not found", "This link does not exist. Please check that it was copied completely.");
}

export function linkExpiredPage(): ApiResult {
  return page(410, "Link expired", "This link has expired and no longer leads anywhere.");
}

export function linkUnavailablePage(): ApiResult {
  return page(503, "Try again", "This link cannot be opened right now. Please try again in a moment.", {
    "retry-after": "5",
  });
}
