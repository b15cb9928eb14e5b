import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveAdminKey } from "../../lambdas/local/admin-key.js";

const dir = mkdtempSync(join(tmpdir(), "local-admin-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveAdminKey", () => {
  it("generates a strong key once, stores it with mode 0600 and reuses it", () => {
    const file = join(dir, "data", "admin-api-key");
    const first = resolveAdminKey(undefined, file);
    expect(first.source).toBe("generated");
    expect(first.key.length).toBeGreaterThanOrEqual(40);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(first.key);

    const again = resolveAdminKey("", file);
    expect(again).toEqual({ key: first.key, source: "file" });
  });

  it("prefers ADMIN_API_KEY and then writes nothing", () => {
    const file = join(dir, "other", "admin-api-key");
    expect(resolveAdminKey("from-env", file)).toEqual({ key: "from-env", source: "env" });
    expect(() => statSync(file)).toThrow();
  });
});
