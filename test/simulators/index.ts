/**
 * Provider simulators and real-format receipt builders for e2e and provider tests.
 *
 *   const sim = await startSinchSimulator();
 *   sim.script("+919812345678", { kind: "error", status: 400, code: "syntax_invalid_parameter_format" });
 *   sim.script("+919800000001", { kind: "delay", ms: 30_000 });   // longer than the client's timeout
 *   sim.script("+919800000002", { kind: "http", status: 500 });
 *   … send through the connector with baseUrl = sim.url …
 *   sim.requests   // every request received: method, path, query, headers, rawBody, parsed body
 *   sim.accepted   // what the simulator accepted, with the provider ids receipts will carry
 *   await deliverReceipt(webhookUrl, sinchRecipientReport({ batchId, recipient, status: "Delivered" }, signing));
 *   await sim.stop();
 */

export * from "./custom.js";
export * from "./gupshup.js";
export * from "./kaleyra.js";
export * from "./receipt.js";
export type { CommonRule, HttpSimulator, RecordedRequest } from "./server.js";
export * from "./sinch.js";
