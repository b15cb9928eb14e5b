import { describe, expect, it } from "vitest";
import { freePort } from "../../../lambdas/local/dynamo.js";
import { send as sendCustom } from "../../../lambdas/providers/custom.js";
import { outcomeForError } from "../../../lambdas/providers/http.js";
import { send as sendSinch } from "../../../lambdas/providers/sinch.js";
import type { OutgoingSms } from "../../../lambdas/providers/types.js";
import { startSinchSimulator } from "../../simulators/index.js";

const sms: OutgoingSms = {
  messageId: "m1",
  phoneE164: "+919812345678",
  text: "hi",
  userId: "u1",
  attributes: {},
};
const ctx = { webhookUrl: "https://hooks.example/x", timeoutMs: 2_000 };
const failingFetch =
  (err: unknown): typeof fetch =>
  async () => {
    throw err;
  };

describe("transport failures", () => {
  it("maps connection refused to CONNECTION_FAILED (the request never reached the provider)", async () => {
    const port = await freePort();
    const config = { servicePlanId: "p", apiToken: "t", from: "A", baseUrl: `http://127.0.0.1:${port}` };
    expect(await sendSinch(config, sms, ctx)).toEqual({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "CONNECTION_FAILED",
      description: "ECONNREFUSED",
    });
  });

  it("maps a DNS failure to CONNECTION_FAILED", async () => {
    const dns = new TypeError("fetch failed", {
      cause: Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }),
    });
    const config = { servicePlanId: "p", apiToken: "t", from: "A", baseUrl: "https://sms.invalid" };
    expect(await sendSinch(config, sms, { ...ctx, fetch: failingFetch(dns) })).toMatchObject({
      kind: "failed",
      code: "CONNECTION_FAILED",
      description: "ENOTFOUND",
    });
  });

  it("maps a connection closed after the request went out to an unknown outcome", async () => {
    const sim = await startSinchSimulator();
    try {
      sim.scriptDefault({ kind: "drop" });
      const config = { servicePlanId: "p", apiToken: "t", from: "A", baseUrl: sim.url };
      expect(await sendSinch(config, sms, ctx)).toMatchObject({ kind: "unknown", code: "CONNECTION_LOST" });
      expect(sim.requests).toHaveLength(1);
    } finally {
      await sim.stop();
    }
  });

  it("classifies nested and aggregate causes", () => {
    const aggregate = new TypeError("fetch failed", {
      cause: new AggregateError([Object.assign(new Error("a"), { code: "ECONNREFUSED" })]),
    });
    expect(outcomeForError(aggregate)).toMatchObject({ kind: "failed", code: "CONNECTION_FAILED" });
    expect(outcomeForError(new DOMException("t", "TimeoutError"))).toMatchObject({
      kind: "unknown",
      code: "TIMEOUT",
    });
    expect(outcomeForError(new Error("weird"))).toMatchObject({ kind: "unknown", code: "CONNECTION_LOST" });
    const reset = new TypeError("fetch failed", {
      cause: Object.assign(new Error("r"), { code: "ECONNRESET" }),
    });
    expect(outcomeForError(reset)).toMatchObject({ kind: "unknown", code: "CONNECTION_LOST" });
  });

  it("fails a custom URL that is not http(s) without calling anything", async () => {
    let called = false;
    const spy: typeof fetch = async () => {
      called = true;
      return new Response("", { status: 200 });
    };
    for (const url of ["not a url {{phone}}", "file:///etc/passwd"]) {
      const outcome = await sendCustom({ request: { method: "POST", url } }, sms, { ...ctx, fetch: spy });
      expect(outcome).toEqual({ kind: "failed", reason: "PROVIDER_ERROR", code: "INVALID_URL" });
    }
    expect(called).toBe(false);
  });
});
