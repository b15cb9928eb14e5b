import { listCampaigns } from "../api.js";
import { h } from "../dom.js";
import { count, money } from "../format.js";
import type { Credentials } from "../session.js";
import type { CampaignSummary } from "../types.js";
import { type Column, dataTable } from "./table.js";

/** Every campaign of the app; headline numbers when the list carries them (no extra requests). */
export async function overviewView(c: Credentials): Promise<HTMLElement> {
  const campaigns = await listCampaigns(c);
  const columns: Column<CampaignSummary>[] = [
    {
      label: "Campaign",
      value: (x) =>
        h("a", { href: `#/campaigns/${encodeURIComponent(x.campaignId)}` }, x.name || x.campaignId),
    },
    { label: "Id", value: (x) => h("code", {}, x.campaignId) },
    { label: "Connector", value: (x) => (x.provider ? `${x.connectorId} (${x.provider})` : x.connectorId) },
  ];
  if (campaigns.some((x) => x.headline)) {
    const headline = (
      label: string,
      pick: (x: NonNullable<CampaignSummary["headline"]>) => string,
    ): Column<CampaignSummary> => ({
      label,
      numeric: true,
      value: (x) => (x.headline ? pick(x.headline) : "—"),
    });
    columns.push(
      headline("Sent", (x) => count(x.sent)),
      headline("Delivered", (x) => count(x.delivered)),
      headline("Clicks", (x) => count(x.clicks)),
      headline("Conversions", (x) => count(x.conversions)),
      headline("Revenue", (x) => money(x.revenue)),
    );
  }
  const sorted = [...campaigns].sort((a, b) =>
    (a.name || a.campaignId).localeCompare(b.name || b.campaignId),
  );
  return h(
    "section",
    { "aria-labelledby": "overview-title" },
    h("h1", { id: "overview-title" }, "Campaigns"),
    h(
      "p",
      { class: "muted" },
      `${count(campaigns.length)} campaign${campaigns.length === 1 ? "" : "s"} in app `,
      h("code", {}, c.appId),
      ".",
    ),
    dataTable(
      "Campaigns",
      columns,
      sorted,
      "No campaigns yet. Create one with PUT /v1/apps/{appId}/campaigns/{campaignId}.",
    ),
  );
}
