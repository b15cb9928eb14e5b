/**
 * The one source of "now" for handlers and workers. Domain functions take `now` as an argument;
 * handlers read it here so tests and the local runtime can move time (e.g. across a link's expiry).
 */
let override: (() => number) | undefined;

export function nowMs(): number {
  return override ? override() : Date.now();
}

export function setClock(fn: (() => number) | undefined): void {
  override = fn;
}
