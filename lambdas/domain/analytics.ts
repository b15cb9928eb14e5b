import Big from "big.js";
import { DateTime } from "luxon";
import type { AnalyticsResponse, BreakdownRow, Headline, SeriesEntry } from "./analytics-response.js";
import { daysBetween } from "./calendar.js";
import { costSection, costTotals, formatCost } from "./cost.js";
import { fields } from "./counter-fields.js";
import { type DailyCounters, total, totalsByPrefix } from "./counters.js";
import { CONTROL_ARM, uplift, type VariantWeight } from "./experiment.js";
import { percentileSeconds } from "./latency.js";
import { formatMoney } from "./money.js";

export type { AnalyticsResponse, Headline, SeriesEntry };

/** What analytics needs to know about a campaign (from its stored configuration). */
export interface AnalyticsCampaign {
  campaignId: string;
  goals: Array<{ goalId: string; eventName: string }>;
  primaryGoalId: string;
  revenueGoalId: string | null;
  attributionBasis: "delivered" | "sent";
  clickTracking: boolean;
}

export interface AnalyticsInput {
  app: { appId: string; timezone: string; currency: string };
  campaign: AnalyticsCampaign;
  instanceId: string | null;
  from: string | null;
  to: string | null;
  counters: DailyCounters;
  nowMs: number;
  /** The same scope's counters per experiment arm; absent when the campaign runs no experiment. */
  experiment?: ExperimentInput;
}

