import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { send } from "../../../lambdas/providers/gupshup.js";
import type { GupshupConfig, OutgoingSms } from "../../../lambdas/providers/types.js";
import { type GupshupSimulator, startGupshupSimulator } from "../../simulators/index.js";

let sim: GupshupSimulator;
let config: GupshupConfig;
const ctx = { webhookUrl: "https://hooks.example/webhooks/dlr/gs/tok", timeoutMs: 2_000 };
const sms = (phone: string, text = "Hi Asha & co, 20% off"): OutgoingSms => ({
  messageId: "m-1",
  phoneE164: phone,
  text,
  userId: "u1",
  attributes: {},
});

beforeAll(async () => {
  sim = await startGupshupSimulator({ userId: "2000123", password: "pw&=?" });
  config = { userId: "2000123", password: "pw&=?", mask: "ACME", baseUrl: `${sim.url}/GatewayAPI/rest` };
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.requests.length = 0;
});

describe("gupshup send", () => {
  it("posts the SendMessage form and records the third field of the success line", async () => {
    const outcome = await send(config, sms("+919812345678"), ctx);
    const accepted = sim.accepted.at(-1);
    expect(accepted?.providerMessageId).toMatch(/^\w+-\w+$/);
    expect(outcome).toEqual({ kind: "sent", providerMessageId: accepted?.providerMessageId });
    const req = sim.requests[0];
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/GatewayAPI/rest");
    expect(req?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req?.body).toEqual({
      method: "SendMessage",
      send_to: "919812345678",
      msg: "Hi Asha & co, 20% off",
      msg_type: "TEXT",
      userid: "2000123",
      password: "pw&=?",
      auth_scheme: "plain",
      v: "1.1",
      format: "text",
      mask: "ACME",
    });
  });

  it("sends non-GSM text as Unicode", async () => {
    await send(config, sms("+919812345678", "नमस्ते Asha"), ctx);
    expect(sim.requests[0]?.body).toMatchObject({ msg_type: "Unicode_Text" });
  });

  it("omits mask when none is configured", async () => {
    const { mask: _mask, ...noMask } = config;
    await send(noMask, sms("+919812345678"), ctx);
    expect(sim.requests[0]?.body).not.toHaveProperty("mask");
  });

  it("maps an error line to PROVIDER_ERROR with its code and text", async () => {
    sim.script("+12025550175", {
      kind: "error",
      code: "175",
      text: "The 'INTERNATIONAL_PHONE' service is disabled for you",
    });
    expect(await send(config, sms("+12025550175"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "175",
      description: "The 'INTERNATIONAL_PHONE' service is disabled for you",
    });
  });

  it("spells the error line's code as receipt codes are spelled (one code, one string)", async () => {
    sim.script("+919800000011", { kind: "http", status: 200, body: "error | 0B | Blocked mask" });
    expect(await send(config, sms("+919800000011"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "00b",
      description: "Blocked mask",
    });
  });

  it("fails authentication like Gupshup does (200 with an error line)", async () => {
    expect(await send({ ...config, password: "wrong" }, sms("+919812345678"), ctx)).toMatchObject({
      kind: "failed",
      code: "105",
    });
  });

  it("maps a non-200 to PROVIDER_ERROR with the HTTP status", async () => {
    sim.script("+919800000500", { kind: "http", status: 500, body: "error | 1 | x" });
    expect(await send(config, sms("+919800000500"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "500",
    });
  });

  it("does not count an unrecognised 200 body as sent", async () => {
    sim.script("+919800000200", { kind: "http", status: 200, body: "<html>maintenance</html>" });
    expect(await send(config, sms("+919800000200"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "UNEXPECTED_RESPONSE",
    });
  });

  it("accepts the success line in any case and with extra blank lines", async () => {
    sim.script("+919800000201", {
      kind: "http",
      status: 200,
      body: "\n SUCCESS | 919800000201 | 123-456 \n",
    });
    expect(await send(config, sms("+919800000201"), ctx)).toEqual({
      kind: "sent",
      providerMessageId: "123-456",
    });
  });

  it("reports a timeout as an unknown outcome", async () => {
    sim.script("+919800000999", { kind: "delay", ms: 30_000 });
    expect(await send(config, sms("+919800000999"), { ...ctx, timeoutMs: 100 })).toMatchObject({
      kind: "unknown",
      code: "TIMEOUT",
    });
  });
});
