import { h } from "../dom.js";
import type { AnalyticsFilter } from "../types.js";

const RECENT = "sms-analytics.instances";

/** Instance ids seen in this tab, offered as suggestions (the API has no instance list). */
function recentInstances(campaignId: string): string[] {
  try {
    const all = JSON.parse(sessionStorage.getItem(RECENT) ?? "{}") as Record<string, string[]>;
    return all[campaignId] ?? [];
  } catch {
    return [];
  }
}

export function rememberInstance(campaignId: string, instanceId: string): void {
  const all = JSON.parse(sessionStorage.getItem(RECENT) ?? "{}") as Record<string, string[]>;
  all[campaignId] = [instanceId, ...(all[campaignId] ?? []).filter((i) => i !== instanceId)].slice(0, 20);
  sessionStorage.setItem(RECENT, JSON.stringify(all));
}

/** Instance and date-range pickers; applying them changes the page address, which re-queries the API. */
export function filtersForm(
  campaignId: string,
  filter: AnalyticsFilter,
  apply: (next: AnalyticsFilter) => void,
): HTMLElement {
  const instance = h("input", {
    id: "f-instance",
    name: "instanceId",
    list: "f-instances",
    value: filter.instanceId ?? "",
    placeholder: "All instances",
    spellcheck: "false",
    pattern: "[A-Za-z0-9_.:\\-]{1,128}",
    "aria-describedby": "f-instance-help",
  });
  const from = h("input", { id: "f-from", name: "from", type: "date", value: filter.from ?? "" });
  const to = h("input", { id: "f-to", name: "to", type: "date", value: filter.to ?? "" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filters" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "f-instance" }, "Instance"),
      instance,
      h(
        "datalist",
        { id: "f-instances" },
        ...recentInstances(campaignId).map((i) => h("option", { value: i })),
      ),
      h("span", { id: "f-instance-help", class: "hint" }, "Blank for all instances"),
    ),
    h("div", { class: "field" }, h("label", { for: "f-from" }, "From"), from),
    h("div", { class: "field" }, h("label", { for: "f-to" }, "To"), to),
    h(
      "div",
      { class: "filter-actions" },
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("button", { type: "button", id: "f-reset", onclick: () => apply({}) }, "Reset"),
    ),
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next: AnalyticsFilter = {};
    if (instance.value.trim()) next.instanceId = instance.value.trim();
    if (from.value) next.from = from.value;
    if (to.value) next.to = to.value;
    if (next.from && next.to && next.from > next.to) {
      error.textContent = "The start date must not be after the end date.";
      from.focus();
      return;
    }
    if (next.instanceId) rememberInstance(campaignId, next.instanceId);
    apply(next);
  });
  return form;
}
