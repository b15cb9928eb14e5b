import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { send } from "../../../lambdas/providers/sinch.js";
import type { OutgoingSms, SinchConfig } from "../../../lambdas/providers/types.js";
import { type SinchSimulator, startSinchSimulator } from "../../simulators/index.js";

let sim: SinchSimulator;
let config: SinchConfig;
const ctx = { webhookUrl: "https://hooks.example/webhooks/dlr/sn/tok123", timeoutMs: 2_000 };
const sms = (phone: string, messageId = "m-1"): OutgoingSms => ({
  messageId,
  phoneE164: phone,
  text: "Hi Asha, 20% off",
  userId: "u1",
  attributes: {},
});

beforeAll(async () => {
  sim = await startSinchSimulator({ apiToken: "tok-secret" });
  config = { servicePlanId: "plan1", apiToken: "tok-secret", from: "ACME", baseUrl: `${sim.url}/` };
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.requests.length = 0;
  sim.scriptDefault({ kind: "success" });
});

describe("sinch send", () => {
  it("posts the documented batch request and records (batch id, recipient) on 201", async () => {
    const outcome = await send(config, sms("+919812345678", "c1:i1:u1"), ctx);
    const accepted = sim.accepted.at(-1);
    expect(outcome).toEqual({ kind: "sent", providerMessageId: `${accepted?.batchId}:919812345678` });
    const req = sim.requests[0];
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/xms/v1/plan1/batches");
    expect(req?.headers.authorization).toBe("Bearer tok-secret");
    expect(req?.body).toEqual({
      from: "ACME",
      to: ["+919812345678"],
      body: "Hi Asha, 20% off",
      delivery_report: "per_recipient",
      callback_url: ctx.webhookUrl,
      client_reference: "c1:i1:u1",
    });
  });

  it("maps 400 and 403 to PROVIDER_ERROR with Sinch's code", async () => {
    sim.script("+919800000400", {
      kind: "error",
      status: 400,
      code: "syntax_invalid_parameter_format",
      text: "bad",
    });
    sim.script("+919800000403", { kind: "error", status: 403, code: "missing_callback_url", text: "no cb" });
    expect(await send(config, sms("+919800000400"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "syntax_invalid_parameter_format",
      description: "bad",
    });
    expect(await send(config, sms("+919800000403"), ctx)).toMatchObject({
      kind: "failed",
      code: "missing_callback_url",
    });
  });

  it("uses the HTTP status when the error body has no code", async () => {
    sim.script("+919800000500", { kind: "http", status: 500, body: "oops" });
    expect(await send(config, sms("+919800000500"), ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "500",
    });
  });

  it("treats any other 2xx as not sent", async () => {
    sim.script("+919800000200", { kind: "http", status: 200, body: "{}" });
    expect(await send(config, sms("+919800000200"), ctx)).toMatchObject({ kind: "failed", code: "200" });
  });

  it("is sent without a provider id when 201 has no batch id (client_reference still correlates)", async () => {
    sim.script("+919800000201", { kind: "http", status: 201, body: "not json" });
    expect(await send(config, sms("+919800000201"), ctx)).toEqual({ kind: "sent" });
  });

  it("fails with the token error when the token is wrong", async () => {
    expect(await send({ ...config, apiToken: "wrong" }, sms("+919812345678"), ctx)).toMatchObject({
      kind: "failed",
      code: "unauthorized",
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
