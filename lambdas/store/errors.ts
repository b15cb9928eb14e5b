/** A transaction kept failing for a reason other than a fact's own condition (e.g. validation). */
export class FactWriteError extends Error {
  override name = "FactWriteError";
}
