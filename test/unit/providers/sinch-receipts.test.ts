import { describe, expect, it } from "vitest";
import { ReceiptParseError } from "../../../lambdas/providers/errors.js";
import { parseReceipts, sinchStatus } from "../../../lambdas/providers/sinch.js";
import type { ReceiptRequest } from "../../../lambdas/providers/types.js";
import {
  asReceiptRequest,
  sinchBatchReport,
  sinchInbound,
  sinchRecipientReport,
} from "../../simulators/index.js";

const raw = (body: string): ReceiptRequest => ({ method: "POST", query: {}, headers: {}, body });

describe("sinch status mapping", () => {
  it.each([
    ["Queued", "IN_TRANSIT"],
    ["Dispatched", "IN_TRANSIT"],
    ["Delivered", "DELIVERED"],
    ["Failed", "FAILED"],
    ["Rejected", "FAILED"],
    ["Expired", "FAILED"],
    ["Deleted", "FAILED"],
    ["Aborted", "FAILED"],
    ["Cancelled", "FAILED"],
    ["Unknown", "UNKNOWN"],
    ["SomethingNew", "UNKNOWN"],
  ])("%s → %s", (status, expected) => {
    expect(sinchStatus(status)).toBe(expected);
  });
});

describe("sinch recipient_delivery_report_sms", () => {
  it("refers to our message id via client_reference, with (batch, recipient) as fallback", () => {
    const r = sinchRecipientReport({
      batchId: "01JB",
      recipient: "+919812345678",
      status: "Delivered",
      code: 0,
      clientReference: "c1:i1:u1",
      operatorStatusAt: "2025-01-13T09:22:00Z",
    });
    expect(parseReceipts(asReceiptRequest(r))).toEqual({
      receipts: [
        {
          ref: { kind: "ours", messageId: "c1:i1:u1" },
          fallbackRef: { kind: "provider", providerMessageId: "01JB:919812345678" },
          status: "DELIVERED",
          code: "0",
          description: "Delivered",
          operatorTimeMs: Date.parse("2025-01-13T09:22:00Z"),
        },
      ],
      ignored: 0,
    });
  });

  it("refers to (batch, recipient) without client_reference, and has no operator time without operator_status_at", () => {
    const r = sinchRecipientReport({ batchId: "01JB", recipient: "919812345678", status: "Dispatched" });
    const [receipt] = parseReceipts(asReceiptRequest(r)).receipts;
    expect(receipt?.ref).toEqual({ kind: "provider", providerMessageId: "01JB:919812345678" });
    expect(receipt?.fallbackRef).toBeUndefined();
    expect(receipt?.status).toBe("IN_TRANSIT");
    expect(receipt?.code).toBe("401");
    expect(receipt?.operatorTimeMs).toBeNull();
  });

  it("decides from status, never from code: Failed with code 0 is a failure", () => {
    const r = sinchRecipientReport({ batchId: "b", recipient: "1", status: "Failed", code: 0 });
    expect(parseReceipts(asReceiptRequest(r)).receipts[0]).toMatchObject({ status: "FAILED", code: "0" });
  });

  it("describes Sinch's own abort codes", () => {
    const r = sinchRecipientReport({ batchId: "b", recipient: "1", status: "Aborted", code: 402 });
    expect(parseReceipts(asReceiptRequest(r)).receipts[0]).toMatchObject({
      status: "FAILED",
      code: "402",
      description: "unroutable",
    });
  });

  it("parses the published example body", () => {
    const body =
      '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}';
    expect(parseReceipts(raw(body)).receipts[0]).toMatchObject({
      ref: { kind: "ours", messageId: "a client reference" },
      status: "DELIVERED",
    });
  });
});

describe("sinch delivery_report_sms", () => {
  it("turns a full report into one receipt per recipient", () => {
    const r = sinchBatchReport({
      batchId: "01JB",
      kind: "full",
      statuses: [
        { status: "Delivered", code: 0, recipients: ["+911111", "+912222"] },
        { status: "Expired", code: 0, recipients: ["+913333"] },
      ],
    });
    const parsed = parseReceipts(asReceiptRequest(r));
    expect(parsed.ignored).toBe(0);
    expect(parsed.receipts.map((x) => [x.ref, x.status, x.operatorTimeMs])).toEqual([
      [{ kind: "provider", providerMessageId: "01JB:911111" }, "DELIVERED", null],
      [{ kind: "provider", providerMessageId: "01JB:912222" }, "DELIVERED", null],
      [{ kind: "provider", providerMessageId: "01JB:913333" }, "FAILED", null],
    ]);
  });

  it("uses a batch client_reference as fallback only when the batch has a single recipient", () => {
    const single = sinchBatchReport({
      batchId: "b",
      kind: "full",
      clientReference: "m1",
      statuses: [{ status: "Delivered", recipients: ["1"] }],
    });
    expect(parseReceipts(asReceiptRequest(single)).receipts[0]?.fallbackRef).toEqual({
      kind: "ours",
      messageId: "m1",
    });
    const two = sinchBatchReport({
      batchId: "b",
      kind: "full",
      clientReference: "m1",
      statuses: [{ status: "Delivered", recipients: ["1", "2"] }],
    });
    expect(parseReceipts(asReceiptRequest(two)).receipts.every((x) => x.fallbackRef === undefined)).toBe(
      true,
    );
  });

  it("ignores a summary report", () => {
    const r = sinchBatchReport({
      batchId: "b",
      kind: "summary",
      statuses: [
        { status: "Delivered", recipients: ["1"] },
        { status: "Failed", recipients: ["2"] },
      ],
    });
    expect(parseReceipts(asReceiptRequest(r))).toEqual({
      receipts: [],
      ignored: 2,
      ignoredReason: "summary",
    });
  });
});

describe("sinch other callbacks and garbage", () => {
  it("ignores inbound messages", () => {
    expect(parseReceipts(asReceiptRequest(sinchInbound({ from: "+911", to: "ACME", body: "STOP" })))).toEqual(
      {
        receipts: [],
        ignored: 1,
        ignoredReason: "inbound",
      },
    );
  });

  it("ignores unknown callback types rather than failing forever", () => {
    expect(parseReceipts(raw('{"type":"something_new"}'))).toMatchObject({ receipts: [], ignored: 1 });
  });

  it.each([
    ["not JSON", "<xml/>"],
    ["empty", ""],
    ["an array", "[]"],
    ["no type", '{"batch_id":"b"}'],
    ["no batch_id", '{"type":"recipient_delivery_report_sms","recipient":"1","status":"Delivered"}'],
    ["no recipient", '{"type":"recipient_delivery_report_sms","batch_id":"b","status":"Delivered"}'],
    ["no status", '{"type":"recipient_delivery_report_sms","batch_id":"b","recipient":"1"}'],
    ["no statuses", '{"type":"delivery_report_sms","batch_id":"b"}'],
  ])("rejects %s", (_name, body) => {
    expect(() => parseReceipts(raw(body))).toThrow(ReceiptParseError);
  });
});
