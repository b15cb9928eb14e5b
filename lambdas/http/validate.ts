import type { z } from "zod";
import { type Validation, validate } from "../schemas/validate.js";
import type { ApiEvent } from "./api-event.js";
import { ValidationError } from "./errors.js";

function orThrow<T>(result: Validation<T>): T {
  if (!result.ok) throw new ValidationError(result.errors);
  return result.value;
}

/** The JSON body parsed by `schema`; 400 naming each bad field (or `body` when there is none). */
export function parseBody<S extends z.ZodType>(schema: S, event: ApiEvent): z.output<S> {
  if (event.jsonBody === undefined) {
    throw new ValidationError([{ field: "body", problem: "is required: send a JSON object" }]);
  }
  return orThrow(validate(schema, event.jsonBody));
}

/** Path parameters parsed by `schema` (ids must match the id pattern); fields are the parameter names. */
export function parsePath<S extends z.ZodType>(schema: S, event: ApiEvent): z.output<S> {
  return orThrow(validate(schema, event.pathParameters ?? {}, "path"));
}

export { orThrow };
