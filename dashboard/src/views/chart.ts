import { h, s } from "../dom.js";
import { compact, count, dayLabel, dayLong, money } from "../format.js";
import type { SeriesDay } from "../types.js";
import { dataTable } from "./table.js";

type Key = Exclude<keyof SeriesDay, "date">;

/** Every daily series in the table's column order; `shown` is its toggle's default. */
const SERIES: Array<{ key: Key; label: string; shown: boolean }> = [
  { key: "sent", label: "Sent", shown: true },
  { key: "delivered", label: "Delivered", shown: true },
  { key: "failedToSend", label: "Failed to send", shown: false },
  { key: "failedToDeliver", label: "Failed to deliver", shown: false },
  { key: "clicks", label: "Clicks", shown: true },
  { key: "uniqueClicks", label: "Unique clicks", shown: false },
  { key: "conversionEvents", label: "Conversion events", shown: false },
  { key: "conversions", label: "Conversions", shown: true },
  { key: "revenue", label: "Revenue", shown: true },
];

/** The chosen series, kept for the tab so that changing the filter keeps them. */
const STORE = "sms-analytics.series";

function loadShown(): Set<Key> {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(STORE) ?? "null");
    if (Array.isArray(saved)) return new Set(SERIES.map((d) => d.key).filter((k) => saved.includes(k)));
  } catch {
    // unreadable: the defaults
  }
  return new Set(SERIES.filter((d) => d.shown).map((d) => d.key));
}

/** Pixel geometry: one small panel per series (its own y scale), the dates once under the last. */
const G = { left: 48, right: 24, title: 22, plot: 72, gap: 18, axis: 24, labelGap: 64, maxBar: 40 };

const value = (d: SeriesDay, key: Key): number => Number(d[key]);

/** The smallest "nice" number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ) ≥ max; an integer for counts. */
function niceTop(max: number, integer: boolean): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8]) {
    const c = m * magnitude;
    if (c >= max && (!integer || Number.isInteger(c))) return c;
  }
  return 10 * magnitude;
}

/**
 * Indexes of the days labelled under the chart: every day, every other day, or whole weeks (so the
 * labels fall on one weekday), at least `labelGap` px apart; counted back from the last day, which
 * always has its label.
 */
function labelledDays(n: number, slot: number): number[] {
  const needed = G.labelGap / slot;
  const every = needed <= 1 ? 1 : needed <= 2 ? 2 : 7 * Math.ceil(needed / 7);
  return [...Array(n).keys()].filter((i) => (n - 1 - i) % every === 0);
}

/** Small multiples: a bar per day in a panel per shown series, drawn at the real pixel width. */
function draw(series: SeriesDay[], keys: Key[], width: number, currency: string): SVGElement {
  const n = series.length;
  const slot = (width - G.left - G.right) / n;
  const bar = Math.max(1, Math.min(G.maxBar, slot * 0.7));
  const center = (i: number): number => G.left + (i + 0.5) * slot;
  const panelHeight = G.title + G.plot + G.gap;
  const height = keys.length * panelHeight + G.axis;
  const label = (key: Key): string => SERIES.find((d) => d.key === key)?.label ?? key;
  const shown = (d: SeriesDay, key: Key): string =>
    key === "revenue" ? money(d.revenue, currency) : count(value(d, key));

  const panels = keys.map((key, p) => {
    const top = p * panelHeight + G.title;
    const base = top + G.plot;
    const max = niceTop(Math.max(0, ...series.map((d) => value(d, key))), key !== "revenue");
    const y = (v: number): number => base - (Math.max(0, v) / max) * G.plot;
    return s(
      "g",
      { class: `panel series-${SERIES.findIndex((d) => d.key === key)}`, "data-series": key },
      s("text", { class: "panel-title", x: G.left, y: top - 8 }, label(key)),
      s("line", { class: "grid", x1: G.left, x2: width - G.right, y1: top, y2: top }),
      s("text", { class: "tick", x: G.left - 6, y: top + 4, "text-anchor": "end" }, compact(max)),
      s("line", { class: "axis", x1: G.left, x2: width - G.right, y1: base, y2: base }),
      s("text", { class: "tick", x: G.left - 6, y: base + 4, "text-anchor": "end" }, "0"),
      ...series.map((d, i) => {
        const v = value(d, key);
        // A day with a little is never drawn as nothing: at least 2 px.
        const barTop = v > 0 ? Math.min(y(v), base - 2) : base;
        return s("rect", {
          class: "day-bar",
          x: (center(i) - bar / 2).toFixed(2),
          y: barTop.toFixed(2),
          width: bar.toFixed(2),
          height: (base - barTop).toFixed(2),
          "data-date": d.date,
          "data-value": d[key],
        });
      }),
    );
  });
  const labels = labelledDays(n, slot).map((i) =>
    s(
      "text",
      { class: "tick x-tick", x: center(i), y: height - 6, "text-anchor": "middle" },
      dayLabel(series[i]?.date ?? ""),
    ),
  );
  // One hover target per day across every panel: the native tooltip lists that day's numbers.
  const hits = series.map((d, i) =>
    s(
      "rect",
      { class: "hit", x: G.left + i * slot, y: 0, width: slot, height: height - G.axis },
      s("title", {}, [dayLong(d.date), ...keys.map((k) => `${label(k)}: ${shown(d, k)}`)].join("\n")),
    ),
  );
  const first = series[0]?.date ?? "";
  const last = series[n - 1]?.date ?? "";
  return s(
    "svg",
    {
      class: "chart",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": `Daily ${keys.map(label).join(", ")} from ${dayLong(first)} to ${dayLong(last)}. The table of daily numbers lists every value.`,
    },
    ...panels,
    ...labels,
    ...hits,
  );
}

