import { h } from "../dom.js";
import { count, rate, share } from "../format.js";
import type { Analytics } from "../types.js";
import { provisionalBadge } from "./badge.js";

interface Step {
  label: string;
  metric: string;
  value: number;
  note: string;
  provisional: boolean;
}

/** Sent → delivered → clicked (unique) → converted, each bar relative to sent. */
export function funnel(a: Analytics, awaitingReceipt: boolean, openWindows: boolean): HTMLElement {
  const base = a.conversions.attributionBasis === "delivered" ? "delivered" : "sent";
  const steps: Step[] = [
    {
      label: "Sent",
      metric: "delivery.sent",
      value: a.delivery.sent,
      note: "accepted by the provider",
      provisional: false,
    },
    {
      label: "Delivered",
      metric: "delivery.delivered",
      value: a.delivery.delivered,
      note: `${rate(a.delivery.deliveryRate)} of sent`,
      provisional: awaitingReceipt,
    },
    {
      label: "Clicked",
      metric: "clicks.unique",
      value: a.clicks.unique,
      note: `unique · ${rate(a.clicks.clickThroughRate)} of ${base}`,
      provisional: false,
    },
    {
      label: "Converted",
      metric: "conversions.conversions",
      value: a.conversions.conversions,
      note: `unique · ${rate(a.conversions.conversionRate)} of ${base}`,
      provisional: awaitingReceipt || openWindows,
    },
  ];
  return h(
    "ol",
    { class: "funnel", "aria-label": "Funnel" },
    ...steps.map((step) => {
      const bar = h("span", { class: "bar-fill" });
      bar.style.width = `${share(step.value, a.delivery.sent)}%`;
      return h(
        "li",
        { class: "funnel-step" },
        h("span", { class: "funnel-label" }, step.label, step.provisional ? provisionalBadge() : null),
        h("span", { class: "funnel-value", "data-metric": step.metric }, count(step.value)),
        h("span", { class: "bar", "aria-hidden": "true" }, bar),
        h("span", { class: "funnel-note" }, step.note),
      );
    }),
  );
}
