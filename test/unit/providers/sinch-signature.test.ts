import { describe, expect, it } from "vitest";
import { verifySinchSignature } from "../../../lambdas/providers/sinch-signature.js";
import { sinchRecipientReport } from "../../simulators/index.js";

// Published test vector (PROVIDERS.md).
const secret = "SMSWebhooksSecret";
const nonce = "01JHFFHWYY7HSS4FWTMDTQEK8V";
const timestamp = "1736760161";
const body =
  '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}';
const headers = {
  "x-sinch-webhook-signature": "ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=",
  "x-sinch-webhook-signature-algorithm": "HmacSHA256",
  "x-sinch-webhook-signature-nonce": nonce,
  "x-sinch-webhook-signature-timestamp": timestamp,
};
const nowMs = Number(timestamp) * 1000;

describe("verifySinchSignature", () => {
  it("accepts the published test vector", () => {
    expect(verifySinchSignature({ secret, rawBody: body, headers, nowMs })).toEqual({ ok: true });
    expect(verifySinchSignature({ secret, rawBody: Buffer.from(body), headers, nowMs })).toEqual({
      ok: true,
    });
  });

  it("accepts headers in any case", () => {
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifySinchSignature({ secret, rawBody: body, headers: upper, nowMs })).toEqual({ ok: true });
  });

  it("rejects a tampered body, nonce, timestamp, secret or signature", () => {
    const cases = [
      { rawBody: body.replace("Delivered", "Failed"), headers },
      { rawBody: `${body} `, headers },
      { rawBody: body, headers: { ...headers, "x-sinch-webhook-signature-nonce": `${nonce}X` } },
      { rawBody: body, headers: { ...headers, "x-sinch-webhook-signature-timestamp": "1736760162" } },
      { rawBody: body, headers: { ...headers, "x-sinch-webhook-signature": "AAAA" } },
      { rawBody: body, headers: { ...headers, "x-sinch-webhook-signature": "not base64 at all!" } },
    ];
    for (const c of cases) {
      expect(verifySinchSignature({ secret, nowMs, ...c })).toMatchObject({ ok: false });
    }
    expect(verifySinchSignature({ secret: "other", rawBody: body, headers, nowMs })).toEqual({
      ok: false,
      reason: "signature mismatch",
    });
  });

  it("rejects a replay outside the tolerance, in either direction", () => {
    const late = verifySinchSignature({ secret, rawBody: body, headers, nowMs: nowMs + 301_000 });
    const early = verifySinchSignature({ secret, rawBody: body, headers, nowMs: nowMs - 301_000 });
    expect(late).toEqual({ ok: false, reason: "signature timestamp outside tolerance" });
    expect(early).toEqual({ ok: false, reason: "signature timestamp outside tolerance" });
    expect(verifySinchSignature({ secret, rawBody: body, headers, nowMs: nowMs + 300_000 })).toEqual({
      ok: true,
    });
    expect(
      verifySinchSignature({
        secret,
        rawBody: body,
        headers,
        nowMs: nowMs + 3_600_000,
        toleranceSeconds: 3_600,
      }),
    ).toEqual({ ok: true });
  });

  it("rejects missing headers, another algorithm and a malformed timestamp", () => {
    for (const name of Object.keys(headers)) {
      const without = { ...headers } as Record<string, string | undefined>;
      delete without[name];
      expect(verifySinchSignature({ secret, rawBody: body, headers: without, nowMs })).toMatchObject({
        ok: false,
      });
    }
    expect(
      verifySinchSignature({
        secret,
        rawBody: body,
        headers: { ...headers, "x-sinch-webhook-signature-algorithm": "HmacSHA1" },
        nowMs,
      }),
    ).toEqual({ ok: false, reason: "unsupported signature algorithm" });
    expect(
      verifySinchSignature({
        secret,
        rawBody: body,
        headers: { ...headers, "x-sinch-webhook-signature-timestamp": "17367e5" },
        nowMs,
      }),
    ).toEqual({ ok: false, reason: "malformed signature timestamp" });
  });

  it("accepts receipts signed by the simulator's builder", () => {
    const r = sinchRecipientReport(
      { batchId: "b", recipient: "1", status: "Delivered" },
      { secret: "s3cret", timestampSec: 1_800_000_000, nonce: "n1" },
    );
    expect(
      verifySinchSignature({
        secret: "s3cret",
        rawBody: r.body,
        headers: r.headers,
        nowMs: 1_800_000_000_000,
      }),
    ).toEqual({ ok: true });
  });
});
