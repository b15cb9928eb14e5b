import { describe, expect, it } from "vitest";
import { customStatus, parseReceipts } from "../../../lambdas/providers/custom.js";
import { ReceiptParseError } from "../../../lambdas/providers/errors.js";
import type { CustomConfig, CustomReceiptMapping, ReceiptRequest } from "../../../lambdas/providers/types.js";
import { asReceiptRequest, customReceipt, customReceiptBatch } from "../../simulators/index.js";

const mapping: CustomReceiptMapping = {
  messageId: "ref",
  status: "status",
  errorCode: "err",
  time: "ts",
  delivered: ["DELIVERED"],
  failed: ["FAILED", "UNDELIVERED"],
  inTransit: ["SENT"],
};
const config: CustomConfig = {
  request: { method: "POST", url: "https://sms.example/send" },
  receipt: mapping,
};

describe("custom status mapping", () => {
  it.each([
    ["DELIVERED", "DELIVERED"],
    ["delivered", "DELIVERED"],
    [" Undelivered ", "FAILED"],
    ["sent", "IN_TRANSIT"],
    ["QUEUED", "IN_TRANSIT"],
    ["ENROUTE", "IN_TRANSIT"],
  ])("%s → %s", (status, expected) => {
    expect(customStatus(mapping, status)).toBe(expected);
  });

  it("works without an inTransit list", () => {
    const { inTransit: _t, ...noTransit } = mapping;
    expect(customStatus(noTransit, "SENT")).toBe("IN_TRANSIT");
  });
});

