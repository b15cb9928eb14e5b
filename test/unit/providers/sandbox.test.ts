import { describe, expect, it } from "vitest";
import type { SandboxConfig } from "../../../lambdas/domain/connector.js";
import { SANDBOX_DEFAULTS, type SandboxOutcome, sandboxPlan } from "../../../lambdas/domain/sandbox.js";
import { parseReceiptsFor, ReceiptParseError, sendWith } from "../../../lambdas/providers/index.js";
import { parseReceipts, sandboxBatchId, send } from "../../../lambdas/providers/sandbox.js";
import { parseReceipts as parseSinch } from "../../../lambdas/providers/sinch.js";
import type {
  HandsetMessage,
  OutgoingSms,
  ScheduledReceipt,
  SendContext,
} from "../../../lambdas/providers/types.js";
import { connectorOf } from "../../support/connectors.js";

const SENT_AT = Date.parse("2026-11-20T04:00:00.250Z");

function config(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  return { ...SANDBOX_DEFAULTS, failures: SANDBOX_DEFAULTS.failures.map((f) => ({ ...f })), ...overrides };
}

const sms = (messageId: string, text = "Hi Asha, 20% off"): OutgoingSms => ({
  messageId,
  phoneE164: "+919812345678",
  text,
  userId: "u1",
  attributes: {},
});

/** A context whose scheduler records what the sandbox asked for. */
function recording(overrides: Partial<SendContext> = {}): {
  ctx: SendContext;
  scheduled: ScheduledReceipt[];
} {
  const scheduled: ScheduledReceipt[] = [];
  return {
    scheduled,
    ctx: {
      webhookUrl: "https://api.example/webhooks/dlr/sb/tok",
      timeoutMs: 2_000,
      nowMs: SENT_AT,
      scheduleReceipts: async (receipts) => {
        scheduled.push(...receipts);
      },
      ...overrides,
    },
  };
}

/** The first message id `m0`, `m1`, … whose plan has this outcome kind. */
function idWith(c: SandboxConfig, kind: SandboxOutcome["kind"], extra: (id: string) => boolean = () => true) {
  for (let i = 0; i < 10_000; i++) {
    const id = `app:camp:i1:m${i}`;
    if (sandboxPlan(c, id).outcome.kind === kind && extra(id)) return id;
  }
  throw new Error(`no ${kind} message in 10,000`);
}

