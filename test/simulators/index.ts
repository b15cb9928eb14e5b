/** Provider simulators and real-format receipt builders for e2e and provider tests. */

export * from "./custom.js";
export * from "./gupshup.js";
export * from "./kaleyra.js";
export * from "./receipt.js";
export type { CommonRule, HttpSimulator, RecordedRequest } from "./server.js";
export * from "./sinch.js";
