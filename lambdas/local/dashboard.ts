import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { LocalResponse } from "./http-event.js";

/** Where `npm run build:dashboard` writes the production build. */
export const DASHBOARD_DIST: string = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "dashboard",
  "dist",
);

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/** The same policy CloudFront adds in the CDK app: only this origin's scripts, styles and API. */
const HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
};

function page(statusCode: number, title: string, text: string): LocalResponse {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><main><h1>${title}</h1><p>${text}</p></main></body></html>`;
  return {
    statusCode,
    headers: { ...HEADERS, "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    body: Buffer.from(html),
  };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path)
    .then((s) => s.isFile())
    .catch(() => false);
}

/**
 * Serves the built dashboard at `/dashboard` (GET/HEAD only). Returns null for any other path so the
 * API routes see it. Unknown paths under `/dashboard/` get `index.html` (the app routes in the hash,
 * but a reload of a deep link still works); hashed assets are cached for a year. `config.json`, which
 * the CloudFront deployment writes with the API URL, is `{}` here: the API is this same origin.
 */
export async function dashboardResponse(
  method: string,
  path: string,
  distDir: string = DASHBOARD_DIST,
): Promise<LocalResponse | null> {
  if (path !== "/dashboard" && !path.startsWith("/dashboard/")) return null;
  if (method !== "GET" && method !== "HEAD") {
    return page(405, "Method not allowed", "The dashboard is read-only.");
  }
  if (path === "/dashboard") {
    return { statusCode: 308, headers: { ...HEADERS, location: "/dashboard/" }, body: Buffer.alloc(0) };
  }
  const index = join(distDir, "index.html");
  if (!(await isFile(index))) {
    return page(503, "Dashboard not built", "Run <code>npm run build</code>, then reload this page.");
  }
  let relative: string;
  try {
    relative = decodeURIComponent(path.slice("/dashboard/".length));
  } catch {
    return page(400, "Bad request", "The path is not valid.");
  }
  // normalize() resolves `..`; anything still escaping the dist directory is refused.
  const file = normalize(join(distDir, relative || "index.html"));
  if (file !== distDir && !file.startsWith(distDir + sep)) return page(404, "Not found", "No such file.");
  const found = (await isFile(file)) ? file : extname(relative) ? null : index;
  if (!found && relative === "config.json") {
    // The API is this origin: an empty config says so (a 404 would be a console error on every load).
    return {
      statusCode: 200,
      headers: { ...HEADERS, "content-type": TYPES[".json"] as string, "cache-control": "no-store" },
      body: Buffer.from("{}"),
    };
  }
  if (!found) return page(404, "Not found", "No such file.");
  const hashedAsset = found.includes(`${sep}assets${sep}`);
  return {
    statusCode: 200,
    headers: {
      ...HEADERS,
      "content-type": TYPES[extname(found)] ?? "application/octet-stream",
      "cache-control": hashedAsset ? "public, max-age=31536000, immutable" : "no-cache",
    },
    body: await readFile(found),
  };
}
