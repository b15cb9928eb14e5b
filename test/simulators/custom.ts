/** A generic HTTP SMS provider for the custom connector, and receipts built from a receipt mapping. */

import type { CustomReceiptMapping } from "../../lambdas/providers/types.js";
import { type BuiltReceipt, encodeQuery } from "./receipt.js";
import {
  applyRule,
  type CommonRule,
  type HttpSimulator,
  idSequence,
  type RecordedRequest,
  Script,
  type SimReply,
  startHttpSimulator,
} from "./server.js";

export type CustomRule =
  | CommonRule
  /** HTTP 200 with this JSON body instead of the default `{"id": "…", "status": "queued"}`. */
  | { kind: "success-body"; body: unknown }
  /** Any non-200 answer with a JSON body, e.g. `{ status: 422, body: { error: { code: "E42" } } }`. */
  | { kind: "error"; status: number; body?: unknown };

export interface CustomAccepted {
  phone: string;
  providerMessageId: string;
}

export interface CustomSimulator extends HttpSimulator {
  script(phone: string, rule: CustomRule): void;
  scriptDefault(rule: CustomRule): void;
  readonly accepted: CustomAccepted[];
}

const PHONE_FIELDS = ["to", "phone", "msisdn", "destination", "recipient", "mobile"];

/** Finds the phone in a JSON body (top level, or `to[0]`), a form body or the query. */
export function defaultPhoneOf(req: RecordedRequest): string | undefined {
  const sources = [req.body, req.query].filter(
    (s): s is Record<string, unknown> => s !== null && typeof s === "object" && !Array.isArray(s),
  );
  for (const source of sources) {
    for (const field of PHONE_FIELDS) {
      const v = source[field];
      if (typeof v === "string" && v !== "") return v;
      if (Array.isArray(v) && typeof v[0] === "string") return v[0];
    }
  }
  return undefined;
}

export async function startCustomSimulator(
  options: { phoneOf?: (req: RecordedRequest) => string | undefined } = {},
): Promise<CustomSimulator> {
  const script = new Script<CustomRule>({ kind: "success" });
  const accepted: CustomAccepted[] = [];
  const nextId = idSequence("cst-");
  const phoneOf = options.phoneOf ?? defaultPhoneOf;
  const json = (status: number, body: unknown): SimReply => ({ status, body: JSON.stringify(body) });

  const handle = (
    req: RecordedRequest,
    wait: (ms: number) => Promise<void>,
  ): Promise<SimReply> | SimReply => {
    const phone = phoneOf(req);
    return applyRule<Exclude<CustomRule, CommonRule>>(
      script.ruleFor(phone),
      wait,
      () => {
        const id = nextId();
        accepted.push({ phone: phone ?? "", providerMessageId: id });
        return json(200, { id, status: "queued" });
      },
      (rule) => {
        if (rule.kind === "success-body") {
          accepted.push({ phone: phone ?? "", providerMessageId: "" });
          return json(200, rule.body);
        }
        return json(rule.status, rule.body ?? { error: { code: `E${rule.status}` } });
      },
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

export interface CustomReceiptValues {
  messageId: string;
  status: string;
  errorCode?: string | number;
  time?: string | number;
}

function setField(doc: Record<string, unknown>, field: string, value: unknown): void {
  if (!field.startsWith("/")) {
    doc[field] = value;
    return;
  }
  // JSON pointer: create the intermediate objects.
  const tokens = field
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    const next = node[token];
    if (next === null || typeof next !== "object") node[token] = {};
    node = node[token] as Record<string, unknown>;
  }
  node[tokens[tokens.length - 1] as string] = value;
}

function receiptObject(mapping: CustomReceiptMapping, v: CustomReceiptValues): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  setField(doc, mapping.messageId, v.messageId);
  setField(doc, mapping.status, v.status);
  if (mapping.errorCode && v.errorCode !== undefined) setField(doc, mapping.errorCode, v.errorCode);
  if (mapping.time && v.time !== undefined) setField(doc, mapping.time, v.time);
  return doc;
}

/** One receipt: a JSON POST (pointers honoured), a GET query, or a form POST. */
export function customReceipt(
  mapping: CustomReceiptMapping,
  v: CustomReceiptValues,
  as: "json" | "query" | "form" = "json",
): BuiltReceipt {
  if (as === "json") {
    return {
      method: "POST",
      query: "",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(receiptObject(mapping, v)),
    };
  }
  const pairs: Array<[string, string]> = [
    [mapping.messageId, v.messageId],
    [mapping.status, v.status],
  ];
  if (mapping.errorCode && v.errorCode !== undefined) pairs.push([mapping.errorCode, String(v.errorCode)]);
  if (mapping.time && v.time !== undefined) pairs.push([mapping.time, String(v.time)]);
  const encoded = encodeQuery(pairs);
  return as === "query"
    ? { method: "GET", query: encoded, headers: {}, body: "" }
    : {
        method: "POST",
        query: "",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: encoded,
      };
}

/** Several receipts in one JSON array. */
export function customReceiptBatch(
  mapping: CustomReceiptMapping,
  values: CustomReceiptValues[],
): BuiltReceipt {
  return {
    method: "POST",
    query: "",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(values.map((v) => receiptObject(mapping, v))),
  };
}
