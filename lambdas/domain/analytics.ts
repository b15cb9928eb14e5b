import Big from "big.js";
import { DateTime } from "luxon";
import type { AnalyticsResponse, BreakdownRow, Headline, SeriesEntry } from "./analytics-response.js";
import { daysBetween } from "./calendar.js";
import { fields } from "./counter-fields.js";
import { type DailyCounters, total, totalsByPrefix } from "./counters.js";
import { percentileSeconds } from "./latency.js";
import { formatMoney } from "./money.js";

export type { AnalyticsResponse, Headline, SeriesEntry };

/** What analytics needs to know about a campaign (from its stored configuration). */
export interface CampaignView {
  campaignId: string;
  goals: Array<{ goalId: string; eventName: string }>;
  primaryGoalId: string;
  revenueGoalId: string | null;
  attributionBasis: "delivered" | "sent";
  clickTracking: boolean;
}

export interface AnalyticsInput {
  app: { appId: string; timezone: string; currency: string };
  campaign: CampaignView;
  instanceId: string | null;
  from: string | null;
  to: string | null;
  counters: DailyCounters;
  nowMs: number;
}

const TRANSIT_ALERT_HOURS = 72;

function rate(part: number, base: number): number | null {
  if (base === 0) return null;
  return Number(new Big(part).times(100).div(base).round(2, Big.roundHalfUp).toString());
}

/** Splits `prefix|a|b` style field names: returns [a, b] per field with its total. */
function split(counters: DailyCounters, prefix: string): Array<{ parts: string[]; value: number }> {
  return [...totalsByPrefix(counters, prefix)].map(([rest, value]) => ({
    parts: rest.split("|"),
    value: value.toNumber(),
  }));
}

/** Sum of fields named `prefix<ISO hour>` whose hour satisfies `keep`. */
function sumHours(counters: DailyCounters, prefix: string, keep: (hourMs: number) => boolean): number {
  let n = 0;
  for (const [hour, value] of totalsByPrefix(counters, prefix)) {
    if (keep(DateTime.fromISO(hour, { zone: "UTC" }).toMillis())) n += value.toNumber();
  }
  return n;
}

/** Days the series covers: the requested range, or every day from the first to the last with data. */
function seriesDays(input: AnalyticsInput): string[] {
  if (input.from && input.to) return daysBetween(input.from, input.to);
  const present = [...input.counters.keys()].sort();
  const first = input.from ?? present[0];
  const last = input.to ?? present[present.length - 1];
  if (!first || !last || first > last) return [];
  return daysBetween(first, last);
}

