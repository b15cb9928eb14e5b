/**
 * Personalisation renderer for `{{name}}` and `{{name|fallback}}` placeholders.
 *
 * Anything that does not look like a well-formed placeholder (`{{`, `{{}}`, `{{a b}}`) is left as
 * literal text: a marketer's message must never fail because of a stray brace.
 */

export type TemplateValue = string | number | boolean | null | undefined;

export type RenderResult = { ok: true; text: string } | { ok: false; missing: string[] };

// Name: letters, digits, `_`, `.`, `-` (attribute keys such as `first_name`, `user.plan`).
// Fallback: anything up to the closing braces except braces, kept verbatim (spaces included).
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*(?:\|([^{}]*))?\}\}/g;

export function render(
  template: string,
  values: Record<string, TemplateValue>,
  escapeValue: (v: string) => string = (v) => v,
): RenderResult {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string, fallback: string | undefined) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value !== null && value !== undefined) return escapeValue(String(value));
    if (fallback !== undefined) return escapeValue(fallback);
    if (!missing.includes(name)) missing.push(name);
    return whole;
  });
  return missing.length > 0 ? { ok: false, missing } : { ok: true, text };
}

/** Names of every placeholder in `template`, de-duplicated, in order of first use. */
export function placeholderNames(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** For a value inserted inside a JSON string literal (the surrounding quotes are the template's). */
export function jsonStringEscape(v: string): string {
  return JSON.stringify(v).slice(1, -1);
}

// A surrogate half without its partner: JSON lets a request carry one, but it has no UTF-8 encoding.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** For a value inserted into a URL path segment, query value or form field (lone surrogates become U+FFFD). */
export function urlComponentEscape(v: string): string {
  return encodeURIComponent(v.replace(LONE_SURROGATE, "\uFFFD"));
}

/** For a value inserted into an HTTP header: CR, LF and NUL would split or break the header. */
export function headerValueEscape(v: string): string {
  return v.replace(/[\r\n\0]/g, "");
}
