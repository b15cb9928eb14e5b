import { listCampaigns } from "../api.js";
import { h } from "../dom.js";
import { count, money, rate } from "../format.js";
import type { Credentials } from "../session.js";
import type { CampaignSummary } from "../types.js";
import { provisionalBadge } from "./badge.js";
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
      field: string,
      pick: (x: NonNullable<CampaignSummary["headline"]>) => Node | string,
    ): Column<CampaignSummary> => ({
      label,
      numeric: true,
      value: (x) => (x.headline ? pick(x.headline) : "—"),
      metric: (x) => `headline.${x.campaignId}.${field}`,
    });
    columns.push(
      headline("Sent", "sent", (x) => count(x.sent)),
      headline("Delivered", "delivered", (x) => count(x.delivered)),
      headline("Delivery rate", "deliveryRate", (x) => rate(x.deliveryRate ?? null)),
      headline("Clicks", "clicks", (x) => count(x.clicks)),
      headline("Conversions", "conversions", (x) => count(x.conversions)),
      headline("Revenue", "revenue", (x) => money(x.revenue)),
      {
        label: "Status",
        value: (x) => (x.headline?.provisional ? provisionalBadge() : x.headline ? "final" : "—"),
      },
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
    h(
      "div",
      { class: "card" },
      dataTable(
        "Campaigns",
        columns,
        sorted,
        "No campaigns yet. Create one with PUT /v1/apps/{appId}/campaigns/{campaignId}.",
        true,
      ),
    ),
  );
}
