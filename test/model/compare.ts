/**
 * Compares what the product reports with what the model expects, field by field, after the same
 * normalisation on both sides: lists sorted, rows that count nothing dropped (a product may or may not
 * list a URL nobody tapped), series days without any fact dropped when no range was asked (with a range
 * every day of it must be there), and fields the model does not predict left out (failure descriptions,
 * delivery latency, provisional counts, which depend on the wall clock).
 */

import { type Analytics, type Ledger, type Range, report, type Scope } from "./model.js";
import type { Observed } from "./run.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const byJson = (a: unknown, b: unknown) => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

const nonZero = (row: Record<string, unknown>) =>
  Object.values(row).some(
    (v) =>
      (typeof v === "number" && v !== 0) ||
      (typeof v === "string" && /^-?[0-9.]+$/.test(v) && Number(v) !== 0),
  );

/** The fields of `Analytics`, from a product response or a model report, normalised for comparison. */
export function normalise(a: Analytics | any, ranged: boolean): Json {
  const rows = <T extends Record<string, unknown>>(
    list: T[] | undefined,
    keep: (r: T) => Record<string, unknown>,
  ) => (list ?? []).map(keep).filter(nonZero).sort(byJson);
  return {
    delivery: a.delivery,
    clicks: {
      total: a.clicks.total,
      unique: a.clicks.unique,
      clickThroughRate: a.clicks.clickThroughRate,
      suspectedBots: a.clicks.suspectedBots,
      afterExpiry: a.clicks.afterExpiry,
      byUrl: rows(a.clicks.byUrl, (r: any) => ({ url: r.url, total: r.total, unique: r.unique })),
    },
    conversions: a.conversions,
    revenue: a.revenue,
    goals: a.goals,
    failures: {
      failedToSend: rows(a.failures.failedToSend, (r: any) => ({
        reason: r.reason,
        code: r.code,
        count: r.count,
      })),
      failedToDeliver: rows(a.failures.failedToDeliver, (r: any) => ({ code: r.code, count: r.count })),
    },
    series: (a.series as Array<Record<string, unknown>>)
      .map((s) => ({
        date: s.date,
        sent: s.sent,
        delivered: s.delivered,
        clicks: s.clicks,
        conversionEvents: s.conversionEvents,
        conversions: s.conversions,
        revenue: s.revenue,
      }))
      .filter((s) => ranged || nonZero({ ...s, date: 0 }))
      .sort(byJson) as Json,
    breakdowns: {
      byCountry: rows(a.breakdowns.byCountry, (r: any) => r),
      byProvider: rows(a.breakdowns.byProvider, (r: any) => r),
    },
    conversionsBySendDate: rows(a.conversionsBySendDate, (r: any) => r),
  } as Json;
}

/** Paths where two JSON values differ, with both values. */
export function diff(expected: Json, actual: Json, path = ""): string[] {
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: string[] = [];
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) out.push(...diff(expected[i] ?? null, actual[i] ?? null, `${path}[${i}]`));
    return out;
  }
  if (
    expected &&
    actual &&
    typeof expected === "object" &&
    typeof actual === "object" &&
    !Array.isArray(expected) &&
    !Array.isArray(actual)
  ) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    const out: string[] = [];
    for (const k of keys)
      out.push(...diff(expected[k] ?? null, actual[k] ?? null, path ? `${path}.${k}` : k));
    return out;
  }
  return [`${path}: model ${JSON.stringify(expected)}, product ${JSON.stringify(actual)}`];
}

export interface Mismatch {
  /** "campaign", "instance i1", "campaign 2027-03-13..2027-03-20", … */
  view: string;
  differences: string[];
}

/** Every view the runner read, against the model's report of the same scope and range. */
export function compare(ledger: Ledger, observed: Observed): Mismatch[] {
  const range: Range = ledger.history.range;
  const views: Array<{ view: string; scope: Scope; range?: Range; actual: unknown }> = [
    { view: "campaign", scope: null, actual: observed.campaign },
    { view: `campaign ${range.from}..${range.to}`, scope: null, range, actual: observed.range },
    ...Object.entries(observed.instances).map(([i, actual]) => ({ view: `instance ${i}`, scope: i, actual })),
    ...Object.entries(observed.rangeInstances).map(([i, actual]) => ({
      view: `instance ${i} ${range.from}..${range.to}`,
      scope: i,
      range,
      actual,
    })),
  ];
  const out: Mismatch[] = [];
  // Two windows with the same start that both hold an event: which instance counts it is not defined,
  // only the campaign's numbers are.
  const comparable = ledger.ambiguous.length === 0 ? views : views.filter((v) => v.scope === null);
  for (const v of comparable) {
    const expected = normalise(report(ledger, v.scope, v.range), v.range !== undefined);
    const actual = normalise(v.actual, v.range !== undefined);
    if (ledger.failureCodeTie) {
      // Which of two tied final failures counts is not defined: compare their total only.
      for (const side of [expected, actual] as Array<{ failures: { failedToDeliver: Json } }>) {
        const rows = side.failures.failedToDeliver as Array<{ count: number }>;
        side.failures.failedToDeliver = [{ code: "*", count: rows.reduce((n, r) => n + r.count, 0) }];
      }
    }
    const differences = diff(expected, actual);
    if (differences.length > 0) out.push({ view: v.view, differences });
  }
  if (observed.problems.length > 0) out.push({ view: "runner", differences: observed.problems });
  return out;
}