/** An experiment's setup and each arm's counters (its variants', and `control`'s). */
export interface ExperimentInput {
  controlGroupPercent: number;
  variants: readonly VariantWeight[];
  arms: ReadonlyMap<string, DailyCounters>;
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

/** What every section builder reads: the counters summed over the range, and the campaign's setup. */
interface Totals {
  input: AnalyticsInput;
  /** A field's total over the range, as a number (counts). */
  n: (field: string) => number;
  /** The attribution base: delivered for DLR-based attribution, sent otherwise (SPEC §3). */
  base: number;
}

type Section<K extends keyof AnalyticsResponse> = (t: Totals) => AnalyticsResponse[K];

const delivery: Section<"delivery"> = ({ input, n }) => {
  const sent = n(fields.sent);
  const delivered = n(fields.delivered);
  return {
    sent,
    failedToSend: n(fields.failedToSend),
    delivered,
    failedToDeliver: n(fields.failedToDeliver),
    inTransit: n(fields.inTransit),
    pendingDeliveryConfirmation: n(fields.pendingConfirmation),
    deliveryRate: input.campaign.attributionBasis === "delivered" ? rate(delivered, sent) : null,
  };
};

const clicks: Section<"clicks"> = ({ input, n, base }) => {
  const urls = new Map<string, { url: string; total: number; unique: number }>();
  for (const { parts, value } of split(input.counters, "url|")) {
    const [kind, ...rest] = parts;
    const url = rest.join("|");
    const entry = urls.get(url) ?? { url, total: 0, unique: 0 };
    if (kind === "clicks") entry.total += value;
    else entry.unique += value;
    urls.set(url, entry);
  }
  const clickers = n(fields.clickers);
  return {
    total: n(fields.clicks),
    unique: clickers,
    clickThroughRate: input.campaign.clickTracking ? rate(clickers, base) : null,
    suspectedBots: n(fields.suspectedBots),
    afterExpiry: n(fields.afterExpiry),
    byUrl: [...urls.values()].sort((a, b) => b.total - a.total || a.url.localeCompare(b.url)),
  };
};

const conversions: Section<"conversions"> = ({ input, n, base }) => {
  const primary = input.campaign.primaryGoalId;
  const users = n(fields.goalUsers(primary));
  return {
    goalId: primary,
    attributionBasis: input.campaign.attributionBasis,
    conversionEvents: n(fields.goalEvents(primary)),
    conversions: users,
    conversionRate: rate(users, base),
  };
};

function revenueTotal({ input }: Totals): Big {
  const goal = input.campaign.revenueGoalId;
  return goal ? total(input.counters, fields.goalRevenue(goal)) : new Big(0);
}

const revenue: Section<"revenue"> = (t) => {
  const { input, n } = t;
  const goal = input.campaign.revenueGoalId;
  const currency = input.app.currency;
  const sum = revenueTotal(t);
  const events = goal ? n(fields.goalEvents(goal)) : 0;
  const users = goal ? n(fields.goalUsers(goal)) : 0;
  const excluded = (field: (goalId: string) => string): number => (goal ? n(field(goal)) : 0);
  return {
    goalId: goal,
    total: formatMoney(sum, currency),
    averageOrderValue: events > 0 ? formatMoney(sum.div(events), currency) : null,
    averageRevenuePerUser: users > 0 ? formatMoney(sum.div(users), currency) : null,
    eventsWithoutRevenue: excluded(fields.goalEventsWithoutRevenue),
    eventsWithUnreadableRevenue: excluded(fields.goalEventsWithUnreadableRevenue),
    eventsWithNegativeRevenue: excluded(fields.goalEventsWithNegativeRevenue),
  };
};

const goals: Section<"goals"> = (t) =>
  t.input.campaign.goals.map((g) => ({
    goalId: g.goalId,
    eventName: g.eventName,
    allGoals: t.n(fields.goalEvents(g.goalId)),
    uniqueGoals: t.n(fields.goalUsers(g.goalId)),
    ...(g.goalId === t.input.campaign.revenueGoalId
      ? { revenue: formatMoney(revenueTotal(t), t.input.app.currency) }
      : {}),
  }));

const failures: Section<"failures"> = ({ input }) => {
  const byCode = new Map<string, { count: number; description: string | null; best: number }>();
  for (const { parts, value } of split(input.counters, "ftd|")) {
    const [code = "", description = ""] = parts;
    const entry = byCode.get(code) ?? { count: 0, description: null, best: 0 };
    entry.count += value;
    // A code's description: the one most of its failures came with.
    if (description && value > entry.best) {
      entry.description = description;
      entry.best = value;
    }
    byCode.set(code, entry);
  }
  return {
    failedToSend: split(input.counters, "fts|")
      .map(({ parts: [reason = "", code = ""], value }) => ({ reason, code: code || null, count: value }))
      .filter((row) => row.count !== 0)
      .sort(
        (a, b) =>
          b.count - a.count || a.reason.localeCompare(b.reason) || (a.code ?? "").localeCompare(b.code ?? ""),
      ),
    failedToDeliver: [...byCode]
      .map(([code, e]) => ({ code, description: e.description, count: e.count }))
      .filter((row) => row.count !== 0)
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
  };
};

const cost: Section<"cost"> = (t) => {
  const { input, n } = t;
  return costSection({
    totals: costTotals([...totalsByPrefix(input.counters, "cost|")].map(([rest, v]) => [`cost|${rest}`, v])),
    appCurrency: input.app.currency,
    delivered: n(fields.delivered),
    conversions: n(fields.goalUsers(input.campaign.primaryGoalId)),
    revenue: input.campaign.revenueGoalId ? revenueTotal(t) : null,
  });
};

/** A day's segments and cost: the cost in the range's single cost currency, else null (see `cost`). */
function dayCost(
  currency: string | null,
  day: Map<string, Big> | undefined,
): { segments: number; cost: string | null } {
  const own = costTotals(day ?? new Map());
  if (currency === null) return { segments: own.segments, cost: null };
  const amount = own.byCurrency.get(currency)?.amount ?? new Big(0);
  return { segments: own.segments, cost: formatCost(amount, currency) };
}

const series: Section<"series"> = (t) => {
  const { input } = t;
  const { primaryGoalId: primary, revenueGoalId: revenueGoal } = input.campaign;
  const costCurrency = cost(t).currency;
  return seriesDays(input).map((date) => {
    const day = input.counters.get(date);
    const get = (field: string): Big => day?.get(field) ?? new Big(0);
    return {
      date,
      sent: get(fields.sent).toNumber(),
      delivered: get(fields.delivered).toNumber(),
      clicks: get(fields.clicks).toNumber(),
      conversionEvents: get(fields.goalEvents(primary)).toNumber(),
      conversions: get(fields.goalUsers(primary)).toNumber(),
      revenue: formatMoney(revenueGoal ? get(fields.goalRevenue(revenueGoal)) : 0, input.app.currency),
      uniqueClicks: get(fields.clickers).toNumber(),
      failedToSend: get(fields.failedToSend).toNumber(),
      failedToDeliver: get(fields.failedToDeliver).toNumber(),
      ...dayCost(costCurrency, day),
    };
  });
};

const deliveryLatency: Section<"deliveryLatency"> = ({ input }) => {
  const counts = new Map<number, number>();
  for (const { parts, value } of split(input.counters, "lat|")) counts.set(Number(parts[0]), value);
  const cutoff = input.nowMs - TRANSIT_ALERT_HOURS * 3_600_000;
  return {
    p50Seconds: percentileSeconds(counts, 50),
    p90Seconds: percentileSeconds(counts, 90),
    p99Seconds: percentileSeconds(counts, 99),
    inTransitOver72h: sumHours(input.counters, "transit|", (hour) => hour + 3_600_000 <= cutoff),
  };
};

function breakdown(counters: DailyCounters, prefix: "country" | "provider"): Array<[string, BreakdownRow]> {
  const rows = new Map<string, BreakdownRow>();
  for (const { parts, value } of split(counters, `${prefix}|`)) {
    const [metric = "", key = ""] = parts;
    const row = rows.get(key) ?? { sent: 0, delivered: 0, failedToDeliver: 0, clicks: 0 };
    if (metric in row) row[metric as keyof BreakdownRow] += value;
    rows.set(key, row);
  }
  return [...rows].sort(([a], [b]) => a.localeCompare(b));
}

const breakdowns: Section<"breakdowns"> = ({ input }) => ({
  byCountry: breakdown(input.counters, "country").map(([country, row]) => ({ country, ...row })),
  byProvider: breakdown(input.counters, "provider").map(([provider, row]) => ({ provider, ...row })),
});

const provisional: Section<"provisional"> = ({ input, n }) => ({
  openWindows: sumHours(input.counters, "winclose|", (hour) => hour > input.nowMs - 3_600_000),
  awaitingReceipt: n(fields.inTransit),
});

const conversionsBySendDate: Section<"conversionsBySendDate"> = ({ input }) =>
  seriesDays(input).map((date) => {
    const day = input.counters.get(date);
    return {
      date,
      conversionEvents: day?.get(fields.cohortEvents)?.toNumber() ?? 0,
      conversions: day?.get(fields.cohortUsers)?.toNumber() ?? 0,
    };
  });

/**
 * The `experiment` section (issue 17): each variant's funnel from its arm's counters, and its uplift
 * over the control group — or, with no control group, over the first variant (whose own uplift is
 * empty). Rates use each arm's attribution base; the control group's base is its users.
 */
const experiment: Section<"experiment"> = ({ input }) => {
  const setup = input.experiment;
  if (!setup) return null;
  const armTotals = (arm: string): Totals => {
    const counters = setup.arms.get(arm) ?? new Map();
    return totalsOf({ ...input, counters, experiment: undefined });
  };
  const primary = fields.goalUsers(input.campaign.primaryGoalId);
  const control = armTotals(CONTROL_ARM);
  const controlUsers = control.n(fields.held);
  const controlConversions = control.n(primary);
  const variants = setup.variants.map((v) => {
    const t = armTotals(v.variantId);
    return { v, t, funnel: { ...delivery(t), ...clicks(t), ...conversions(t) } };
  });
  const withControl = setup.controlGroupPercent > 0;
  const reference = withControl
    ? { conversions: controlConversions, base: controlUsers }
    : { conversions: variants[0]?.funnel.conversions ?? 0, base: variants[0]?.t.base ?? 0 };
  return {
    controlGroupPercent: setup.controlGroupPercent,
    controlGroup: {
      users: controlUsers,
      conversions: controlConversions,
      conversionRate: rate(controlConversions, controlUsers),
    },
    comparedWith: withControl ? "controlGroup" : "firstVariant",
    variants: variants.map(({ v, t, funnel }, i) => ({
      variantId: v.variantId,
      weight: v.weight,
      sent: funnel.sent,
      delivered: funnel.delivered,
      clicks: funnel.total,
      uniqueClicks: funnel.unique,
      conversionEvents: funnel.conversionEvents,
      conversions: funnel.conversions,
      conversionRate: funnel.conversionRate,
      revenue: formatMoney(revenueTotal(t), input.app.currency),
      uplift:
        !withControl && i === 0
          ? { absolute: null, relative: null, pValue: null, significant: false }
          : uplift({ conversions: funnel.conversions, base: t.base }, reference),
    })),
  };
};

function totalsOf(input: AnalyticsInput): Totals {
  const n = (field: string): number => total(input.counters, field).toNumber();
  const base = n(input.campaign.attributionBasis === "delivered" ? fields.delivered : fields.sent);
  return { input, n, base };
}

/**
 * The analytics response of SPEC §4 from summed daily counters, one builder per section. Pure: the
 * flow does the I/O.
 */
export function buildAnalytics(input: AnalyticsInput): AnalyticsResponse {
  const t = totalsOf(input);
  return {
    appId: input.app.appId,
    campaignId: input.campaign.campaignId,
    instanceId: input.instanceId,
    timezone: input.app.timezone,
    currency: input.app.currency,
    from: input.from,
    to: input.to,
    delivery: delivery(t),
    clicks: clicks(t),
    conversions: conversions(t),
    revenue: revenue(t),
    goals: goals(t),
    failures: failures(t),
    series: series(t),
    deliveryLatency: deliveryLatency(t),
    breakdowns: breakdowns(t),
    provisional: provisional(t),
    conversionsBySendDate: conversionsBySendDate(t),
    experiment: experiment(t),
    cost: cost(t),
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
    cost: a.cost.total,
    costCurrency: a.cost.currency,
    returnOnSpend: a.cost.returnOnSpend,
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
  "segments",
  "cost",
] as const;

/**
 * The daily series as CSV (RFC 4180 line ends) with a header row: one row per `series` entry, the
 * columns of CSV_COLUMNS in that order. Columns added later go at the end, so readers that address
 * columns by position keep working.
 */
export function seriesCsv(series: SeriesEntry[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  // A null (cost in mixed currencies) is an empty cell.
  for (const s of series) lines.push(CSV_COLUMNS.map((c) => String(s[c] ?? "")).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
