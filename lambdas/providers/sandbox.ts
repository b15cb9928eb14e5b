/**
 * The sandbox connector: a provider without an account. It accepts every send the way Sinch accepts a
 * batch (PROVIDERS.md, Sinch: `201` with a batch id), and reports delivery later the way Sinch does — a
 * `recipient_delivery_report_sms` JSON POST to the connector's own webhook URL, correlated by
 * `client_reference` (our message id), with `operator_status_at` — so receipts take the same path as a
 * real provider's: webhook → receipts queue → delivery worker → windows. What it reports, and when,
 * is `sandboxPlan` (domain/sandbox.ts): deterministic per message id.
 */

import { createHash } from "node:crypto";
import { type SandboxPlan, sandboxPlan } from "../domain/sandbox.js";
import { countSegments } from "../domain/segments.js";
import * as sinch from "./sinch.js";
import type {
  NormalizedReceipt,
  OutgoingSms,
  ParsedReceipts,
  ReceiptRequest,
  SandboxConfig,
  ScheduledReceipt,
  SendContext,
  SendOutcome,
} from "./types.js";

/** One code, one spelling: the sandbox speaks Sinch's wire format, so it spells codes as Sinch does. */
export const normalizeCode = sinch.normalizeCode;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The batch id the sandbox gives a message: 26 Crockford base32 characters (the shape of Sinch's
 * ULID-like batch ids, e.g. `01JHFFHQ0P99JPPNQPJDV7JTBP`) from SHA-256 of the message id, so a retried
 * call gets the same id.
 */
export function sandboxBatchId(messageId: string): string {
  const digest = createHash("sha256").update(`sandbox-batch\n${messageId}`, "utf8").digest();
  let out = "";
  for (let i = 0; i < 26; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const twoBytes = ((digest[byte] ?? 0) << 8) | (digest[byte + 1] ?? 0);
    out += CROCKFORD[(twoBytes >> (11 - (bit & 7))) & 31];
  }
  return out;
}

/** ISO-8601 in UTC with milliseconds, as Sinch writes `at` (`2025-01-13T09:22:40.914Z`). */
function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO-8601 in UTC to the second, as Sinch writes `operator_status_at` (`2025-01-13T09:22:00Z`). */
function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** One Sinch recipient report the sandbox sends: which message, which status and code, and when. */
export interface SandboxReport {
  batchId: string;
  messageId: string;
  phoneE164: string;
  status: string;
  code: number;
  /** When the report was created (epoch ms). */
  atMs: number;
  /** The operator's own time (epoch ms), on final reports. */
  operatorAtMs?: number;
  encoding: "GSM" | "UNICODE";
  parts: number;
}

/**
 * One Sinch `recipient_delivery_report_sms` callback as the webhook receives it: a JSON POST (fields
 * as PROVIDERS.md lists them: `recipient` digits without `+`, integer `code`, `at`, optional
 * `operator_status_at`, `client_reference`, `encoding`, `number_of_message_parts`).
 */
