import { describe, expect, it } from "vitest";
import {
  headerValueEscape,
  jsonStringEscape,
  placeholderNames,
  render,
  urlComponentEscape,
} from "../../../lambdas/domain/template.js";

describe("render", () => {
  it("substitutes placeholders, tolerating whitespace around the name", () => {
    expect(render("Hi {{name}}, {{ plan }}!", { name: "Asha", plan: "pro" })).toEqual({
      ok: true,
      text: "Hi Asha, pro!",
    });
  });

  it("uses the fallback only when the value is missing", () => {
    expect(render("Hi {{first_name|there}}", {})).toEqual({ ok: true, text: "Hi there" });
    expect(render("Hi {{first_name|there}}", { first_name: "Asha" })).toEqual({ ok: true, text: "Hi Asha" });
    expect(render("Hi {{first_name|there}}", { first_name: null })).toEqual({ ok: true, text: "Hi there" });
  });

  it("accepts an empty fallback and a fallback with spaces, kept verbatim", () => {
    expect(render("[{{x|}}]", {})).toEqual({ ok: true, text: "[]" });
    expect(render("Dear {{ name | valued customer}}", {})).toEqual({
      ok: true,
      text: "Dear  valued customer",
    });
  });

  it("counts an empty string as present", () => {
    expect(render("[{{x|fallback}}]", { x: "" })).toEqual({ ok: true, text: "[]" });
  });

  it("renders numbers and booleans", () => {
    expect(render("{{n}} {{b}} {{z}}", { n: 19.99, b: false, z: 0 })).toEqual({
      ok: true,
      text: "19.99 false 0",
    });
  });

  it("lists every missing name once, in order of first use", () => {
    expect(render("{{b}} {{a}} {{b}} {{c|ok}} {{ d }}", { c: undefined })).toEqual({
      ok: false,
      missing: ["b", "a", "d"],
    });
  });

  it("does not take inherited object properties as values", () => {
    expect(render("{{constructor}} {{toString}}", {})).toEqual({
      ok: false,
      missing: ["constructor", "toString"],
    });
  });

  it("leaves malformed braces as literal text", () => {
    for (const t of ["{{", "}}", "{{}}", "{{a b}}", "{{ | x}}", "{ {a} }", "{{a", "a}}", "{{a|b{c}}"]) {
      expect(render(t, { a: "A", b: "B" })).toEqual({ ok: true, text: t });
    }
  });

  it("handles placeholders next to stray braces", () => {
    expect(render("{{{a}}}", { a: "A" })).toEqual({ ok: true, text: "{A}" });
  });

  it("escapes values and fallbacks, never the template itself", () => {
    const upper = (v: string): string => v.toUpperCase();
    expect(render("a {{x}} {{y|z}}", { x: "b" }, upper)).toEqual({ ok: true, text: "a B Z" });
  });

  it("does not interpret replacement patterns in values", () => {
    expect(render("{{x}}", { x: "$& $1 $$" })).toEqual({ ok: true, text: "$& $1 $$" });
  });
});

describe("placeholderNames", () => {
  it("lists names once in order", () => {
    expect(placeholderNames("{{b}} {{a|x}} {{ b }} {{a b}}")).toEqual(["b", "a"]);
  });
});

describe("escapers", () => {
  it("jsonStringEscape produces a valid JSON string body", () => {
    const value = 'He said "hi"\\\n\ttab \u0001 ✓';
    const escaped = jsonStringEscape(value);
    expect(JSON.parse(`"${escaped}"`)).toBe(value);
  });

  it("urlComponentEscape encodes reserved characters", () => {
    expect(urlComponentEscape("+91 98&x=/?#")).toBe("%2B91%2098%26x%3D%2F%3F%23");
  });

  it("headerValueEscape strips CR, LF and NUL", () => {
    expect(headerValueEscape("a\r\nX-Injected: 1\0b")).toBe("aX-Injected: 1b");
  });
});
