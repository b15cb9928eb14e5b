import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalOptions, type LocalRuntime, startLocal } from "../../lambdas/local/server.js";
import { setClock } from "../../lambdas/platform/clock.js";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

export interface Api {
  url: string;
  runtime: LocalRuntime;
  /** JSON request; returns status and parsed body (text when not JSON). */
  call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }>;
  /** Creates an app and returns its API key. */
  createApp(appId: string, timezone?: string, currency?: string): Promise<string>;
  /** Creates a connector (`PUT /v1/apps/…/connectors/…` must answer 201) and returns its webhook URL. */
  putConnector(path: string, body: unknown, key: string): Promise<string>;
  /** Creates a campaign (`PUT /v1/apps/…/campaigns/…` must answer 201). */
  putCampaign(path: string, body: unknown, key: string): Promise<void>;
  /** Every queue empty and nothing in flight. */
  drain(): Promise<void>;
  analytics(appId: string, campaignId: string, key: string, query?: Record<string, string>): Promise<any>;
  stop(): Promise<void>;
}

/**
 * The product as `npm start` runs it, in-process, on a free port, with its own data directory;
 * `overrides` for the test-only options (e.g. a function pointed at a test handler).
 */
export async function startProduct(
  overrides: Pick<LocalOptions, "functions" | "queueVisibilityTimeoutSeconds"> = {},
): Promise<Api> {
  const dataDir = mkdtempSync(join(tmpdir(), "sms-e2e-"));
  const runtime = await startLocal({
    port: 0,
    dataDir,
    adminApiKey: ADMIN_KEY,
    queueVisibilityTimeoutSeconds: 0,
    log: () => {},
    ...overrides,
  });
  const call: Api["call"] = async (method, path, body, key) => {
    const res = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (CSV, HTML pages)
    }
    return { status: res.status, body: parsed };
  };
  return {
    url: runtime.url,
    runtime,
    call,
    async createApp(appId, timezone = "UTC", currency = "USD") {
      const r = await call("PUT", `/v1/apps/${appId}`, { name: appId, timezone, currency }, ADMIN_KEY);
      if (r.status !== 201) throw new Error(`create app: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.apiKey as string;
    },
    async putConnector(path, body, key) {
      const r = await call("PUT", path, body, key);
      if (r.status !== 201) throw new Error(`create connector: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.webhookUrl as string;
    },
    async putCampaign(path, body, key) {
      const r = await call("PUT", path, body, key);
      if (r.status !== 201) throw new Error(`create campaign: ${r.status} ${JSON.stringify(r.body)}`);
    },
    drain: () => runtime.drain(),
    async analytics(appId, campaignId, key, query = {}) {
      const qs = new URLSearchParams(query).toString();
      const r = await call(
        "GET",
        `/v1/apps/${appId}/campaigns/${campaignId}/analytics${qs ? `?${qs}` : ""}`,
        undefined,
        key,
      );
      if (r.status !== 200) throw new Error(`analytics: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async stop() {
      setClock(undefined);
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
