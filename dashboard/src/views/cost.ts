import { h } from "../dom.js";
import { count, money, times } from "../format.js";
import type { Analytics } from "../types.js";

/**
 * The campaign page's "Cost and return" card: segments, what they cost (exact, in the currency the
 * connector priced them in), cost per delivered message and per conversion, and return on spend. Says
 * why a figure is missing: segments sent without pricing, or prices in several currencies.
 */
export function costCard(a: Analytics, provisional: boolean): HTMLElement {
  const cost = a.cost;
  const cur = cost.currency ?? undefined;
  const rows: Array<{ label: string; value: string; metric: string; note?: string }> = [
    { label: "Segments", value: count(cost.segments), metric: "cost.segments" },
    { label: "Cost", value: money(cost.total, cur), metric: "cost.total" },
    { label: "Cost per delivered", value: money(cost.perDelivered, cur), metric: "cost.perDelivered" },
    { label: "Cost per conversion", value: money(cost.perConversion, cur), metric: "cost.perConversion" },
    { label: "Return on spend", value: times(cost.returnOnSpend), metric: "cost.returnOnSpend" },
  ];
  const notes: Array<Node | string> = [];
  if (cost.unpricedSegments > 0) {
    notes.push(
      h(
        "p",
        { class: "muted cost-note" },
        h("span", { "data-metric": "cost.unpricedSegments" }, count(cost.unpricedSegments)),
        " segments were sent through a connector without pricing: their cost is unknown, so no ratio is shown.",
      ),
    );
  }
  if (cost.currency === null && cost.byCurrency.length > 1) {
    notes.push(
      h(
        "p",
        { class: "muted cost-note" },
        "Priced in several currencies, which are not added up: ",
        ...cost.byCurrency.flatMap((c, i) => [
          i ? "; " : "",
          h("span", { "data-metric": `cost.byCurrency.${c.currency}` }, money(c.total, c.currency)),
          ` for ${count(c.segments)} segments`,
        ]),
        ".",
      ),
    );
  } else if (cost.currency !== null && cost.currency !== a.currency && cost.total !== null) {
    notes.push(
      h(
        "p",
        { class: "muted cost-note" },
        `Cost is in ${cost.currency} and revenue in ${a.currency}: no return on spend.`,
      ),
    );
  }
  return h(
    "section",
    { class: "card", "aria-labelledby": "cost-title" },
    h("h2", { id: "cost-title" }, "Cost and return"),
    h(
      "dl",
      { class: "figures cost-figures" },
      ...rows.flatMap((r) => [h("dt", {}, r.label), h("dd", { "data-metric": r.metric }, r.value)]),
    ),
    provisional
      ? h("p", { class: "muted" }, "Return on spend grows while conversion windows are open.")
      : null,
    ...notes,
  );
}
