import { describe, expect, it } from "vitest";
import { parseReceiptsFor } from "../../../lambdas/providers/index.js";
import { redactPhones } from "../../../lambdas/providers/redact.js";
import type { ReceiptRequest } from "../../../lambdas/providers/types.js";
import {
  asReceiptRequest,
  gupshupPostReceipt,
  gupshupQueryReceipt,
  kaleyraReceipt,
  sinchRecipientReport,
} from "../../simulators/index.js";
import { connectorOf } from "../../support/connectors.js";

const PHONE = "9812345678";
const form = (body: string, query: Record<string, string> = {}): ReceiptRequest => ({
  method: "POST",
  query,
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body,
});
const json = (doc: unknown): ReceiptRequest => ({
  method: "POST",
  query: {},
  headers: { "content-type": "application/json" },
  body: JSON.stringify(doc),
});
const gupshupEvent = { externalId: "1-2", eventType: "DELIVERED", destAddr: Number(`91${PHONE}`) };

describe("phone numbers are dropped from receipts before they are queued", () => {
  it.each([
    [
      "Gupshup GET with untrimmed keys",
      "gupshup",
      asReceiptRequest(
        gupshupQueryReceipt(
          { externalId: "1-2", status: "SUCCESS", phoneNo: `+91${PHONE}` },
          { straySpaces: true },
        ),
      ),
    ],
    [
      "Gupshup GET fields as a form POST",
      "gupshup",
      form(`externalId=1-2&status=SUCCESS&PhoneNo=91${PHONE}&errCode=000`),
    ],
    ["Gupshup POST as a JSON array", "gupshup", asReceiptRequest(gupshupPostReceipt([gupshupEvent]))],
    [
      "Gupshup POST wrapped as {response: [...]}",
      "gupshup",
      asReceiptRequest(gupshupPostReceipt([gupshupEvent], { wrap: true })),
    ],
    [
      "Gupshup POST as the form field `response`",
      "gupshup",
      asReceiptRequest(
        gupshupPostReceipt([gupshupEvent, { ...gupshupEvent, externalId: "3-4" }], { form: true }),
      ),
    ],
    [
      "Gupshup POST as one JSON object, key in another case and padded",
      "gupshup",
      json({ externalId: "1-2", eventType: "FAILED", " DESTADDR ": `91${PHONE}`, errCode: 3 }),
    ],
    [
      "Gupshup batch JSON as text inside a JSON envelope",
      "gupshup",
      json({ response: JSON.stringify([gupshupEvent]) }),
    ],
    [
      "Gupshup `response` as a query parameter",
      "gupshup",
      { method: "GET", query: { response: JSON.stringify([gupshupEvent]) }, headers: {}, body: "" },
    ],
    [
      "Kaleyra GET",
      "kaleyra",
      asReceiptRequest(
        kaleyraReceipt({ sid: "4422:1", status: "DELIVRD", custom: "mAbc", mobile: `91${PHONE}` }),
      ),
    ],
    [
      "Kaleyra form POST, key upper case",
      "kaleyra",
      form(`sid=4422:1&status=DELIVRD&custom=mAbc&MOBILE=91${PHONE}`),
    ],
  ] as const)("%s: no phone left, same parse result", (_name, provider, request) => {
    expect(JSON.stringify(request)).toContain(PHONE);
    const redacted = redactPhones(provider, request);
    expect(JSON.stringify(redacted)).not.toContain(PHONE);
    expect(decodeURIComponent(redacted.body)).not.toContain(PHONE);
    expect(redacted.method).toBe(request.method);
    expect(redacted.headers).toEqual(request.headers);
    expect(parseReceiptsFor(connectorOf(provider), redacted)).toEqual(
      parseReceiptsFor(connectorOf(provider), request),
    );
  });

  it("keeps the other fields of a form POST with the batch in `response`", () => {
    const request = asReceiptRequest(
      gupshupPostReceipt([{ ...gupshupEvent, srcAddr: "TESTIN" }], { form: true }),
    );
    const redacted = redactPhones("gupshup", request);
    const events = JSON.parse(new URLSearchParams(redacted.body).get("response") ?? "");
    expect(events).toEqual([
      { channel: "SMS", noOfFrags: 1, externalId: "1-2", eventType: "DELIVERED", srcAddr: "TESTIN" },
    ]);
  });

  it("takes only the phone fields out of a form body; the others stay as received", () => {
    const body = `externalId=1-2&phoneNo=91${PHONE}&status=SUCCESS+OK&cause=%20SUCCESS&phoneno=${PHONE}`;
    expect(redactPhones("gupshup", form(body)).body).toBe(
      "externalId=1-2&status=SUCCESS+OK&cause=%20SUCCESS",
    );
    // A field that becomes first keeps the "?" of its own name (URLSearchParams drops the body's first "?").
    const odd = redactPhones("gupshup", form(`phoneNo=${PHONE}&?status=x`));
    expect([...new URLSearchParams(odd.body)]).toEqual([["?status", "x"]]);
  });

  it("leaves a body without a phone field byte for byte as received", () => {
    const bodies = [
      '[ {"externalId": "1-2", "eventType": "DELIVERED"} ]',
      "externalId=1-2&status=SUCCESS+OK",
    ];
    for (const body of bodies) expect(redactPhones("gupshup", form(body)).body).toBe(body);
  });

  it("survives nesting as deep as the webhook's size limit allows, keeping nothing it did not read", () => {
    const depth = 60_000; // 120 kB, under the webhook's 128 kB limit
    const deep = form(`${"[".repeat(depth)}{"destAddr":91${PHONE}}${"]".repeat(depth)}`);
    const redacted = redactPhones("gupshup", deep);
    expect(redacted.body).not.toContain(PHONE);
    expect(redacted.body.length).toBeLessThan(200);
    expect(() => parseReceiptsFor(connectorOf("gupshup"), redacted)).toThrow("missing externalId");
    const deepForm = form(`response=${encodeURIComponent(`${"[".repeat(depth)}${"]".repeat(depth)}`)}`);
    expect(() => redactPhones("gupshup", deepForm)).not.toThrow();
  });

  it("leaves a value the parser reads as text as it is, even when it looks like JSON", () => {
    const request = form(`externalId=${encodeURIComponent('[{"phoneNo":""}]')}&status=SUCCESS`);
    expect(redactPhones("gupshup", request)).toEqual(request);
  });

  it("leaves a body that cannot be decoded for the parser to judge", () => {
    const request = { method: "POST", query: {}, headers: {}, body: "not json" };
    expect(redactPhones("gupshup", request)).toEqual(request);
    const broken = { method: "POST", query: {}, headers: {}, body: '[{"destAddr":' };
    expect(redactPhones("gupshup", broken)).toEqual(broken);
  });

  it("keeps the documented exceptions: Sinch's recipient and custom receipts stay as sent", () => {
    const sinch = asReceiptRequest(
      sinchRecipientReport({ batchId: "b1", recipient: `91${PHONE}`, status: "Delivered" }),
    );
    expect(redactPhones("sinch", sinch)).toEqual(sinch);
    const custom = form(`ref=m1&status=DELIVERED&mobile=91${PHONE}`, { phoneNo: PHONE });
    expect(redactPhones("custom", custom)).toEqual(custom);
  });
});
