import { describe, expect, it } from "vitest";
import { pointerString, resolvePointer } from "../../../lambdas/providers/json-pointer.js";

// The RFC 6901 section 5 example document.
const doc = {
  foo: ["bar", "baz"],
  "": 0,
  "a/b": 1,
  "c%d": 2,
  "e^f": 3,
  "g|h": 4,
  "i\\j": 5,
  'k"l': 6,
  " ": 7,
  "m~n": 8,
};

describe("resolvePointer", () => {
  it.each([
    ["", doc],
    ["/foo", ["bar", "baz"]],
    ["/foo/0", "bar"],
    ["/", 0],
    ["/a~1b", 1],
    ["/c%d", 2],
    ["/e^f", 3],
    ["/g|h", 4],
    ["/i\\j", 5],
    ['/k"l', 6],
    ["/ ", 7],
    ["/m~0n", 8],
  ])("resolves %j", (pointer, expected) => {
    expect(resolvePointer(doc, pointer)).toEqual(expected);
  });

  it.each(["/nope", "/foo/2", "/foo/01", "/foo/-", "foo", "/foo/0/x", "/constructor"])(
    "does not resolve %j",
    (pointer) => {
      expect(resolvePointer(doc, pointer)).toBeUndefined();
    },
  );

  it("reads scalars as strings only", () => {
    expect(pointerString({ a: { b: 42 } }, "/a/b")).toBe("42");
    expect(pointerString({ a: "x" }, "/a")).toBe("x");
    expect(pointerString({ a: { b: 1 } }, "/a")).toBeUndefined();
    expect(pointerString(undefined, "/a")).toBeUndefined();
  });
});