describe("custom receipts", () => {
  it.each(["json", "query", "form"] as const)("reads the mapped fields from a %s receipt", (as) => {
    const r = customReceipt(
      mapping,
      { messageId: "c1:i1:u1", status: "UNDELIVERED", errorCode: "E42", time: "2026-11-26T10:00:00+05:30" },
      as,
    );
    expect(parseReceipts(asReceiptRequest(r), config)).toEqual({
      receipts: [
        {
          ref: { kind: "ours", messageId: "c1:i1:u1" },
          status: "FAILED",
          code: "E42",
          description: "UNDELIVERED",
          operatorTimeMs: Date.parse("2026-11-26T04:30:00Z"),
        },
      ],
      ignored: 0,
    });
  });

  it("follows JSON pointers in the mapping", () => {
    const nested: CustomReceiptMapping = { ...mapping, messageId: "/message/ref", status: "/delivery/state" };
    const r = customReceipt(nested, { messageId: "m1", status: "delivered", time: 1736760161 });
    expect(JSON.parse(r.body)).toEqual({
      message: { ref: "m1" },
      delivery: { state: "delivered" },
      ts: 1736760161,
    });
    expect(parseReceipts(asReceiptRequest(r), { ...config, receipt: nested }).receipts[0]).toEqual({
      ref: { kind: "ours", messageId: "m1" },
      status: "DELIVERED",
      code: null,
      description: null,
      operatorTimeMs: 1736760161000,
    });
  });

  it("reads epoch milliseconds and numeric values", () => {
    const r: ReceiptRequest = {
      method: "POST",
      query: {},
      headers: {},
      body: JSON.stringify({ ref: 123, status: "SENT", err: 0, ts: 1736760161123 }),
    };
    expect(parseReceipts(r, config).receipts[0]).toMatchObject({
      ref: { kind: "ours", messageId: "123" },
      status: "IN_TRANSIT",
      code: "0",
      operatorTimeMs: 1736760161123,
    });
  });

  it("does not misread an SMPP done date or an ISO time without a zone as a time when no format is named", () => {
    for (const time of ["261125103000", 261125103000, "2026-11-25T10:30:00", 17640666001]) {
      const r = customReceipt(mapping, { messageId: "m1", status: "DELIVERED", time });
      expect(parseReceipts(asReceiptRequest(r), config).receipts[0]?.operatorTimeMs).toBeNull();
    }
    // A 10-digit done date (YYMMDDhhmm) cannot be told from epoch seconds: only timeFormat "smpp" reads it.
    const tenDigits = customReceipt(mapping, { messageId: "m1", status: "DELIVERED", time: "2611251030" });
    expect(parseReceipts(asReceiptRequest(tenDigits), config).receipts[0]?.operatorTimeMs).toBe(
      2611251030000,
    );
  });

  it.each(["json", "query", "form"] as const)(
    "reads the time in the mapping's format and zone (%s)",
    (as) => {
      const cases = [
        [{ timeFormat: "smpp", timeZone: "Asia/Kolkata" }, "261125103000", "2026-11-25T05:00:00Z"],
        [{ timeFormat: "smpp" }, "2611251030", "2026-11-25T10:30:00Z"],
        [{ timeFormat: "iso8601", timeZone: "Asia/Kolkata" }, "2026-11-25 10:30:00", "2026-11-25T05:00:00Z"],
        [{ timeFormat: "epochSeconds" }, "1795602600", "2026-11-25T10:30:00Z"],
        [{ timeFormat: "epochMillis" }, "1795602600000", "2026-11-25T10:30:00Z"],
      ] as const;
      for (const [format, time, expected] of cases) {
        const withFormat: CustomConfig = { ...config, receipt: { ...mapping, ...format } };
        const r = customReceipt(mapping, { messageId: "m1", status: "DELIVERED", time }, as);
        expect(parseReceipts(asReceiptRequest(r), withFormat).receipts[0]?.operatorTimeMs).toBe(
          Date.parse(expected),
        );
      }
      // A value that is not in the named format is no time at all.
      const smpp: CustomConfig = { ...config, receipt: { ...mapping, timeFormat: "smpp" } };
      const iso = customReceipt(
        mapping,
        { messageId: "m1", status: "DELIVERED", time: "2026-11-25T10:30:00Z" },
        as,
      );
      expect(parseReceipts(asReceiptRequest(iso), smpp).receipts[0]?.operatorTimeMs).toBeNull();
    },
  );

  it("uses the status as code for a failure without an error code, and ignores a bad time", () => {
    const r = customReceipt(mapping, { messageId: "m1", status: " UNDELIVERED ", time: "yesterday" });
    expect(parseReceipts(asReceiptRequest(r), config).receipts[0]).toEqual({
      ref: { kind: "ours", messageId: "m1" },
      status: "FAILED",
      code: "UNDELIVERED",
      description: "UNDELIVERED",
      operatorTimeMs: null,
    });
  });

  it.each(["json", "query", "form"] as const)(
    "leaves a status in no list in transit and reports it as unmapped (%s)",
    (as) => {
      // SMPP-style intermediate states a provider passes on (v3.4 §5.2.28, Appendix B) and anything else.
      for (const status of ["ENROUTE", "ACCEPTD", "BUFFERED", "REJECTED_BY_CARRIER"]) {
        const r = customReceipt(mapping, { messageId: "m1", status: ` ${status}` }, as);
        expect(parseReceipts(asReceiptRequest(r), config).receipts[0]).toEqual({
          ref: { kind: "ours", messageId: "m1" },
          status: "IN_TRANSIT",
          code: null,
          description: null,
          operatorTimeMs: null,
          unmappedStatus: status,
        });
      }
      // A listed status carries no unmappedStatus.
      const listed = customReceipt(mapping, { messageId: "m1", status: "sent" }, as);
      expect(parseReceipts(asReceiptRequest(listed), config).receipts[0]).not.toHaveProperty(
        "unmappedStatus",
      );
    },
  );

  it("keeps the mapped error code of an unmapped status", () => {
    const r = customReceipt(mapping, { messageId: "m1", status: "BUFFERED", errorCode: 5 });
    expect(parseReceipts(asReceiptRequest(r), config).receipts[0]).toMatchObject({
      status: "IN_TRANSIT",
      code: "5",
      unmappedStatus: "BUFFERED",
    });
  });

  it("offers the message id as a provider id too when the connector records provider ids", () => {
    const withIds: CustomConfig = { ...config, response: { messageIdPointer: "/id" } };
    const r = customReceipt(mapping, { messageId: "prov-7", status: "DELIVERED" }, "query");
    expect(parseReceipts(asReceiptRequest(r), withIds).receipts[0]?.fallbackRef).toEqual({
      kind: "provider",
      providerMessageId: "prov-7",
    });
    expect(parseReceipts(asReceiptRequest(r), config).receipts[0]?.fallbackRef).toBeUndefined();
  });

  it("looks in the query when the JSON body lacks a field", () => {
    const r: ReceiptRequest = {
      method: "POST",
      query: { ref: "m9" },
      headers: {},
      body: '{"status":"DELIVERED"}',
    };
    expect(parseReceipts(r, config).receipts[0]?.ref).toEqual({ kind: "ours", messageId: "m9" });
  });

  it("parses a JSON array batch, each receipt on its own", () => {
    const r = customReceiptBatch(mapping, [
      { messageId: "m1", status: "DELIVERED" },
      { messageId: "m2", status: "FAILED", errorCode: "E1" },
    ]);
    const parsed = parseReceipts(asReceiptRequest(r), config);
    expect(parsed.receipts.map((x) => [x.ref, x.status, x.code])).toEqual([
      [{ kind: "ours", messageId: "m1" }, "DELIVERED", null],
      [{ kind: "ours", messageId: "m2" }, "FAILED", "E1"],
    ]);
    const partial = parseReceipts(
      {
        method: "POST",
        query: {},
        headers: {},
        body: '[{"status":"DELIVERED"},{"ref":"m3","status":"SENT"}]',
      },
      config,
    );
    expect(partial).toMatchObject({ ignored: 1, ignoredReason: "missing ref" });
    expect(partial.receipts).toHaveLength(1);
  });

  it("ignores an empty request", () => {
    expect(parseReceipts({ method: "GET", query: {}, headers: {}, body: "" }, config)).toMatchObject({
      receipts: [],
      ignored: 1,
    });
  });

  it.each([
    ["invalid JSON", "{"],
    ["no message id", '{"status":"DELIVERED"}'],
    ["no status", '{"ref":"m1"}'],
    ["an empty batch", "[]"],
  ])("rejects %s", (_name, body) => {
    expect(() => parseReceipts({ method: "POST", query: {}, headers: {}, body }, config)).toThrow(
      ReceiptParseError,
    );
  });

  it("rejects receipts when the connector has no receipt mapping", () => {
    const r = asReceiptRequest(customReceipt(mapping, { messageId: "m1", status: "DELIVERED" }));
    expect(() => parseReceipts(r, { request: config.request })).toThrow(ReceiptParseError);
  });
});