/** The analytics response of SPEC §4 from summed daily counters. Pure: the handler does the I/O. */
export function buildAnalytics(input: AnalyticsInput): AnalyticsResponse {
  const { app, campaign, counters } = input;
  const n = (field: string): number => total(counters, field).toNumber();
  const primary = campaign.primaryGoalId;
  const revenueGoal = campaign.revenueGoalId;

  const sent = n(fields.sent);
  const delivered = n(fields.delivered);
  const tracking = campaign.attributionBasis === "delivered";
  const base = tracking ? delivered : sent;
  const clickers = n(fields.clickers);
  const conversions = n(fields.goalUsers(primary));
  const revenueTotal = revenueGoal ? total(counters, fields.goalRevenue(revenueGoal)) : new Big(0);
  const revenueEvents = revenueGoal ? n(fields.goalEvents(revenueGoal)) : 0;
  const revenueUsers = revenueGoal ? n(fields.goalUsers(revenueGoal)) : 0;

  const latencyCounts = new Map<number, number>();
  for (const { parts, value } of split(counters, "lat|")) latencyCounts.set(Number(parts[0]), value);

  const ftdByCode = new Map<string, { count: number; description: string | null; best: number }>();
  for (const { parts, value } of split(counters, "ftd|")) {
    const [code = "", description = ""] = parts;
    const entry = ftdByCode.get(code) ?? { count: 0, description: null, best: 0 };
    entry.count += value;
    if (description && value > entry.best) {
      entry.description = description;
      entry.best = value;
    }
    ftdByCode.set(code, entry);
  }

  const urls = new Map<string, { url: string; total: number; unique: number }>();
  for (const { parts, value } of split(counters, "url|")) {
    const [kind, ...rest] = parts;
    const url = rest.join("|");
    const entry = urls.get(url) ?? { url, total: 0, unique: 0 };
    if (kind === "clicks") entry.total += value;
    else entry.unique += value;
    urls.set(url, entry);
  }

  const breakdown = (prefix: "country" | "provider"): Array<[string, BreakdownRow]> => {
    const rows = new Map<string, BreakdownRow>();
    for (const { parts, value } of split(counters, `${prefix}|`)) {
      const [metric = "", key = ""] = parts;
      const row = rows.get(key) ?? { sent: 0, delivered: 0, failedToDeliver: 0, clicks: 0 };
      if (metric in row) row[metric as keyof BreakdownRow] += value;
      rows.set(key, row);
    }
    return [...rows].sort(([a], [b]) => a.localeCompare(b));
  };

  const series: SeriesEntry[] = seriesDays(input).map((date) => {
    const day = counters.get(date);
    const get = (field: string): Big => day?.get(field) ?? new Big(0);
    return {
      date,
      sent: get(fields.sent).toNumber(),
      delivered: get(fields.delivered).toNumber(),
      clicks: get(fields.clicks).toNumber(),
      conversionEvents: get(fields.goalEvents(primary)).toNumber(),
      conversions: get(fields.goalUsers(primary)).toNumber(),
      revenue: formatMoney(revenueGoal ? get(fields.goalRevenue(revenueGoal)) : 0, app.currency),
      uniqueClicks: get(fields.clickers).toNumber(),
      failedToSend: get(fields.failedToSend).toNumber(),
      failedToDeliver: get(fields.failedToDeliver).toNumber(),
    };
  });

  const transitCutoff = input.nowMs - TRANSIT_ALERT_HOURS * 3_600_000;

  return {
    appId: app.appId,
    campaignId: campaign.campaignId,
    instanceId: input.instanceId,
    timezone: app.timezone,
    currency: app.currency,
    from: input.from,
    to: input.to,
    delivery: {
      sent,
      failedToSend: n(fields.failedToSend),
      delivered,
      failedToDeliver: n(fields.failedToDeliver),
      inTransit: n(fields.inTransit),
      pendingDeliveryConfirmation: n(fields.pendingConfirmation),
      deliveryRate: tracking ? rate(delivered, sent) : null,
    },
    clicks: {
      total: n(fields.clicks),
      unique: clickers,
      clickThroughRate: campaign.clickTracking ? rate(clickers, base) : null,
      suspectedBots: n(fields.suspectedBots),
      afterExpiry: n(fields.afterExpiry),
      byUrl: [...urls.values()].sort((a, b) => b.total - a.total || a.url.localeCompare(b.url)),
    },
    conversions: {
      goalId: primary,
      attributionBasis: campaign.attributionBasis,
      conversionEvents: n(fields.goalEvents(primary)),
      conversions,
      conversionRate: rate(conversions, base),
    },
    revenue: {
      goalId: revenueGoal,
      total: formatMoney(revenueTotal, app.currency),
      averageOrderValue:
        revenueEvents > 0 ? formatMoney(revenueTotal.div(revenueEvents), app.currency) : null,
      averageRevenuePerUser:
        revenueUsers > 0 ? formatMoney(revenueTotal.div(revenueUsers), app.currency) : null,
      eventsWithoutRevenue: revenueGoal ? n(fields.goalEventsWithoutRevenue(revenueGoal)) : 0,
      eventsWithUnreadableRevenue: revenueGoal ? n(fields.goalEventsWithUnreadableRevenue(revenueGoal)) : 0,
      eventsWithNegativeRevenue: revenueGoal ? n(fields.goalEventsWithNegativeRevenue(revenueGoal)) : 0,
    },
    goals: campaign.goals.map((g) => ({
      goalId: g.goalId,
      eventName: g.eventName,
      allGoals: n(fields.goalEvents(g.goalId)),
      uniqueGoals: n(fields.goalUsers(g.goalId)),
      ...(g.goalId === revenueGoal ? { revenue: formatMoney(revenueTotal, app.currency) } : {}),
    })),
    failures: {
      failedToSend: split(counters, "fts|")
        .map(({ parts: [reason = "", code = ""], value }) => ({ reason, code: code || null, count: value }))
        .filter((row) => row.count !== 0)
        .sort(
          (a, b) =>
            b.count - a.count ||
            a.reason.localeCompare(b.reason) ||
            (a.code ?? "").localeCompare(b.code ?? ""),
        ),
      failedToDeliver: [...ftdByCode]
        .map(([code, e]) => ({ code, description: e.description, count: e.count }))
        .filter((row) => row.count !== 0)
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    },
    series,
    deliveryLatency: {
      p50Seconds: percentileSeconds(latencyCounts, 50),
      p90Seconds: percentileSeconds(latencyCounts, 90),
      p99Seconds: percentileSeconds(latencyCounts, 99),
      inTransitOver72h: sumHours(counters, "transit|", (hour) => hour + 3_600_000 <= transitCutoff),
    },
    breakdowns: {
      byCountry: breakdown("country").map(([country, row]) => ({ country, ...row })),
      byProvider: breakdown("provider").map(([provider, row]) => ({ provider, ...row })),
    },
    provisional: {
      openWindows: sumHours(counters, "winclose|", (hour) => hour > input.nowMs - 3_600_000),
      awaitingReceipt: n(fields.inTransit),
    },
    conversionsBySendDate: seriesDays(input).map((date) => {
      const day = counters.get(date);
      return {
        date,
        conversionEvents: day?.get(fields.cohortEvents)?.toNumber() ?? 0,
        conversions: day?.get(fields.cohortUsers)?.toNumber() ?? 0,
      };
    }),
  };
}

/** The overview numbers of a campaign (the campaign list carries them). */
export function headline(a: AnalyticsResponse): Headline {
  return {
    sent: a.delivery.sent,
    failedToSend: a.delivery.failedToSend,
    delivered: a.delivery.delivered,
    failedToDeliver: a.delivery.failedToDeliver,
    deliveryRate: a.delivery.deliveryRate,
    clicks: a.clicks.total,
    uniqueClicks: a.clicks.unique,
    conversions: a.conversions.conversions,
    conversionRate: a.conversions.conversionRate,
    revenue: a.revenue.total,
    provisional: a.provisional.openWindows > 0 || a.provisional.awaitingReceipt > 0,
  };
}

const CSV_COLUMNS = [
  "date",
  "sent",
  "delivered",
  "clicks",
  "conversionEvents",
  "conversions",
  "revenue",
  "uniqueClicks",
  "failedToSend",
  "failedToDeliver",
] as const;

/**
 * The daily series as CSV (RFC 4180 line ends) with a header row: one row per `series` entry, the
 * columns of CSV_COLUMNS in that order. Columns added later go at the end, so readers that address
 * columns by position keep working.
 */
export function seriesCsv(series: SeriesEntry[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const s of series) lines.push(CSV_COLUMNS.map((c) => String(s[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