export function sandboxReportRequest(report: SandboxReport): ReceiptRequest {
  const body = {
    at: isoMillis(report.atMs),
    batch_id: report.batchId,
    client_reference: report.messageId,
    code: report.code,
    encoding: report.encoding,
    number_of_message_parts: report.parts,
    ...(report.operatorAtMs === undefined ? {} : { operator_status_at: isoSeconds(report.operatorAtMs) }),
    recipient: report.phoneE164.replace(/^\+/, ""),
    status: report.status,
    type: "recipient_delivery_report_sms",
  };
  return {
    method: "POST",
    query: {},
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/**
 * The receipts of one message's plan, each with its delay: `Dispatched` (code 401) when planned, then
 * the final report — `Delivered` (code 0) or the failure's status and code — at the planned time (the
 * operator's time to the second, the report's own to the millisecond). A stuck message has no final one.
 *
 * @param sentAtMs when the provider was called (epoch ms); report times count from it.
 * @returns receipts with whole-second delays (rounded up, so a report never arrives before its own `at`).
 */
export function plannedReceipts(plan: SandboxPlan, sms: OutgoingSms, sentAtMs: number): ScheduledReceipt[] {
  const batchId = sandboxBatchId(sms.messageId);
  const { encoding, segments } = countSegments(sms.text);
  const common = {
    batchId,
    messageId: sms.messageId,
    phoneE164: sms.phoneE164,
    encoding: encoding === "GSM-7" ? "GSM" : "UNICODE",
    parts: Math.max(1, segments),
  } as const;
  const at = (seconds: number): number => sentAtMs + Math.round(seconds * 1000);
  const out: ScheduledReceipt[] = [];
  if (plan.dispatchedAfterSeconds !== null) {
    out.push({
      request: sandboxReportRequest({
        ...common,
        status: "Dispatched",
        code: 401,
        atMs: at(plan.dispatchedAfterSeconds),
      }),
      delaySeconds: Math.ceil(plan.dispatchedAfterSeconds),
    });
  }
  if (plan.finalAfterSeconds !== null && plan.outcome.kind !== "stuck") {
    const { status, code } =
      plan.outcome.kind === "delivered"
        ? { status: "Delivered", code: 0 }
        : { status: plan.outcome.failure.status, code: plan.outcome.failure.code };
    const atMs = at(plan.finalAfterSeconds);
    out.push({
      request: sandboxReportRequest({ ...common, status, code, atMs, operatorAtMs: atMs }),
      delaySeconds: Math.ceil(plan.finalAfterSeconds),
    });
  }
  return out;
}

/** The scheduling, bounded by the connector's timeout like any provider call. */
async function scheduleWithin(
  ctx: SendContext,
  schedule: (receipts: ScheduledReceipt[]) => Promise<void>,
  receipts: ScheduledReceipt[],
): Promise<SendOutcome | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: "unknown", code: "TIMEOUT", description: "no answer within the timeout" }),
      ctx.timeoutMs,
    );
  });
  try {
    const done = schedule(receipts).then(
      () => null,
      // Some receipts may be queued already: like a connection lost mid-call, the outcome is unknown.
      (e: unknown): SendOutcome => ({
        kind: "unknown",
        code: "CONNECTION_LOST",
        description: `sandbox could not schedule receipts: ${e instanceof Error ? e.name : "error"}`,
      }),
    );
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends one SMS to the sandbox: the message is accepted (as Sinch answers `201` with a batch id) once
 * its receipts are scheduled through `ctx.scheduleReceipts` within `ctx.timeoutMs` — and, when its
 * plan delivers it, once it is on the simulated phone (`ctx.deliverToHandset`, when given, with the
 * planned delivery time); never throws.
 *
 * @returns `sent` with provider id `{batchId}:{recipient digits}` (as for Sinch); `unknown` TIMEOUT or
 *   CONNECTION_LOST when scheduling did not finish or failed (receipts may still come and prove the
 *   send); `failed` SANDBOX_UNAVAILABLE when the caller offers no scheduler.
 */
export async function send(config: SandboxConfig, sms: OutgoingSms, ctx: SendContext): Promise<SendOutcome> {
  const schedule = ctx.scheduleReceipts?.bind(ctx);
  if (!schedule) {
    return {
      kind: "failed",
      reason: "PROVIDER_ERROR",
      code: "SANDBOX_UNAVAILABLE",
      description: "no receipt scheduler in this runtime",
    };
  }
  const sentAtMs = ctx.nowMs ?? Date.now();
  const plan = sandboxPlan(config, sms.messageId);
  const receipts = plannedReceipts(plan, sms, sentAtMs);
  const handset = ctx.deliverToHandset?.bind(ctx);
  const delivered =
    handset && plan.outcome.kind === "delivered" && plan.finalAfterSeconds !== null
      ? {
          messageId: sms.messageId,
          phoneE164: sms.phoneE164,
          text: sms.text,
          deliveredAtMs: sentAtMs + Math.round(plan.finalAfterSeconds * 1000),
        }
      : null;
  if (receipts.length > 0) {
    // The phone first: when the delivery receipt arrives, the message is already on the handset.
    const failed = await scheduleWithin(
      ctx,
      async (r) => {
        if (handset && delivered) await handset(delivered);
        await schedule(r);
      },
      receipts,
    );
    if (failed) return failed;
  }
  return {
    kind: "sent",
    providerMessageId: sinch.sinchProviderMessageId(sandboxBatchId(sms.messageId), sms.phoneE164),
  };
}

/**
 * Parses a receipt with Sinch's parser (the sandbox's wire format), then names each failure with the
 * description its connector configured for that code, if any.
 * @throws ReceiptParseError for a body that is not a Sinch callback
 */
export function parseReceipts(config: SandboxConfig, request: ReceiptRequest): ParsedReceipts {
  const parsed = sinch.parseReceipts(request);
  const described = new Map<string, string>();
  for (const f of config.failures) if (f.description) described.set(String(f.code), f.description);
  const receipts = parsed.receipts.map((r): NormalizedReceipt => {
    if (r.status !== "FAILED" && r.status !== "UNKNOWN") return r;
    const description = r.code === null ? undefined : described.get(r.code);
    return description ? { ...r, description } : r;
  });
  return { ...parsed, receipts };
}
