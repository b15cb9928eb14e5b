import { h, s } from "../dom.js";
import { count, money } from "../format.js";
import type { SeriesDay } from "../types.js";
import { dataTable } from "./table.js";

const SERIES = [
  { key: "sent", label: "Sent" },
  { key: "delivered", label: "Delivered" },
  { key: "clicks", label: "Clicks" },
  { key: "conversions", label: "Conversions" },
] as const;

const H = 220;
const M = { top: 12, right: 16, bottom: 28, left: 44 };

/** A round upper bound for the y axis and a tick step that divides it (integers only). */
function axis(max: number): { top: number; step: number } {
  if (max <= 4) return { top: Math.max(1, max), step: 1 };
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step =
    [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((c) => c >= raw && Number.isInteger(c)) ?? raw;
  return { top: Math.ceil(max / step) * step, step };
}

/** Indexes of the dates labelled on the x axis: at most six, always the first and the last. */
function labelled(n: number): number[] {
  if (n <= 6) return [...Array(n).keys()];
  const every = Math.ceil((n - 1) / 5);
  const out: number[] = [];
  for (let i = 0; i < n - 1; i += every) out.push(i);
  if (n - 1 - (out[out.length - 1] ?? 0) < every / 2) out.pop();
  out.push(n - 1);
  return out;
}

/** The daily series (already app-timezone days) as an SVG line chart, with the numbers in a table. */
export function seriesChart(series: SeriesDay[], currency: string, timezone: string): HTMLElement {
  // A narrower drawing on phones keeps the axis labels readable once the SVG is scaled to fit.
  const W = window.matchMedia("(max-width: 640px)").matches ? 340 : 720;
  const n = series.length;
  const max = Math.max(0, ...series.flatMap((d) => SERIES.map((k) => d[k.key])));
  const { top, step } = axis(max);
  const x = (i: number): number =>
    n <= 1 ? (M.left + W - M.right) / 2 : M.left + (i * (W - M.left - M.right)) / (n - 1);
  const y = (v: number): number => H - M.bottom - (v / top) * (H - M.top - M.bottom);

  const grid: SVGElement[] = [];
  for (let v = 0; v <= top; v += step) {
    grid.push(
      s("line", { class: "grid", x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
      s("text", { class: "tick", x: M.left - 8, y: y(v) + 4, "text-anchor": "end" }, count(v)),
    );
  }
  const xLabels = labelled(n).map((i) =>
    s(
      "text",
      {
        class: "tick",
        x: x(i),
        y: H - 8,
        "text-anchor": n <= 1 ? "middle" : i === 0 ? "start" : i === n - 1 ? "end" : "middle",
      },
      series[i]?.date.slice(5) ?? "",
    ),
  );
  const lines = SERIES.map((k, idx) => {
    const points = series.map((d, i) => `${x(i).toFixed(1)},${y(d[k.key]).toFixed(1)}`);
    return s(
      "g",
      { class: `series series-${idx}` },
      n > 1 ? s("polyline", { points: points.join(" "), fill: "none" }) : null,
      ...(n <= 31 ? series.map((d, i) => s("circle", { cx: x(i), cy: y(d[k.key]), r: 3 })) : []),
    );
  });

  const titleId = "chart-title";
  const descId = "chart-desc";
  const first = series[0]?.date;
  const last = series[n - 1]?.date;
  const svg = s(
    "svg",
    {
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      class: "chart",
      preserveAspectRatio: "xMidYMid meet",
    },
    s("title", { id: titleId }, "Daily sent, delivered, clicks and conversions"),
    s(
      "desc",
      { id: descId },
      n ? `${n} days from ${first} to ${last}; the table below lists every value.` : "No data.",
    ),
    ...grid,
    s("line", { class: "axis", x1: M.left, x2: W - M.right, y1: y(0), y2: y(0) }),
    ...xLabels,
    ...lines,
  );

  const legend = h(
    "ul",
    { class: "legend" },
    ...SERIES.map((k, idx) =>
      h("li", {}, h("span", { class: `swatch series-${idx}`, "aria-hidden": "true" }), k.label),
    ),
  );
  const table = dataTable(
    `Daily numbers (${timezone})`,
    [
      { label: "Date", value: (d: SeriesDay) => d.date },
      { label: "Sent", value: (d) => count(d.sent), numeric: true },
      { label: "Delivered", value: (d) => count(d.delivered), numeric: true },
      { label: "Clicks", value: (d) => count(d.clicks), numeric: true },
      { label: "Conversion events", value: (d) => count(d.conversionEvents), numeric: true },
      { label: "Conversions", value: (d) => count(d.conversions), numeric: true },
      { label: "Revenue", value: (d) => money(d.revenue, currency), numeric: true },
    ],
    series,
    "No days in this range",
  );
  return h(
    "figure",
    { class: "chart-figure" },
    n ? svg : h("p", { class: "empty" }, "No activity in this range."),
    legend,
    h("details", {}, h("summary", {}, "Show the daily numbers"), table),
  );
}
