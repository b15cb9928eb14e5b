import { describe, expect, it } from "vitest";
import { ReceiptParseError } from "../../../lambdas/providers/errors.js";
import { kaleyraDlrUrl, kaleyraStatus, parseReceipts } from "../../../lambdas/providers/kaleyra.js";
import { asReceiptRequest, kaleyraReceipt, kaleyraReceiptUrl } from "../../simulators/index.js";

describe("kaleyra status mapping", () => {
  it.each([
    ["DELIVRD", "DELIVERED"],
    ["AWAITED-DLR", "IN_TRANSIT"],
    ["NO-DLR-OPTR", "UNKNOWN"],
    ["ABSENT-SUB", "FAILED"],
    ["DNDNUMB", "FAILED"],
    ["INV-NUMBER", "FAILED"],
    ["EXPIRED", "FAILED"],
    ["MAX-LENGTH", "FAILED"],
    ["SOMETHING-NEW", "UNKNOWN"],
  ])("%s → %s", (status, expected) => {
    expect(kaleyraStatus(status)).toBe(expected);
  });
});

describe("kaleyra receipts", () => {
  const dlrurl = kaleyraDlrUrl("https://hooks.example/webhooks/dlr/ky/tok");

  it("refers to our custom first and the sid second, with delivat as the operator time", () => {
    const r = kaleyraReceipt(
      {
        sid: "4422177667:1",
        status: "DELIVRD",
        custom: "c1:i1:u1",
        delivat: 1736760161,
        mobile: "919812345678",
      },
      dlrurl,
    );
    expect(parseReceipts(asReceiptRequest(r))).toEqual({
      receipts: [
        {
          ref: { kind: "ours", messageId: "c1:i1:u1" },
          fallbackRef: { kind: "provider", providerMessageId: "4422177667:1" },
          status: "DELIVERED",
          code: "DELIVRD",
          description: "delivered",
          operatorTimeMs: 1736760161000,
        },
      ],
      ignored: 0,
    });
  });

  it("falls back to the sid when custom was not substituted or is empty", () => {
    for (const custom of [undefined, ""]) {
      const r = kaleyraReceipt({
        sid: "44:1",
        status: "ABSENT-SUB",
        ...(custom === undefined ? {} : { custom }),
      });
      expect(parseReceipts(asReceiptRequest(r)).receipts[0]).toEqual({
        ref: { kind: "provider", providerMessageId: "44:1" },
        status: "FAILED",
        code: "ABSENT-SUB",
        description: "absent subscriber",
        operatorTimeMs: null,
      });
    }
    expect(asReceiptRequest(kaleyraReceipt({ sid: "44:1", status: "X" })).query.custom).toBe("{custom}");
  });

  it("maps NO-DLR-OPTR and unlisted statuses to UNKNOWN with the status as code", () => {
    for (const status of ["NO-DLR-OPTR", "WEIRD"]) {
      const r = kaleyraReceipt({ sid: "44:1", status, custom: "m1" });
      expect(parseReceipts(asReceiptRequest(r)).receipts[0]).toMatchObject({
        status: "UNKNOWN",
        code: status,
      });
    }
  });

  it("builds the receipt from the dlrurl the simulator recorded", () => {
    const url = kaleyraReceiptUrl(dlrurl, { sid: "44:1", status: "DELIVRD", custom: "a b&c", delivat: 1 });
    expect(url).toBe(
      "https://hooks.example/webhooks/dlr/ky/tok?sid=44%3A1&status=DELIVRD&custom=a%20b%26c&delivat=1&mobile={mobile}",
    );
    const r = kaleyraReceipt({ sid: "44:1", status: "DELIVRD", custom: "a b&c", delivat: 1 }, dlrurl);
    expect(parseReceipts(asReceiptRequest(r)).receipts[0]?.ref).toEqual({ kind: "ours", messageId: "a b&c" });
  });

  it("ignores an empty request", () => {
    expect(parseReceipts({ method: "GET", query: {}, headers: {}, body: "" })).toMatchObject({
      ignored: 1,
      ignoredReason: "empty",
    });
  });

  it.each([
    ["no status", { sid: "1", custom: "m" }],
    ["an unsubstituted status", { sid: "1", custom: "m", status: "{status}" }],
    ["no references", { status: "DELIVRD", custom: "{custom}", sid: "{sid}" }],
  ])("rejects %s", (_name, query: Record<string, string>) => {
    expect(() => parseReceipts({ method: "GET", query, headers: {}, body: "" })).toThrow(ReceiptParseError);
  });
});
