import type { z } from "zod";

import type { FieldProblem } from "../domain/errors.js";

/** One validation problem, as the API reports it: which field, and what is wrong with it. */
export type FieldError = FieldProblem;

/** `["recipients", 3, "phone"]` → `recipients[3].phone`; the empty path is the body itself. */
export function fieldPath(path: readonly PropertyKey[], root = "body"): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? root : out;
}

function received(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  return typeof input === "object" ? "an object" : `a ${typeof input}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  array: "an array",
  object: "an object",
  record: "an object",
  null: "null",
};

function quoteAll(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

function sizeProblem(
  origin: string,
  bound: number | bigint,
  kind: "min" | "max",
  exclusive: boolean,
): string {
  const n = Number(bound);
  const word = kind === "min" ? "at least" : "at most";
  if (origin === "string") return `must be ${word} ${n} character${n === 1 ? "" : "s"} long`;
  if (origin === "array") return `must have ${word} ${n} item${n === 1 ? "" : "s"}`;
  if (exclusive) return `must be ${kind === "min" ? "greater" : "less"} than ${n}`;
  return `must be ${word} ${n}`;
}

/**
 * Per-parse zod error map: plain-English problems for the built-in checks. Messages set on a schema
 * (our own rules) take precedence over this map, so those read exactly as written there.
 */
export function problemFor(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${received(issue.input)}`;
    case "too_small":
      return sizeProblem(issue.origin, issue.minimum, "min", issue.inclusive === false);
    case "too_big":
      return sizeProblem(issue.origin, issue.maximum, "max", issue.inclusive === false);
    case "invalid_value":
      return `must be one of ${quoteAll(Array.isArray(issue.values) ? issue.values : [])}`;
    case "invalid_union":
      if (issue.discriminator !== undefined && "options" in issue && Array.isArray(issue.options)) {
        return `must be one of ${quoteAll(issue.options)}`;
      }
      return undefined;
    case "unrecognized_keys":
      return "is not a recognised field";
    default:
      return undefined;
  }
}

/** Zod issues → field errors; one entry per unrecognised key so each stray field is named. */
export function issueDetails(issues: readonly z.core.$ZodIssue[], root = "body"): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ field: fieldPath([...issue.path, key], root), problem: "is not a recognised field" });
      }
      continue;
    }
    out.push({ field: fieldPath(issue.path, root), problem: issue.message });
  }
  return out;
}
