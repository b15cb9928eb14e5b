/**
 * What can go wrong in a use case, in the domain's words. Flows and stores throw these; the HTTP layer
 * maps each kind to its status once (http/error-mapper), so no store ever speaks HTTP.
 */

/** One problem with one input field: which field, and what is wrong with it. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** Base of every expected failure; anything else is a bug (500, logged). */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly details: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input names something that is not valid here (a connector of another app, …): 400. */
export class InvalidInputError extends DomainError {}

/** The resource the request names does not exist (or is not the caller's): 404. */
export class NotFoundError extends DomainError {}

/** The change would contradict what exists (a provider change, a counted history): 409. */
export class ConflictError extends DomainError {}

/** The caller's credentials do not open this: 401. */
export class UnauthenticatedError extends DomainError {}

/** The caller is known but this is not allowed for it: 403. */
export class ForbiddenError extends DomainError {}

/** A transient failure the caller should retry (a queue refused a message): 503. */
export class UnavailableError extends DomainError {}
