import { h } from "../dom.js";

type Cell = Node | string | number | null;

export interface Column<T> {
  label: string;
  value: (row: T) => Cell;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** `data-metric` on the cell, for tests and scripts reading the page. */
  metric?: (row: T) => string;
}

/** A captioned data table; wide tables scroll inside a focusable, labelled region on small screens. */
export function dataTable<T>(
  caption: string,
  columns: Column<T>[],
  rows: T[],
  empty = "None",
  /** The section heading already says it: keep the caption for screen readers only. */
  captionHidden = false,
): HTMLElement {
  const head = h(
    "tr",
    {},
    ...columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null }, c.label)),
  );
  const body = rows.length
    ? rows.map((row) =>
        h(
          "tr",
          {},
          ...columns.map((c, i) => {
            const value = c.value(row);
            const attrs = {
              class: c.numeric ? "num" : null,
              "data-metric": c.metric?.(row) ?? null,
              // The column's name, for layouts that show a row as a card (`.cards-on-phone`).
              "data-label": c.label,
            };
            return i === 0 ? h("th", { scope: "row", ...attrs }, value) : h("td", attrs, value);
          }),
        ),
      )
    : [h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, empty))];
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": caption, tabindex: 0 },
    h(
      "table",
      {},
      h("caption", { class: captionHidden ? "visually-hidden" : null }, caption),
      h("thead", {}, head),
      h("tbody", {}, ...body),
    ),
  );
}
