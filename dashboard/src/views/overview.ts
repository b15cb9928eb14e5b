import { listCampaigns } from "../api.js";
import { h } from "../dom.js";
import { count, money, rate } from "../format.js";
import type { Credentials } from "../session.js";
import type { CampaignSummary, Headline } from "../types.js";
import { campaignBadges, provisionalBadge } from "./badge.js";
import { type Column, dataTable } from "./table.js";

/** Every campaign of the app with its all-time headline numbers (one request); archived ones last. */
export async function overviewView(c: Credentials): Promise<HTMLElement> {
  const { campaigns, currency, timezone } = await listCampaigns(c);
  const headline = (
    label: string,
    field: keyof Headline,
    show: (x: Headline) => string,
  ): Column<CampaignSummary> => ({
    label,
    numeric: true,
    value: (x) => (x.headline ? show(x.headline) : "—"),
    metric: (x) => `headline.${x.campaignId}.${field}`,
  });
  const columns: Column<CampaignSummary>[] = [
    {
      label: "Campaign",
      value: (x) =>
        h(
          "span",
          { class: "campaign-cell" },
          h("a", { href: `#/campaigns/${encodeURIComponent(x.campaignId)}` }, x.name || x.campaignId),
          ...campaignBadges(x),
          x.headline?.provisional ? provisionalBadge() : null,
          h("code", { class: "campaign-id" }, x.campaignId),
        ),
    },
    { label: "Connector", value: (x) => (x.provider ? `${x.connectorId} (${x.provider})` : x.connectorId) },
    headline("Sent", "sent", (x) => count(x.sent)),
    headline("Failed to send", "failedToSend", (x) => count(x.failedToSend)),
    headline("Delivered", "delivered", (x) => count(x.delivered)),
    headline("Failed to deliver", "failedToDeliver", (x) => count(x.failedToDeliver)),
    headline("Delivery rate", "deliveryRate", (x) => rate(x.deliveryRate)),
    headline("Clicks", "clicks", (x) => count(x.clicks)),
    headline("Conversions", "conversions", (x) => count(x.conversions)),
    headline(`Revenue (${currency})`, "revenue", (x) => money(x.revenue)),
    // Cost is in the currency the connector priced it in, which need not be the app's.
    headline("Cost", "cost", (x) => money(x.cost, x.costCurrency ?? undefined)),
  ];
  const archived = (x: CampaignSummary): boolean => x.archived ?? Boolean(x.archivedAt);
  const sorted = [...campaigns].sort(
    (a, b) =>
      Number(archived(a)) - Number(archived(b)) ||
      (a.name || a.campaignId).localeCompare(b.name || b.campaignId),
  );
  const table = dataTable(
    "Campaigns",
    columns,
    sorted,
    "No campaigns yet. Create one with PUT /v1/apps/{appId}/campaigns/{campaignId}.",
    true,
  );
  // Twelve columns do not fit a phone: there each campaign becomes a card of labelled figures.
  table.classList.add("cards-on-phone");
  return h(
    "section",
    { "aria-labelledby": "overview-title" },
    h("h1", { id: "overview-title" }, "Campaigns"),
    h(
      "p",
      { class: "muted" },
      `${count(campaigns.length)} campaign${campaigns.length === 1 ? "" : "s"} in app `,
      h("code", {}, c.appId),
      ` · amounts in ${currency} · days in ${timezone} · all-time numbers.`,
    ),
    h("div", { class: "card" }, table),
  );
}
