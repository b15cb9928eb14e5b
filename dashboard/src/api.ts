import type { Credentials } from "./session.js";
import type { Analytics, AnalyticsFilter, Campaign, CampaignList, Instance } from "./types.js";

/** A non-2xx answer, with the API's own error message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let apiBase: Promise<string> | undefined;

/**
 * Where the API lives. Behind CloudFront the deployment writes `config.json` next to index.html with
 * the API URL; the local runtime serves the dashboard from the API's own origin and has no such file.
 */
export function apiBaseUrl(): Promise<string> {
  apiBase ??= fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" })
    .then(async (r) => (r.ok ? ((await r.json()) as { apiUrl?: string }).apiUrl : undefined))
    .catch(() => undefined)
    .then((url) => (url ? url.replace(/\/+$/, "") : window.location.origin));
  return apiBase;
}

async function request(credentials: Credentials, path: string): Promise<Response> {
  const res = await fetch(`${await apiBaseUrl()}${path}`, {
    headers: { authorization: `Bearer ${credentials.apiKey}` },
    cache: "no-store",
  });
  if (!res.ok) {
    let message = `The API answered ${res.status}.`;
    try {
      const body = (await res.json()) as { error?: { message?: string }; message?: string };
      message = body.error?.message ?? body.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message);
  }
  return res;
}

const app = (c: Credentials): string => `/v1/apps/${encodeURIComponent(c.appId)}`;

function query(filter: AnalyticsFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filter.instanceId) params.set("instanceId", filter.instanceId);
  if (filter.from) params.set("from", filter.from);
  if (filter.to) params.set("to", filter.to);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function getJson<T>(c: Credentials, path: string): Promise<T> {
  return (await (await request(c, path)).json()) as T;
}

const campaignPath = (c: Credentials, campaignId: string): string =>
  `${app(c)}/campaigns/${encodeURIComponent(campaignId)}`;

/**
 * Every campaign of the app with its all-time headline numbers, and the app's currency and time zone.
 * @throws ApiError on any non-2xx answer (401 for a key that is not accepted)
 */
export function listCampaigns(c: Credentials): Promise<CampaignList> {
  return getJson<CampaignList>(c, `${app(c)}/campaigns`);
}

/** One campaign's settings (name, connector, provider, archivedAt). @throws ApiError (404: unknown) */
export function getCampaign(c: Credentials, campaignId: string): Promise<Campaign> {
  return getJson<Campaign>(c, campaignPath(c, campaignId));
}

/**
 * The campaign's instances, newest first, each with its first and last send time (ISO-8601 UTC) and
 * all-time headline numbers. @throws ApiError (404: unknown campaign)
 */
export async function listInstances(c: Credentials, campaignId: string): Promise<Instance[]> {
  return (await getJson<{ instances: Instance[] }>(c, `${campaignPath(c, campaignId)}/instances`)).instances;
}

export function analyticsPath(c: Credentials, campaignId: string, filter: AnalyticsFilter): string {
  return `${campaignPath(c, campaignId)}/analytics${query(filter)}`;
}

/** The analytics response for one filter (SPEC §4). @throws ApiError (400: bad filter, 404: unknown) */
export function getAnalytics(
  c: Credentials,
  campaignId: string,
  filter: AnalyticsFilter,
): Promise<Analytics> {
  return getJson<Analytics>(c, analyticsPath(c, campaignId, filter));
}

/** The daily series as CSV. Fetched (the key travels in a header, never a URL), then saved as a blob. */
export async function downloadCsv(
  c: Credentials,
  campaignId: string,
  filter: AnalyticsFilter,
): Promise<void> {
  const path = `${campaignPath(c, campaignId)}/analytics${query(filter, { format: "csv" })}`;
  const blob = await (await request(c, path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${[campaignId, filter.instanceId ?? "all", filter.from, filter.to].filter(Boolean).join("_")}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