describe("sandbox send", () => {
  it("accepts the message like a Sinch batch and schedules Sinch recipient reports as planned", async () => {
    const c = config();
    const id = idWith(c, "delivered", (i) => sandboxPlan(c, i).dispatchedAfterSeconds !== null);
    const plan = sandboxPlan(c, id);
    const { ctx, scheduled } = recording();
    const outcome = await send(c, sms(id), ctx);
    expect(outcome).toEqual({ kind: "sent", providerMessageId: `${sandboxBatchId(id)}:919812345678` });
    expect(sandboxBatchId(id)).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);

    expect(scheduled.map((s) => s.delaySeconds)).toEqual([
      Math.ceil(plan.dispatchedAfterSeconds ?? 0),
      Math.ceil(plan.finalAfterSeconds ?? 0),
    ]);
    const [dispatched, final] = scheduled.map((s) => s.request);
    expect(final?.method).toBe("POST");
    expect(final?.headers).toEqual({ "content-type": "application/json" });
    const finalMs = SENT_AT + Math.round((plan.finalAfterSeconds ?? 0) * 1000);
    expect(JSON.parse(final?.body ?? "")).toEqual({
      at: new Date(finalMs).toISOString(),
      batch_id: sandboxBatchId(id),
      client_reference: id,
      code: 0,
      encoding: "GSM",
      number_of_message_parts: 1,
      operator_status_at: `${new Date(Math.floor(finalMs / 1000) * 1000).toISOString().slice(0, 19)}Z`,
      recipient: "919812345678",
      status: "Delivered",
      type: "recipient_delivery_report_sms",
    });
    expect(JSON.parse(dispatched?.body ?? "")).toMatchObject({ status: "Dispatched", code: 401 });
    expect(JSON.parse(dispatched?.body ?? "")).not.toHaveProperty("operator_status_at");

    // What the webhook will receive is a Sinch callback that names our message.
    const parsed = parseSinch(final ?? fail());
    expect(parsed.receipts).toEqual([
      expect.objectContaining({
        ref: { kind: "ours", messageId: id },
        status: "DELIVERED",
        operatorTimeMs: Math.floor(finalMs / 1000) * 1000,
      }),
    ]);
    expect(parseSinch(dispatched ?? fail()).receipts[0]?.status).toBe("IN_TRANSIT");
  });

  it("reports a planned failure with its status and integer code, and the encoding and parts of the text", async () => {
    const c = config({ inTransitReceipts: false });
    const id = idWith(c, "failed");
    const plan = sandboxPlan(c, id);
    const failure = plan.outcome.kind === "failed" ? plan.outcome.failure : fail();
    const { ctx, scheduled } = recording();
    await send(c, sms(id, "Привет! ".repeat(20)), ctx);
    expect(scheduled).toHaveLength(1);
    const body = JSON.parse(scheduled[0]?.request.body ?? "");
    expect(body).toMatchObject({ status: failure.status, code: failure.code, encoding: "UNICODE" });
    expect(body.number_of_message_parts).toBeGreaterThan(1);
  });

  it("schedules no final receipt for a stuck message (only Dispatched, or nothing) and still counts it sent", async () => {
    const c = config({ stuckRate: 0.5 });
    const id = idWith(c, "stuck");
    const withTransit = recording();
    expect((await send(c, sms(id), withTransit.ctx)).kind).toBe("sent");
    expect(withTransit.scheduled.map((s) => JSON.parse(s.request.body).status)).toEqual(["Dispatched"]);

    const silent = recording();
    expect((await send({ ...c, inTransitReceipts: false }, sms(id), silent.ctx)).kind).toBe("sent");
    expect(silent.scheduled).toEqual([]);
  });

  it("puts a message it delivers on the simulated phone, with the planned delivery time; never a failed or stuck one", async () => {
    const c = config({ stuckRate: 0.2 });
    const phones: HandsetMessage[] = [];
    const deliverToHandset = async (m: HandsetMessage) => {
      phones.push(m);
    };
    const delivered = idWith(c, "delivered");
    const plan = sandboxPlan(c, delivered);
    await send(c, sms(delivered, "Hi: https://s.example/l/abc"), recording({ deliverToHandset }).ctx);
    expect(phones).toEqual([
      {
        messageId: delivered,
        phoneE164: "+919812345678",
        text: "Hi: https://s.example/l/abc",
        deliveredAtMs: SENT_AT + Math.round((plan.finalAfterSeconds ?? 0) * 1000),
      },
    ]);
    for (const kind of ["failed", "stuck"] as const)
      await send(c, sms(idWith(c, kind)), recording({ deliverToHandset }).ctx);
    expect(phones).toHaveLength(1);
    // A phone that cannot take it makes the outcome unknown, as a failed scheduling does.
    const broken = recording({ deliverToHandset: () => Promise.reject(new Error("table down")) });
    expect((await send(c, sms(delivered), broken.ctx)).kind).toBe("unknown");
  });

  it("is bounded by the connector's timeout: a scheduler that does not answer makes the outcome unknown", async () => {
    const { ctx } = recording({ timeoutMs: 50, scheduleReceipts: () => new Promise<void>(() => {}) });
    expect(await send(config({ stuckRate: 0 }), sms("m-timeout"), ctx)).toEqual({
      kind: "unknown",
      code: "TIMEOUT",
      description: "no answer within the timeout",
    });
  });

  it("answers unknown when scheduling fails (some receipts may be queued), failed without a scheduler", async () => {
    const broken = recording({ scheduleReceipts: () => Promise.reject(new Error("queue down")) });
    expect(await send(config({ stuckRate: 0 }), sms("m-broken"), broken.ctx)).toMatchObject({
      kind: "unknown",
      code: "CONNECTION_LOST",
    });
    const { scheduleReceipts: _none, ...withoutScheduler } = recording().ctx;
    expect(await send(config(), sms("m-none"), withoutScheduler)).toMatchObject({
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "SANDBOX_UNAVAILABLE",
    });
  });

  it("gives a retried call the same batch id and receipts (deterministic per message)", async () => {
    const a = recording();
    const b = recording();
    await send(config(), sms("m-again"), a.ctx);
    await send(config(), sms("m-again"), b.ctx);
    expect(b.scheduled).toEqual(a.scheduled);
  });
});

describe("sandbox receipts", () => {
  it("reads Sinch callbacks and names failures with the connector's descriptions", async () => {
    const c = config({
      deliveryRate: 0,
      stuckRate: 0,
      inTransitReceipts: false,
      failures: [{ code: 27, status: "Failed", description: "handset off", weight: 1 }],
    });
    const { ctx, scheduled } = recording();
    await send(c, sms("m-fail"), ctx);
    const parsed = parseReceipts(c, scheduled[0]?.request ?? fail());
    expect(parsed.receipts).toEqual([
      expect.objectContaining({ status: "FAILED", code: "27", description: "handset off" }),
    ]);
    // Without a configured description, Sinch's own table (402 unroutable) or the status word is used.
    const bare = config({ failures: [{ code: 402, status: "Aborted", weight: 1 }] });
    const aborted = parseReceipts(bare, {
      ...(scheduled[0]?.request ?? fail()),
      body: JSON.stringify({ ...JSON.parse(scheduled[0]?.request.body ?? ""), status: "Aborted", code: 402 }),
    });
    expect(aborted.receipts[0]).toMatchObject({ status: "FAILED", code: "402", description: "unroutable" });
  });

  it("rejects what is not a Sinch callback", () => {
    expect(() =>
      parseReceipts(config(), { method: "POST", query: {}, headers: {}, body: "status=DELIVRD" }),
    ).toThrow(ReceiptParseError);
  });

  it("is in the provider registry", async () => {
    const connector = connectorOf("sandbox", config({ stuckRate: 0 }));
    const { ctx, scheduled } = recording();
    expect((await sendWith(connector, sms("m-reg"), ctx)).kind).toBe("sent");
    const parsed = parseReceiptsFor(connector, scheduled.at(-1)?.request ?? fail());
    expect(parsed.receipts[0]?.ref).toEqual({ kind: "ours", messageId: "m-reg" });
  });
});

function fail(): never {
  throw new Error("missing");
}
