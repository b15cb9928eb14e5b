/** Kaleyra v4 simulator (`method=sms`) and receipts built from the `dlrurl` we supplied. */

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

export type KaleyraRule =
  | CommonRule
  | { kind: "success"; dataShape?: "array" | "object" }
  /** Accepted overall, but this number refused (e.g. `INV-NUMBER`, `DNDNUMB`). */
  | { kind: "number-status"; status: string }
  /** Whole request refused: `{"status": "A401B", "message": "…"}`. */
  | { kind: "error"; status: string; message: string; httpStatus?: number };

export interface KaleyraAccepted {
  phone: string;
  /** Kaleyra's message id (the `{sid}` of receipts). */
  providerMessageId: string;
  custom?: string;
  /** Our receipt URL template, decoded (placeholders still in). */
  dlrurl?: string;
}

export interface KaleyraSimulator extends HttpSimulator {
  script(phone: string, rule: KaleyraRule): void;
  scriptDefault(rule: KaleyraRule): void;
  readonly accepted: KaleyraAccepted[];
}

export async function startKaleyraSimulator(options: { apiKey?: string } = {}): Promise<KaleyraSimulator> {
  const script = new Script<KaleyraRule>({ kind: "success" });
  const accepted: KaleyraAccepted[] = [];
  const nextId = idSequence("44");
  const json = (body: unknown, status = 200): SimReply => ({ status, body: JSON.stringify(body) });

  const handle = (
    req: RecordedRequest,
    wait: (ms: number) => Promise<void>,
  ): Promise<SimReply> | SimReply => {
    const f = {
      ...req.query,
      ...(req.body !== null && typeof req.body === "object" ? (req.body as Record<string, string>) : {}),
    };
    if (options.apiKey !== undefined && f.api_key !== options.apiKey) {
      return json({ status: "A401B", message: "Invalid API key" });
    }
    if (f.method !== "sms") return json({ status: "A404", message: "Method not found" });
    const phone = f.to;
    if (!phone || !f.message || !f.sender)
      return json({ status: "E601", message: "Mandatory field missing" });
    const entry = (id: string, status: string) => ({ id, customid: f.custom ?? "", mobile: phone, status });
    const ok = (data: unknown) =>
      json({ status: "OK", data, message: "Campaign of 1 numbers Submitted successfully." });
    const rule = script.ruleFor(phone);
    return applyRule<Exclude<KaleyraRule, CommonRule>>(
      rule,
      wait,
      () => {
        const id = `${nextId()}:1`;
        accepted.push({
          phone,
          providerMessageId: id,
          ...(f.custom !== undefined ? { custom: f.custom } : {}),
          ...(f.dlrurl !== undefined ? { dlrurl: f.dlrurl } : {}),
        });
        const shape = rule.kind === "success" && "dataShape" in rule ? rule.dataShape : "array";
        const e = entry(id, "AWAITED-DLR");
        return ok(shape === "object" ? { "0": e } : [e]);
      },
      (r) =>
        r.kind === "number-status"
          ? ok([entry(`${nextId()}:1`, r.status)])
          : r.kind === "error"
            ? json({ status: r.status, message: r.message }, r.httpStatus ?? 200)
            : json({ status: "E000", message: "unscripted" }, 500),
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

/** The query Kaleyra's docs tell integrators to use, as our connector configures it. */
export const KALEYRA_DLR_QUERY =
  "sid={sid}&status={status}&custom={custom}&delivat={delivat}&mobile={mobile}";

export interface KaleyraReceiptFields {
  sid?: string;
  status: string;
  /** `undefined` leaves the literal placeholder, as Kaleyra does when it has no value. */
  custom?: string;
  delivat?: number | string;
  mobile?: string;
  delivered?: string;
}

/**
 * Substitutes the receipt's values into the `dlrurl` (whole URL, placeholders in) and returns the
 * URL Kaleyra would GET.
 */
export function kaleyraReceiptUrl(dlrurl: string, f: KaleyraReceiptFields): string {
  const values: Record<string, string | number | undefined> = {
    sid: f.sid,
    status: f.status,
    custom: f.custom,
    delivat: f.delivat,
    mobile: f.mobile,
    delivered: f.delivered,
  };
  return dlrurl.replace(/\{([a-z0-9]+)\}/g, (whole, name: string) => {
    const v = values[name];
    return v === undefined ? whole : encodeURIComponent(String(v));
  });
}

/** The GET receipt for the query part of `dlrurl` (our default template when omitted). */
export function kaleyraReceipt(
  f: KaleyraReceiptFields,
  dlrurl = `http://sim.invalid/?${KALEYRA_DLR_QUERY}`,
): BuiltReceipt {
  const url = kaleyraReceiptUrl(dlrurl, f);
  const q = url.indexOf("?");
  const raw = q === -1 ? "" : url.slice(q + 1);
  // Re-encode through URLSearchParams-free splitting so literal `{custom}` survives as sent.
  const pairs = raw
    .split("&")
    .filter((p) => p !== "")
    .map((p): [string, string] => {
      const i = p.indexOf("=");
      return i === -1
        ? [decodeURIComponent(p), ""]
        : [decodeURIComponent(p.slice(0, i)), decodeURIComponent(p.slice(i + 1))];
    });
  return { method: "GET", query: encodeQuery(pairs), headers: {}, body: "" };
}
