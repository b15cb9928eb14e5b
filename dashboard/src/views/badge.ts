import { h } from "../dom.js";
import type { Campaign } from "../types.js";

/** The visible "may still change" marker: text, not colour alone, so it reads in any mode. */
export function provisionalBadge(): HTMLElement {
  return h("span", { class: "badge", "data-provisional": "" }, "may still change");
}

/** The "archived" and "sandbox" marks of a campaign, as text (not colour alone). */
export function campaignBadges(c: Campaign): Array<HTMLElement | null> {
  const archived = c.archived ?? Boolean(c.archivedAt);
  const sandbox = c.sandbox === true || c.provider === "sandbox";
  return [
    archived ? h("span", { class: "badge badge-muted", "data-archived": "" }, "archived") : null,
    sandbox ? h("span", { class: "badge badge-sandbox", "data-sandbox": "" }, "sandbox") : null,
  ];
}
