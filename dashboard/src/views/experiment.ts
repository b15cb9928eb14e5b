import { h } from "../dom.js";
import { count, money, rate } from "../format.js";
import type { Analytics } from "../types.js";
import { dataTable } from "./table.js";

type Experiment = NonNullable<Analytics["experiment"]>;
type Variant = Experiment["variants"][number];

/**
 * The variant a marketer may call the winner, or null: only a significant result wins (p < 0.05).
 * Against a control group: the best-converting variant with a significant positive uplift. Against the
 * first variant: the same among the others, or the first one when every other is significantly worse.
 */
export function winnerOf(e: Experiment): string | null {
  const better = e.variants.filter((v) => v.uplift.significant && (v.uplift.absolute ?? 0) > 0);
  if (better.length > 0) {
    return better.reduce((a, b) => ((b.conversionRate ?? 0) > (a.conversionRate ?? 0) ? b : a)).variantId;
  }
  const [first, ...others] = e.variants;
  if (
    e.comparedWith === "firstVariant" &&
    first &&
    others.length > 0 &&
    others.every((v) => v.uplift.significant && (v.uplift.absolute ?? 0) < 0)
  ) {
    return first.variantId;
  }
  return null;
}

const pValue = (p: number | null): string => (p === null ? "—" : p < 0.001 ? "< 0.001" : p.toFixed(3));
const points = (n: number | null): string => (n === null ? "—" : `${n > 0 ? "+" : ""}${n} pp`);

/** The experiment section's content: the control group, then one row per variant with its uplift. */
export function experimentTable(e: Experiment, currency: string): HTMLElement {
  const winner = winnerOf(e);
  const reference = e.comparedWith === "controlGroup" ? "the control group" : "the first variant";
  const table = dataTable(
    "Variants",
    [
      {
        label: "Variant",
        value: (v: Variant) =>
          h(
            "span",
            {},
            v.variantId,
            v.variantId === winner
              ? h("span", { class: "badge badge-winner", "data-winner": "" }, "winner")
              : null,
          ),
      },
      { label: "Weight", value: (v) => `${v.weight} %`, numeric: true },
      {
        label: "Sent",
        value: (v) => count(v.sent),
        numeric: true,
        metric: (v) => `experiment.${v.variantId}.sent`,
      },
      { label: "Delivered", value: (v) => count(v.delivered), numeric: true },
      { label: "Unique clicks", value: (v) => count(v.uniqueClicks), numeric: true },
      {
        label: "Conversions",
        value: (v) => count(v.conversions),
        numeric: true,
        metric: (v) => `experiment.${v.variantId}.conversions`,
      },
      { label: "Conv. rate", value: (v) => rate(v.conversionRate), numeric: true },
      { label: "Revenue", value: (v) => money(v.revenue, currency), numeric: true },
      {
        label: "Uplift",
        value: (v) => points(v.uplift.absolute),
        numeric: true,
        metric: (v) => `experiment.${v.variantId}.uplift`,
      },
      { label: "p-value", value: (v) => pValue(v.uplift.pValue), numeric: true },
    ],
    e.variants,
    "No variants",
    true,
  );
  table.classList.add("cards-on-phone");
  const control =
    e.comparedWith === "controlGroup"
      ? h(
          "p",
          { class: "muted" },
          `Control group (${e.controlGroupPercent} % held back, never sent): `,
          h("span", { "data-metric": "experiment.controlGroup.users" }, count(e.controlGroup.users)),
          " users, ",
          h(
            "span",
            { "data-metric": "experiment.controlGroup.conversions" },
            count(e.controlGroup.conversions),
          ),
          ` converted (${rate(e.controlGroup.conversionRate)}).`,
        )
      : null;
  const verdict = h(
    "p",
    { class: "muted", "data-experiment-verdict": "" },
    winner
      ? `${winner} wins: its difference from ${reference} is significant (p < 0.05).`
      : `No winner yet: no difference from ${reference} is significant (p < 0.05).`,
  );
  return h("div", {}, control, table, verdict);
}
