import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderRequest, send } from "../../../lambdas/providers/custom.js";
import type { CustomConfig, OutgoingSms } from "../../../lambdas/providers/types.js";
import { type CustomSimulator, startCustomSimulator } from "../../simulators/index.js";

let sim: CustomSimulator;
const ctx = { webhookUrl: "https://hooks.example/webhooks/dlr/cu/tok", timeoutMs: 2_000 };
const sms = (phone: string, attributes: OutgoingSms["attributes"] = {}): OutgoingSms => ({
  messageId: "c1:i1:u1",
  phoneE164: phone,
  text: 'Hi "Asha"\nline two & more',
  userId: "u1",
  attributes,
});
const jsonConfig = (): CustomConfig => ({
  request: {
    method: "POST",
    url: `${sim.url}/send/{{ userId }}?tier={{tier|basic}}`,
    headers: { "Content-Type": "application/json", "X-Key": "k-1", "X-Campaign": "{{campaign|none}}" },
    body: ' {"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}","name":"{{first_name}}"}',
  },
  response: { messageIdPointer: "/id", errorCodePointer: "/error/code" },
});

beforeAll(async () => {
  sim = await startCustomSimulator();
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.requests.length = 0;
});

describe("custom send", () => {
  it("renders URL, headers and a JSON body with the right escaping and takes the id from the pointer", async () => {
    const outcome = await send(
      jsonConfig(),
      sms("+919812345678", { first_name: 'A"\\sha', tier: "gold/1" }),
      ctx,
    );
    expect(outcome).toEqual({ kind: "sent", providerMessageId: sim.accepted.at(-1)?.providerMessageId });
    const req = sim.requests[0];
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/send/u1");
    expect(req?.query).toEqual({ tier: "gold/1" });
    expect(req?.headers["x-key"]).toBe("k-1");
    expect(req?.headers["x-campaign"]).toBe("none");
    expect(req?.body).toEqual({
      to: "+919812345678",
      text: 'Hi "Asha"\nline two & more',
      ref: "c1:i1:u1",
      name: 'A"\\sha',
    });
  });

  it("fails personalisation, listing every missing attribute once, without calling the provider", async () => {
    const config = jsonConfig();
    config.request.headers = { ...config.request.headers, "X-Plan": "{{plan}}" };
    config.request.url = `${sim.url}/send?c={{city}}`;
    expect(await send(config, sms("+919812345678"), ctx)).toEqual({
      kind: "failed",
      reason: "PERSONALIZATION_FAILED",
      code: "PERSONALIZATION_FAILED",
      missing: ["city", "plan", "first_name"],
    });
    expect(sim.requests).toHaveLength(0);
  });

  it("sends a raw text body as is and a form body URL-encoded", async () => {
    const base: CustomConfig = {
      request: { method: "POST", url: `${sim.url}/raw`, body: "to={{phone}} text={{message}}" },
    };
    await send(base, sms("+919812345678"), ctx);
    expect(sim.requests[0]?.rawBody).toBe('to=+919812345678 text=Hi "Asha"\nline two & more');
    const form: CustomConfig = {
      request: {
        method: "POST",
        url: `${sim.url}/form`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "to={{phone}}&text={{message}}",
      },
    };
    await send(form, sms("+919812345678"), ctx);
    expect(sim.requests[1]?.body).toEqual({ to: "+919812345678", text: 'Hi "Asha"\nline two & more' });
  });

  it("labels a JSON body as JSON when the template sets no content type", async () => {
    const config: CustomConfig = {
      request: { method: "POST", url: `${sim.url}/j`, body: '{"to":"{{phone}}"}' },
    };
    await send(config, sms("+919812345678"), ctx);
    expect(sim.requests[0]?.headers["content-type"]).toBe("application/json");
    const raw: CustomConfig = { request: { method: "POST", url: `${sim.url}/t`, body: "to={{phone}}" } };
    await send(raw, sms("+919812345678"), ctx);
    expect(sim.requests[1]?.headers["content-type"]).toBe("text/plain;charset=UTF-8");
  });

  it("sends no body with GET and encodes URL values", async () => {
    const config: CustomConfig = {
      request: { method: "get", url: `${sim.url}/get?to={{phone}}&text={{message}}`, body: "ignored" },
    };
    expect(await send(config, sms("+919812345678"), ctx)).toEqual({ kind: "sent" });
    expect(sim.requests[0]).toMatchObject({
      method: "GET",
      rawBody: "",
      query: { to: "+919812345678", text: 'Hi "Asha"\nline two & more' },
    });
  });

  it("counts only HTTP 200 as sent", async () => {
    sim.script("+919800000201", { kind: "http", status: 201, body: "{}" });
    sim.script("+919800000204", { kind: "http", status: 204 });
    sim.script("+919800000302", { kind: "http", status: 302 });
    for (const [phone, code] of [
      ["+919800000201", "201"],
      ["+919800000204", "204"],
      ["+919800000302", "302"],
    ]) {
      expect(await send(jsonConfig(), sms(phone as string, { first_name: "A" }), ctx)).toEqual({
        kind: "failed",
        reason: "PROVIDER_ERROR",
        code,
      });
    }
  });

  it("takes the error code from the configured pointer, else the HTTP status", async () => {
    sim.script("+919800000422", { kind: "error", status: 422, body: { error: { code: "BAD_NUMBER" } } });
    sim.script("+919800000400", { kind: "error", status: 400, body: { message: "no code here" } });
    sim.script("+919800000500", { kind: "http", status: 500, body: "<html>" });
    const attrs = { first_name: "A" };
    expect(await send(jsonConfig(), sms("+919800000422", attrs), ctx)).toMatchObject({ code: "BAD_NUMBER" });
    expect(await send(jsonConfig(), sms("+919800000400", attrs), ctx)).toMatchObject({ code: "400" });
    expect(await send(jsonConfig(), sms("+919800000500", attrs), ctx)).toMatchObject({ code: "500" });
  });

  it("normalises the code at the pointer: trimmed, numbers in their JSON spelling, blank → HTTP status", async () => {
    sim.script("+919800000431", { kind: "error", status: 400, body: { error: { code: " E42 " } } });
    sim.script("+919800000432", { kind: "error", status: 400, body: { error: { code: 42 } } });
    sim.script("+919800000433", { kind: "error", status: 400, body: { error: { code: "  " } } });
    const attrs = { first_name: "A" };
    expect(await send(jsonConfig(), sms("+919800000431", attrs), ctx)).toMatchObject({ code: "E42" });
    expect(await send(jsonConfig(), sms("+919800000432", attrs), ctx)).toMatchObject({ code: "42" });
    expect(await send(jsonConfig(), sms("+919800000433", attrs), ctx)).toMatchObject({ code: "400" });
  });

  it("is sent without an id when the pointer does not resolve, and numeric ids become strings", async () => {
    sim.script("+919800000001", { kind: "success-body", body: { result: "ok" } });
    sim.script("+919800000002", { kind: "success-body", body: { id: 12345 } });
    const attrs = { first_name: "A" };
    expect(await send(jsonConfig(), sms("+919800000001", attrs), ctx)).toEqual({ kind: "sent" });
    expect(await send(jsonConfig(), sms("+919800000002", attrs), ctx)).toEqual({
      kind: "sent",
      providerMessageId: "12345",
    });
  });

  it("reports a timeout as an unknown outcome", async () => {
    sim.script("+919800000999", { kind: "delay", ms: 30_000 });
    expect(
      await send(jsonConfig(), sms("+919800000999", { first_name: "A" }), { ...ctx, timeoutMs: 100 }),
    ).toEqual({ kind: "unknown", code: "TIMEOUT", description: "no answer within the timeout" });
  });
});

describe("renderRequest", () => {
  it("lets built-ins win over attributes of the same name and strips CR/LF from headers", () => {
    const config: CustomConfig = {
      request: { method: "POST", url: "https://x.example/{{phone}}", headers: { "X-A": "{{evil}}" } },
    };
    const rendered = renderRequest(config, sms("+911", { phone: "attr", evil: "a\r\nX-Injected: 1" }));
    expect(rendered).toEqual({
      ok: true,
      request: { method: "POST", url: "https://x.example/%2B911", headers: { "X-A": "aX-Injected: 1" } },
    });
  });
});
