import { h } from "../dom.js";
import { count, sendSpan } from "../format.js";
import type { AnalyticsFilter, Instance } from "../types.js";

/**
 * The instance picker (the whole campaign or one instance, from the instances route, with when each was
 * sent) and the date range. Choosing an instance applies at once; dates apply with the Apply button.
 * Applying changes the page address, which re-queries the API. `listed` is null when the instance list
 * could not be read: the page still works for the whole campaign and says so.
 */
export function filtersForm(
  filter: AnalyticsFilter,
  listed: Instance[] | null,
  timezone: string,
  apply: (next: AnalyticsFilter) => void,
): HTMLElement {
  const instances = listed ?? [];
  const known = instances.some((i) => i.instanceId === filter.instanceId);
  const instance = h(
    "select",
    { id: "f-instance", name: "instanceId", "aria-describedby": "f-instance-help" },
    h("option", { value: "" }, "Whole campaign (all instances)"),
    ...instances.map((i) =>
      h(
        "option",
        { value: i.instanceId },
        `${i.instanceId} · ${sendSpan(i.firstSendAt, i.lastSendAt, timezone)}`,
      ),
    ),
    // An instance from the address that has sent nothing yet stays selectable.
    filter.instanceId && !known
      ? h("option", { value: filter.instanceId }, `${filter.instanceId} · no sends`)
      : null,
  );
  instance.value = filter.instanceId ?? "";
  const chosen = instances.find((i) => i.instanceId === filter.instanceId);
  const help = !listed
    ? "The instance list could not be loaded."
    : chosen
      ? `Sent ${sendSpan(chosen.firstSendAt, chosen.lastSendAt, timezone)} (${timezone}) · ${count(chosen.headline.sent)} sent`
      : `${count(instances.length)} instance${instances.length === 1 ? "" : "s"}, newest first`;
  const from = h("input", { id: "f-from", name: "from", type: "date", value: filter.from ?? "" });
  const to = h("input", { id: "f-to", name: "to", type: "date", value: filter.to ?? "" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filters" },
    h(
      "div",
      { class: "field field-instance" },
      h("label", { for: "f-instance" }, "Instance"),
      instance,
      h("span", { id: "f-instance-help", class: "hint" }, help),
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
  instance.addEventListener("change", () => form.requestSubmit());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next: AnalyticsFilter = {};
    if (instance.value) next.instanceId = instance.value;
    if (from.value) next.from = from.value;
    if (to.value) next.to = to.value;
    if (next.from && next.to && next.from > next.to) {
      error.textContent = "The start date must not be after the end date.";
      from.focus();
      return;
    }
    apply(next);
  });
  return form;
}
