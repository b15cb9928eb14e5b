/** A provider receipt as it would travel over HTTP, and ways to deliver or hand it to a parser. */

import type { ReceiptRequest } from "../../lambdas/providers/types.js";

export interface BuiltReceipt {
  method: "GET" | "POST";
  /** Encoded query string without the leading "?" (may be ""). */
  query: string;
  headers: Record<string, string>;
  body: string;
}

export function receiptUrl(webhookUrl: string, receipt: BuiltReceipt): string {
  if (receipt.query === "") return webhookUrl;
  return `${webhookUrl}${webhookUrl.includes("?") ? "&" : "?"}${receipt.query}`;
}

/** Sends the receipt to our webhook the way the provider would. */
export async function deliverReceipt(
  webhookUrl: string,
  receipt: BuiltReceipt,
): Promise<{ status: number; body: string }> {
  const res = await fetch(receiptUrl(webhookUrl, receipt), {
    method: receipt.method,
    headers: receipt.headers,
    ...(receipt.method === "POST" ? { body: receipt.body } : {}),
  });
  return { status: res.status, body: await res.text() };
}

/** The receipt as the webhook hands it to the parsers (decoded query, lower-case headers). */
export function asReceiptRequest(receipt: BuiltReceipt): ReceiptRequest {
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(receipt.query)) if (!Object.hasOwn(query, k)) query[k] = v;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(receipt.headers)) headers[k.toLowerCase()] = v;
  return { method: receipt.method, query, headers, body: receipt.body };
}

/** `k=v&…` with each part percent-encoded (spaces as %20, as providers' URL builders do). */
export function encodeQuery(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}
