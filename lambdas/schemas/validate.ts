import type { z } from "zod";
import { type FieldError, issueDetails, problemFor } from "./issues.js";

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Parses `input` with `schema`, reporting every problem as a named field (never throws for bad input). */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root = "body",
): Validation<z.output<S>> {
  const result = schema.safeParse(input, { error: problemFor });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: issueDetails(result.error.issues, root) };
}
