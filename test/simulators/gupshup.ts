/** Gupshup Enterprise simulator (`SendMessage`) and real-format Gupshup receipts. */

import { type BuiltReceipt, encodeQuery } from "./receipt.js";
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

export type GupshupRule = CommonRule | { kind: "error"; code: string; text: string };

export interface GupshupAccepted {
  phone: string;
  /** `<transactionId>-<messageId>`, the externalId of its receipts. */
  providerMessageId: string;
}

export interface GupshupSimulator extends HttpSimulator {
  script(phone: string, rule: GupshupRule): void;
  scriptDefault(rule: GupshupRule): void;
  readonly accepted: GupshupAccepted[];
}

export async function startGupshupSimulator(
  options: { userId?: string; password?: string } = {},
): Promise<GupshupSimulator> {
  const script = new Script<GupshupRule>({ kind: "success" });
  const accepted: GupshupAccepted[] = [];
  const nextTx = idSequence("357666");
  const text = (body: string): SimReply => ({ status: 200, body, contentType: "text/plain" });

  const handle = (
    req: RecordedRequest,
    wait: (ms: number) => Promise<void>,
  ): Promise<SimReply> | SimReply => {
    const form = {
      ...req.query,
      ...(req.body !== null && typeof req.body === "object" ? (req.body as Record<string, string>) : {}),
    };
    if ((form.method ?? "").toLowerCase() !== "sendmessage") return text("error | 101 | Invalid method");
    if (
      (options.userId !== undefined && form.userid !== options.userId) ||
      (options.password !== undefined && form.password !== options.password)
    ) {
      return text("error | 105 | Authentication failed");
    }
    const phone = form.send_to;
    if (!phone || !form.msg) return text("error | 102 | Mandatory parameter missing");
    return applyRule<Extract<GupshupRule, { kind: "error" }>>(
      script.ruleFor(phone),
      wait,
      () => {
        const id = `${nextTx()}-${nextTx()}`;
        accepted.push({ phone, providerMessageId: id });
        return text(`success | ${digits(phone)} | ${id}`);
      },
      (rule) => text(`error | ${rule.code} | ${rule.text}`),
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

export interface GupshupQueryFields {
  externalId: string;
  status: string;
  cause?: string;
  errCode?: string;
  deliveredTS?: number | string;
  phoneNo?: string;
  noOfFrags?: number | string;
  mask?: string;
}

/** The default GET receipt; `straySpaces` pads keys and values with spaces as some accounts send. */
export function gupshupQueryReceipt(
  f: GupshupQueryFields,
  options: { straySpaces?: boolean } = {},
): BuiltReceipt {
  const pairs: Array<[string, string]> = [];
  const add = (k: string, v: string | number | undefined): void => {
    if (v === undefined) return;
    pairs.push(options.straySpaces ? [` ${k} `, ` ${String(v)} `] : [k, String(v)]);
  };
  add("externalId", f.externalId);
  add("deliveredTS", f.deliveredTS);
  add("status", f.status);
  add("cause", f.cause);
  add("phoneNo", f.phoneNo === undefined ? undefined : digits(f.phoneNo));
  add("errCode", f.errCode);
  add("noOfFrags", f.noOfFrags);
  add("mask", f.mask);
  return { method: "GET", query: encodeQuery(pairs), headers: {}, body: "" };
}

export interface GupshupEvent {
  externalId: string | number;
  eventType: string;
  eventTs?: number | string;
  destAddr?: string | number;
  srcAddr?: string;
  cause?: string;
  errCode?: string | number;
  channel?: string;
  noOfFrags?: number | string;
}

/**
 * The POST batch (1–20 events), values kept as given: a bare JSON array, wrapped as
 * `{"response": [...]}`, or (`form`) an `application/x-www-form-urlencoded` POST whose field `response`
 * holds the JSON array (docs.gupshup.io "Real Time Delivery Reports": `response=[{…},{…}]`).
 */
export function gupshupPostReceipt(
  events: GupshupEvent[],
  options: { wrap?: boolean; form?: boolean } = {},
): BuiltReceipt {
  const list = events.map((e) => ({ channel: "SMS", noOfFrags: 1, ...e }));
  if (options.form) {
    return {
      method: "POST",
      query: "",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ response: JSON.stringify(list) }).toString(),
    };
  }
  return {
    method: "POST",
    query: "",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options.wrap ? { response: list } : list),
  };
}