/**
 * The daily series (app-time-zone days): series toggles, one bar chart per chosen series, and every
 * value in a table (`data-metric="series.{date}.{field}"`). The chart is drawn at the width it gets and
 * redrawn when that changes, so text stays at its CSS size and bars stay crisp on any screen.
 */
export function seriesChart(
  series: SeriesDay[],
  currency: string,
  timezone: string,
  /** Currency of the days' cost (the response's `cost.currency`; null: not one currency). */
  costCurrency: string | null = null,
): HTMLElement {
  const shown = loadShown();
  const canvas = h("div", { class: "chart-canvas" });
  let width = 0;
  const redraw = (): void => {
    const keys = SERIES.map((d) => d.key).filter((k) => shown.has(k));
    if (!series.length) canvas.replaceChildren(h("p", { class: "empty" }, "No activity in this range."));
    else if (!keys.length) canvas.replaceChildren(h("p", { class: "empty" }, "Choose a series to draw."));
    else if (width > 0) canvas.replaceChildren(draw(series, keys, width, currency));
  };
  const observer = new ResizeObserver(([entry]) => {
    if (!canvas.isConnected) {
      observer.disconnect();
      return;
    }
    const next = Math.floor(entry?.contentRect.width ?? 0);
    if (next > 0 && next !== width) {
      width = next;
      // Outside the observer callback: a redraw changes the height, which must not re-enter it.
      requestAnimationFrame(redraw);
    }
  });
  observer.observe(canvas);
  redraw();

  const toggles = h(
    "fieldset",
    { class: "series-toggles" },
    h("legend", { class: "visually-hidden" }, "Series shown in the chart"),
    ...SERIES.map((d, idx) => {
      const box = h("input", { type: "checkbox", id: `series-${d.key}`, checked: shown.has(d.key) });
      box.addEventListener("change", () => {
        if (box.checked) shown.add(d.key);
        else shown.delete(d.key);
        sessionStorage.setItem(STORE, JSON.stringify([...shown]));
        redraw();
      });
      return h(
        "label",
        { class: "toggle", for: `series-${d.key}` },
        box,
        h("span", { class: `swatch series-${idx}`, "aria-hidden": "true" }),
        d.key === "revenue" ? `Revenue (${currency})` : d.label,
      );
    }),
  );

  const n = series.length;
  const range =
    n === 0
      ? ""
      : n === 1
        ? `1 day, ${dayLong(series[0]?.date ?? "")}`
        : `${count(n)} days, ${dayLong(series[0]?.date ?? "")} to ${dayLong(series[n - 1]?.date ?? "")}`;
  const table = dataTable(
    `Daily numbers (${timezone})`,
    [
      { label: "Date", value: (d: SeriesDay) => d.date },
      ...SERIES.map((c) => ({
        label: c.key === "revenue" ? `Revenue (${currency})` : c.label,
        value: (d: SeriesDay) => (c.key === "revenue" ? money(d.revenue) : count(d[c.key] as number)),
        numeric: true,
        metric: (d: SeriesDay) => `series.${d.date}.${c.key}`,
      })),
      // Table only (not drawn): what the day's sends cost.
      {
        label: "Segments",
        value: (d: SeriesDay) => count(d.segments),
        numeric: true,
        metric: (d: SeriesDay) => `series.${d.date}.segments`,
      },
      {
        label: costCurrency ? `Cost (${costCurrency})` : "Cost",
        value: (d: SeriesDay) => money(d.cost),
        numeric: true,
        metric: (d: SeriesDay) => `series.${d.date}.cost`,
      },
    ],
    series,
    "No days in this range",
  );
  return h(
    "figure",
    { class: "chart-figure" },
    toggles,
    n
      ? h("figcaption", { class: "hint" }, `${range} · days in ${timezone} · hover a day for its numbers`)
      : null,
    canvas,
    h("details", {}, h("summary", {}, "Show the daily numbers"), table),
  );
}
