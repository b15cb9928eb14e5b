import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dashboardResponse } from "../../lambdas/local/dashboard.js";

/** How the local runtime serves `dashboard/dist`, on a throwaway build directory. */
const root = mkdtempSync(join(tmpdir(), "dash-"));
const dist = join(root, "dist");
mkdirSync(join(dist, "assets"), { recursive: true });
writeFileSync(join(dist, "index.html"), "<!doctype html><title>ok</title>");
writeFileSync(join(dist, "assets", "index-abc123.js"), "console.log(1)");
writeFileSync(join(root, "secret.txt"), "outside");

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the local runtime's /dashboard", () => {
  it("leaves every other path to the API routes", async () => {
    expect(await dashboardResponse("GET", "/v1/apps/acme/campaigns", dist)).toBeNull();
    expect(await dashboardResponse("GET", "/dashboards", dist)).toBeNull();
  });

  it("redirects /dashboard to /dashboard/ and answers index.html there and for app paths", async () => {
    const bare = await dashboardResponse("GET", "/dashboard", dist);
    expect(bare?.statusCode).toBe(308);
    expect(bare?.headers.location).toBe("/dashboard/");
    for (const path of ["/dashboard/", "/dashboard/campaigns/bf"]) {
      const r = await dashboardResponse("GET", path, dist);
      expect(r?.statusCode).toBe(200);
      expect(r?.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(r?.headers["cache-control"]).toBe("no-cache");
      expect(r?.headers["content-security-policy"]).toMatch(/script-src 'self'/);
      expect(r?.body.toString()).toContain("<title>ok</title>");
    }
  });

  it("serves hashed assets with a long cache life and refuses unknown files", async () => {
    const asset = await dashboardResponse("GET", "/dashboard/assets/index-abc123.js", dist);
    expect(asset?.statusCode).toBe(200);
    expect(asset?.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(asset?.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await dashboardResponse("GET", "/dashboard/assets/missing.js", dist))?.statusCode).toBe(404);
  });

  it("answers config.json with an empty config: the API is the same origin", async () => {
    const r = await dashboardResponse("GET", "/dashboard/config.json", dist);
    expect(r?.statusCode).toBe(200);
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(r?.body.toString() ?? "")).toEqual({});
  });

  it("never serves a file outside the build directory", async () => {
    for (const path of [
      "/dashboard/../secret.txt",
      "/dashboard/%2e%2e/secret.txt",
      "/dashboard/..%2fsecret.txt",
    ]) {
      const r = await dashboardResponse("GET", path, dist);
      expect(r?.statusCode, path).toBe(404);
      expect(r?.body.toString()).not.toContain("outside");
    }
    expect((await dashboardResponse("GET", "/dashboard/%E0%A4%A", dist))?.statusCode).toBe(400);
  });

  it("is read-only", async () => {
    expect((await dashboardResponse("POST", "/dashboard/", dist))?.statusCode).toBe(405);
  });

  it("says to run the build when there is none", async () => {
    const r = await dashboardResponse("GET", "/dashboard/", join(root, "no-dist"));
    expect(r?.statusCode).toBe(503);
    expect(r?.body.toString()).toContain("npm run build");
  });
});
