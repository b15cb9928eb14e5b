/** Sinch xms simulator (batches endpoint) and real-format Sinch callbacks. */

import { createHmac } from "node:crypto";
import type { BuiltReceipt } from "./receipt.js";
import {
  applyRule,
  type CommonRule,
  digits,
  type HttpSimulator,
  idSequence,
  type RecordedRequest,
  Script,
  type SimReply,
  startHttpSimulator,
} from "./server.js";

export type SinchRule =
  | CommonRule
  | { kind: "error"; status: 400 | 403 | 401 | 404; code: string; text?: string };

export interface SinchAccepted {
  phone: string;
  batchId: string;
  /** What our side should have recorded: `${batchId}:${digits}`. */
  providerMessageId: string;
  clientReference?: string;
  callbackUrl?: string;
}

export interface SinchSimulator extends HttpSimulator {
  script(phone: string, rule: SinchRule): void;
  scriptDefault(rule: SinchRule): void;
  readonly accepted: SinchAccepted[];
}

/** `apiToken`, when given, is checked like Sinch does (401 otherwise). */
export async function startSinchSimulator(options: { apiToken?: string } = {}): Promise<SinchSimulator> {
  const script = new Script<SinchRule>({ kind: "success" });
  const accepted: SinchAccepted[] = [];
  const nextId = idSequence("01J");
  const json = (status: number, body: unknown): SimReply => ({ status, body: JSON.stringify(body) });

  const handle = (
    req: RecordedRequest,
    wait: (ms: number) => Promise<void>,
  ): Promise<SimReply> | SimReply => {
    if (req.method !== "POST" || !/^\/xms\/v1\/[^/]+\/batches$/.test(req.path)) {
      return json(404, { code: "not_found", text: "no such resource" });
    }
    if (options.apiToken !== undefined && req.headers.authorization !== `Bearer ${options.apiToken}`) {
      return json(401, { code: "unauthorized", text: "bad token" });
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const to = Array.isArray(body.to) ? String(body.to[0] ?? "") : undefined;
    if (to === undefined || typeof body.body !== "string" || typeof body.from !== "string") {
      return json(400, { code: "syntax_invalid_json", text: "missing from, to or body" });
    }
    return applyRule<Extract<SinchRule, { kind: "error" }>>(
      script.ruleFor(to),
      wait,
      () => {
        const batchId = nextId();
        accepted.push({
          phone: to,
          batchId,
          providerMessageId: `${batchId}:${digits(to)}`,
          ...(typeof body.client_reference === "string" ? { clientReference: body.client_reference } : {}),
          ...(typeof body.callback_url === "string" ? { callbackUrl: body.callback_url } : {}),
        });
        return json(201, {
          id: batchId,
          to: [digits(to)],
          from: body.from,
          canceled: false,
          body: body.body,
          type: "mt_text",
          created_at: new Date().toISOString(),
          delivery_report: body.delivery_report ?? "none",
          client_reference: body.client_reference,
        });
      },
      (rule) => json(rule.status, { code: rule.code, text: rule.text ?? rule.code }),
    );
  };
  const server = await startHttpSimulator(handle);
  return {
    ...server,
    accepted,
    script: (phone, rule) => script.set(phone, rule),
    scriptDefault: (rule) => script.setDefault(rule),
  };
}

export interface SinchSigning {
  secret: string;
  timestampSec: number;
  nonce?: string;
}

/** The four signing headers for `body`. */
export function sinchSignatureHeaders(body: string, signing: SinchSigning): Record<string, string> {
  const nonce = signing.nonce ?? "01JHFFHWYY7HSS4FWTMDTQEK8V";
  const timestamp = String(signing.timestampSec);
  const signature = createHmac("sha256", signing.secret)
    .update(`${body}.${nonce}.${timestamp}`)
    .digest("base64");
  return {
    "x-sinch-webhook-signature": signature,
    "x-sinch-webhook-signature-algorithm": "HmacSHA256",
    "x-sinch-webhook-signature-nonce": nonce,
    "x-sinch-webhook-signature-timestamp": timestamp,
  };
}

function post(doc: unknown, signing?: SinchSigning): BuiltReceipt {
  const body = JSON.stringify(doc);
  return {
    method: "POST",
    query: "",
    headers: { "content-type": "application/json", ...(signing ? sinchSignatureHeaders(body, signing) : {}) },
    body,
  };
}

export type SinchStatus =
  | "Queued"
  | "Dispatched"
  | "Delivered"
  | "Failed"
  | "Rejected"
  | "Expired"
  | "Deleted"
  | "Aborted"
  | "Cancelled"
  | "Unknown";

const DEFAULT_CODE: Record<SinchStatus, number> = {
  Queued: 400,
  Dispatched: 401,
  Delivered: 0,
  Failed: 0,
  Rejected: 0,
  Expired: 0,
  Deleted: 0,
  Aborted: 402,
  Cancelled: 407,
  Unknown: 0,
};

/** `recipient_delivery_report_sms` (per_recipient reports). */
export function sinchRecipientReport(
  r: {
    batchId: string;
    recipient: string;
    status: SinchStatus | string;
    code?: number;
    at?: string;
    operatorStatusAt?: string;
    clientReference?: string;
  },
  signing?: SinchSigning,
): BuiltReceipt {
  return post(
    {
      at: r.at ?? new Date().toISOString(),
      batch_id: r.batchId,
      ...(r.clientReference !== undefined ? { client_reference: r.clientReference } : {}),
      code: r.code ?? DEFAULT_CODE[r.status as SinchStatus] ?? 0,
      ...(r.operatorStatusAt !== undefined ? { operator_status_at: r.operatorStatusAt } : {}),
      recipient: digits(r.recipient),
      status: r.status,
      type: "recipient_delivery_report_sms",
      encoding: "GSM",
      number_of_message_parts: 1,
      operator: "35000",
    },
    signing,
  );
}

/** `delivery_report_sms`: a `full` report lists recipients per status, a `summary` only counts. */
export function sinchBatchReport(
  r: {
    batchId: string;
    kind: "full" | "summary";
    statuses: Array<{ status: SinchStatus | string; code?: number; recipients: string[] }>;
    clientReference?: string;
  },
  signing?: SinchSigning,
): BuiltReceipt {
  const statuses = r.statuses.map((s) => ({
    code: s.code ?? DEFAULT_CODE[s.status as SinchStatus] ?? 0,
    count: s.recipients.length,
    ...(r.kind === "full" ? { recipients: s.recipients.map(digits) } : {}),
    status: s.status,
  }));
  return post(
    {
      batch_id: r.batchId,
      ...(r.clientReference !== undefined ? { client_reference: r.clientReference } : {}),
      statuses,
      total_message_count: r.statuses.reduce((n, s) => n + s.recipients.length, 0),
      type: "delivery_report_sms",
    },
    signing,
  );
}

/** An inbound message (`mo_text`), which our webhook must accept and ignore. */
export function sinchInbound(
  r: { from: string; to: string; body: string },
  signing?: SinchSigning,
): BuiltReceipt {
  return post(
    {
      id: "01JMO0000000000000000000000",
      from: digits(r.from),
      to: r.to,
      body: r.body,
      type: "mo_text",
      received_at: new Date().toISOString(),
    },
    signing,
  );
}
