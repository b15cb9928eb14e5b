import { downloadCsv, getAnalytics, getCampaign, listInstances } from "../api.js";
import { announce, h } from "../dom.js";
import { count, duration, money, rate } from "../format.js";
import type { Credentials } from "../session.js";
import type { Analytics, AnalyticsFilter } from "../types.js";
import { campaignBadges, provisionalBadge } from "./badge.js";
import { seriesChart } from "./chart.js";
import { costCard } from "./cost.js";
import { experimentTable } from "./experiment.js";
import { filtersForm } from "./filters.js";
import { funnel } from "./funnel.js";
import { dataTable } from "./table.js";

function section(id: string, title: string, ...content: Array<Node | null>): HTMLElement {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

/** A definition list of label → figure; `metric` names the API field for tests and scripts. */
function figures(
  rows: Array<{ label: string; value: string; metric: string; provisional?: boolean }>,
): HTMLElement {
  return h(
    "dl",
    { class: "figures" },
    ...rows.flatMap((r) => [
      h("dt", {}, r.label, r.provisional ? provisionalBadge() : null),
      h("dd", { "data-metric": r.metric }, r.value),
    ]),
  );
}

function scopeText(a: Analytics): string {
  const instance = a.instanceId ? `instance ${a.instanceId}` : "all instances";
  const range = a.from || a.to ? `${a.from ?? "start"} to ${a.to ?? "today"}` : "all dates";
  return `${instance} · ${range} · ${a.timezone} · ${a.currency}`;
}

/**
 * Revenue-goal events that counted as conversions but added no revenue, by why (missing, unreadable,
 * negative): shown only when there are some, so nobody reads a low total as the whole story.
 */
function revenueExclusions(a: Analytics): HTMLElement | null {
  const r = a.revenue;
  const parts = [
    { n: r.eventsWithoutRevenue, text: "without a value", metric: "revenue.eventsWithoutRevenue" },
    {
      n: r.eventsWithUnreadableRevenue,
      text: "with a value that is not a plain number (such as “1,299.00”)",
      metric: "revenue.eventsWithUnreadableRevenue",
    },
    {
      n: r.eventsWithNegativeRevenue,
      text: "negative (refunds)",
      metric: "revenue.eventsWithNegativeRevenue",
    },
  ].filter((p) => p.n > 0);
  if (!parts.length) return null;
  return h(
    "p",
    { class: "muted revenue-note" },
    `Revenue not added for ${r.goalId ?? "revenue-goal"} events: `,
    ...parts.flatMap((p, i) => [
      i ? "; " : "",
      h("span", { "data-metric": p.metric }, count(p.n)),
      ` ${p.text}`,
    ]),
    ". They still count as conversions.",
  );
}

/** The campaign page: funnel, daily chart, goals, failures, latency and clicks for one filter. */
export async function campaignView(
  c: Credentials,
  campaignId: string,
  filter: AnalyticsFilter,
  navigate: (filter: AnalyticsFilter) => void,
): Promise<HTMLElement> {
  // The analytics answer decides the page; the campaign's name and its instances only enrich it.
  const [a, campaign, instances] = await Promise.all([
    getAnalytics(c, campaignId, filter),
    getCampaign(c, campaignId).catch(() => null),
    listInstances(c, campaignId).catch(() => null),
  ]);
  const name = campaign?.name || campaignId;
  const awaitingReceipt = (a.provisional?.awaitingReceipt ?? 0) > 0;
  const openWindows = (a.provisional?.openWindows ?? 0) > 0;
  const conversionsProvisional = awaitingReceipt || openWindows;
  const cur = a.currency;

  const csv = h("button", { type: "button", class: "secondary" }, "Download CSV");
  csv.addEventListener("click", async () => {
    csv.disabled = true;
    try {
      await downloadCsv(c, campaignId, filter);
      announce("CSV downloaded.");
    } catch (e) {
      announce(`CSV download failed: ${(e as Error).message}`);
    } finally {
      csv.disabled = false;
    }
  });

  const notes: string[] = [];
  const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;
  if (awaitingReceipt) {
    const n = a.provisional?.awaitingReceipt ?? 0;
    notes.push(`${plural(n, "sent message awaits", "sent messages await")} a delivery receipt`);
  }
  if (openWindows) {
    const n = a.provisional?.openWindows ?? 0;
    notes.push(`${plural(n, "conversion window is", "conversion windows are")} still open`);
  }
  const banner = notes.length
    ? h(
        "p",
        { class: "notice", "data-provisional-notice": "" },
        h("strong", {}, "Some numbers may still change: "),
        `${notes.join("; ")}.`,
      )
    : null;

  const goals = dataTable(
    "Goals",
    [
      {
        label: "Goal",
        value: (g: Analytics["goals"][number]) =>
          h(
            "span",
            {},
            g.goalId,
            g.goalId === a.conversions.goalId ? h("span", { class: "tag" }, "primary") : null,
          ),
      },
      { label: "Event", value: (g) => g.eventName },
      {
        label: "All",
        value: (g) => count(g.allGoals),
        numeric: true,
        metric: (g) => `goals.${g.goalId}.allGoals`,
      },
      {
        label: "Unique",
        value: (g) => count(g.uniqueGoals),
        numeric: true,
        metric: (g) => `goals.${g.goalId}.uniqueGoals`,
      },
      {
        label: "Revenue",
        value: (g) => (g.revenue === undefined ? "—" : money(g.revenue, cur)),
        numeric: true,
      },
      {
        label: "AOV",
        value: (g) => (g.goalId === a.revenue.goalId ? money(a.revenue.averageOrderValue, cur) : "—"),
        numeric: true,
      },
      {
        label: "ARPU",
        value: (g) => (g.goalId === a.revenue.goalId ? money(a.revenue.averageRevenuePerUser, cur) : "—"),
        numeric: true,
      },
    ],
    a.goals,
    "No goals configured",
    true,
  );

  const fts = dataTable(
    "Failed to send",
    [
      { label: "Reason", value: (r: Analytics["failures"]["failedToSend"][number]) => r.reason },
      { label: "Code", value: (r) => r.code ?? "—" },
      {
        label: "Messages",
        value: (r) => count(r.count),
        numeric: true,
        metric: (r) => `failedToSend.${r.reason}.${r.code ?? ""}`,
      },
    ],
    a.failures.failedToSend,
    "No send failures",
  );
  const ftd = dataTable(
    "Failed to deliver",
    [
      { label: "Code", value: (r: Analytics["failures"]["failedToDeliver"][number]) => r.code || "—" },
      { label: "Description", value: (r) => r.description ?? "—" },
      {
        label: "Messages",
        value: (r) => count(r.count),
        numeric: true,
        metric: (r) => `failedToDeliver.${r.code}`,
      },
    ],
    a.failures.failedToDeliver,
    "No delivery failures",
  );
  // Their counts would sit off-screen on a phone: there each row becomes a card.
  for (const table of [goals, fts, ftd]) table.classList.add("cards-on-phone");
  const pending = dataTable(
    "Not yet final",
    [
      { label: "State", value: (r: { label: string; n: number; metric: string }) => r.label },
      { label: "Messages", value: (r) => count(r.n), numeric: true, metric: (r) => r.metric },
    ],
    [
      { label: "In transit", n: a.delivery.inTransit, metric: "delivery.inTransit" },
      {
        label: "Pending confirmation",
        n: a.delivery.pendingDeliveryConfirmation,
        metric: "delivery.pendingDeliveryConfirmation",
      },
    ],
  );

  const latency = a.deliveryLatency;
  const byUrl = a.clicks.byUrl;

  return h(
    "article",
    { class: "campaign", "aria-labelledby": "campaign-title" },
    h(
      "nav",
      { "aria-label": "Breadcrumb", class: "crumbs" },
      h("a", { href: "#/" }, "Campaigns"),
      h("span", { "aria-hidden": "true" }, " / "),
      h("span", { "aria-current": "page" }, name),
    ),
    h(
      "div",
      { class: "title-row" },
      h(
        "div",
        {},
        h("h1", { id: "campaign-title" }, name, ...(campaign ? campaignBadges(campaign) : [])),
        h("p", { class: "muted", "data-scope": "" }, scopeText(a)),
      ),
      csv,
    ),
    filtersForm(filter, instances, a.timezone, navigate),
    banner,
    section("funnel-title", "Funnel", funnel(a, awaitingReceipt, openWindows)),
    h(
      "div",
      { class: "kpis" },
      figures([
        {
          label: "Revenue",
          value: money(a.revenue.total, cur),
          metric: "revenue.total",
          provisional: conversionsProvisional,
        },
        {
          label: "Average order value",
          value: money(a.revenue.averageOrderValue, cur),
          metric: "revenue.averageOrderValue",
          provisional: conversionsProvisional,
        },
        {
          label: "Revenue per converter",
          value: money(a.revenue.averageRevenuePerUser, cur),
          metric: "revenue.averageRevenuePerUser",
          provisional: conversionsProvisional,
        },
        {
          label: "Conversion events",
          value: count(a.conversions.conversionEvents),
          metric: "conversions.conversionEvents",
          provisional: conversionsProvisional,
        },
        { label: "Failed to send", value: count(a.delivery.failedToSend), metric: "delivery.failedToSend" },
        {
          label: "Failed to deliver",
          value: count(a.delivery.failedToDeliver),
          metric: "delivery.failedToDeliver",
          provisional: awaitingReceipt,
        },
      ]),
    ),
    costCard(a, conversionsProvisional),
    section("series-title", "Daily activity", seriesChart(a.series, cur, a.timezone, a.cost.currency)),
    section(
      "goals-title",
      "Goals",
      conversionsProvisional
        ? h(
            "p",
            { class: "muted" },
            provisionalBadge(),
            " conversions can still be attributed to open windows and pending receipts.",
          )
        : null,
      goals,
      revenueExclusions(a),
    ),
    a.experiment ? section("experiment-title", "Experiment", experimentTable(a.experiment, cur)) : null,
    h(
      "div",
      { class: "grid-2" },
      section("failures-title", "Failures", fts, ftd, pending),
      h(
        "div",
        { class: "stack" },
        section(
          "latency-title",
          "Delivery latency",
          latency
            ? figures([
                {
                  label: "Median (p50)",
                  value: duration(latency.p50Seconds),
                  metric: "deliveryLatency.p50Seconds",
                  provisional: awaitingReceipt,
                },
                {
                  label: "p90",
                  value: duration(latency.p90Seconds),
                  metric: "deliveryLatency.p90Seconds",
                  provisional: awaitingReceipt,
                },
                {
                  label: "p99",
                  value: duration(latency.p99Seconds),
                  metric: "deliveryLatency.p99Seconds",
                  provisional: awaitingReceipt,
                },
                {
                  label: "In transit over 72 h",
                  value: count(latency.inTransitOver72h),
                  metric: "deliveryLatency.inTransitOver72h",
                },
              ])
            : h("p", { class: "muted" }, "This API does not report latency yet."),
        ),
        section(
          "clicks-title",
          "Clicks",
          figures([
            { label: "Total", value: count(a.clicks.total), metric: "clicks.total" },
            { label: "Unique", value: count(a.clicks.unique), metric: "clicks.unique.detail" },
            {
              label: "Click-through rate",
              value: rate(a.clicks.clickThroughRate),
              metric: "clicks.clickThroughRate",
            },
            {
              label: "Suspected bots",
              value: a.clicks.suspectedBots === undefined ? "—" : count(a.clicks.suspectedBots),
              metric: "clicks.suspectedBots",
            },
            {
              label: "After link expiry",
              value: a.clicks.afterExpiry === undefined ? "—" : count(a.clicks.afterExpiry),
              metric: "clicks.afterExpiry",
            },
          ]),
          byUrl
            ? dataTable(
                "Clicks by URL",
                [
                  {
                    label: "URL",
                    value: (u: { url: string; total: number; unique: number }) =>
                      h("span", { class: "url" }, u.url),
                  },
                  { label: "Total", value: (u) => count(u.total), numeric: true },
                  { label: "Unique", value: (u) => count(u.unique), numeric: true },
                ],
                byUrl,
                "No clicks",
              )
            : null,
        ),
      ),
    ),
  );
}
