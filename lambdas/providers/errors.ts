/** A receipt that cannot be understood at all (not JSON where JSON is required, no message reference…). */
export class ReceiptParseError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`receipt could not be parsed: ${reason}`, options);
    this.name = "ReceiptParseError";
  }
}
