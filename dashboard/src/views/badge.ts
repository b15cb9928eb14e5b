import { h } from "../dom.js";

/** The visible "may still change" marker: text, not colour alone, so it reads in any mode. */
export function provisionalBadge(): HTMLElement {
  return h("span", { class: "badge", "data-provisional": "" }, "may still change");
}
