import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { send } from "../../../lambdas/providers/kaleyra.js";
import type { KaleyraConfig, OutgoingSms } from "../../../lambdas/providers/types.js";
import { type KaleyraSimulator, startKaleyraSimulator } from "../../simulators/index.js";

let sim: KaleyraSimulator;
let config: KaleyraConfig;
const ctx = { webhookUrl: "https://hooks.example/webhooks/dlr/ky/tok", timeoutMs: 2_000 };
const sms = (phone: string, messageId = "c1:i1:u1"): OutgoingSms => ({
  messageId,
  phoneE164: phone,
  text: "Hi Asha, 20% off: https://s.example/l/abc?x=1&y=2",
  userId: "u1",
  attributes: {},
});

beforeAll(async () => {
  sim = await startKaleyraSimulator({ apiKey: "key-123" });
  config = { apiKey: "key-123", sender: "ACMEIN", baseUrl: `${sim.url}/v4/` };
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.requests.length = 0;
});

describe("kaleyra send", () => {
  it("posts the v4 sms form with custom and a placeholder dlrurl, and records the data id", async () => {
    const outcome = await send(config, sms("+919812345678"), ctx);
    const accepted = sim.accepted.at(-1);
    expect(outcome).toEqual({ kind: "sent", providerMessageId: accepted?.providerMessageId });
    const req = sim.requests[0];
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v4/");
    expect(req?.body).toEqual({
      api_key: "key-123",
      method: "sms",
      message: "Hi Asha, 20% off: https://s.example/l/abc?x=1&y=2",
      to: "919812345678",
      sender: "ACMEIN",
      custom: "c1:i1:u1",
      dlrurl:
        "https://hooks.example/webhooks/dlr/ky/tok?sid={sid}&status={status}&custom={custom}&delivat={delivat}&mobile={mobile}",
      format: "json",
    });
    // The whole dlrurl travels URL-encoded as one form value.
    expect(req?.rawBody).toContain(
      "dlrurl=https%3A%2F%2Fhooks.example%2Fwebhooks%2Fdlr%2Fky%2Ftok%3Fsid%3D%7Bsid%7D%26status%3D%7Bstatus%7D",
    );
  });

  it("accepts data keyed by index", async () => {
    sim.script("+919800000001", { kind: "success", dataShape: "object" });
    const outcome = await send(config, sms("+919800000001"), ctx);
    expect(outcome).toEqual({ kind: "sent", providerMessageId: sim.accepted.at(-1)?.providerMessageId });
  });

  it("fails with the per-number status when it is not AWAITED-DLR", async () => {
    sim.script("+919800000002", { kind: "number-status", status: "DNDNUMB" });
    expect(await send(config, sms("+919800000002"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "DNDNUMB",
      description: "number on the do-not-disturb registry",
    });
  });

  it("spells a per-number status as the receipts' code (trimmed, upper case)", async () => {
    sim.script("+919800000004", { kind: "number-status", status: " inv-number" });
    expect(await send(config, sms("+919800000004"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "INV-NUMBER",
      description: "invalid number",
    });
  });

  it("fails with the error status of a refused request", async () => {
    sim.script("+919800000003", { kind: "error", status: "E601", message: "Mandatory field missing" });
    expect(await send(config, sms("+919800000003"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "E601",
      description: "Mandatory field missing",
    });
    expect(await send({ ...config, apiKey: "bad" }, sms("+919812345678"), ctx)).toMatchObject({
      kind: "failed",
      code: "A401B",
    });
  });

  it("uses the HTTP status when the error has no JSON status", async () => {
    sim.script("+919800000500", { kind: "http", status: 500, body: "Internal error" });
    expect(await send(config, sms("+919800000500"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "500",
    });
  });

  it("does not count an unrecognised 200 body as sent", async () => {
    sim.script("+919800000200", { kind: "http", status: 200, body: "<html/>" });
    expect(await send(config, sms("+919800000200"), ctx)).toMatchObject({ code: "UNEXPECTED_RESPONSE" });
  });

  it("reports a timeout as an unknown outcome", async () => {
    sim.script("+919800000999", { kind: "delay", ms: 30_000 });
    expect(await send(config, sms("+919800000999"), { ...ctx, timeoutMs: 100 })).toMatchObject({
      kind: "unknown",
      code: "TIMEOUT",
    });
  });
});
