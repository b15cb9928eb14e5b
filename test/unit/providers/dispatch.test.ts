import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeCode,
  normalizeCode,
  parseReceiptsFor,
  ReceiptParseError,
  sendWith,
} from "../../../lambdas/providers/index.js";
import type { OutgoingSms } from "../../../lambdas/providers/types.js";
import {
  asReceiptRequest,
  type GupshupSimulator,
  gupshupQueryReceipt,
  type KaleyraSimulator,
  kaleyraReceipt,
  sinchRecipientReport,
  startGupshupSimulator,
  startKaleyraSimulator,
} from "../../simulators/index.js";
import { connectorOf } from "../../support/connectors.js";

const sms: OutgoingSms = {
  messageId: "m1",
  phoneE164: "+919812345678",
  text: "hi",
  userId: "u1",
  attributes: {},
};
const ctx = { webhookUrl: "https://hooks.example/x", timeoutMs: 2_000 };
let gupshup: GupshupSimulator;
let kaleyra: KaleyraSimulator;

beforeAll(async () => {
  [gupshup, kaleyra] = await Promise.all([startGupshupSimulator(), startKaleyraSimulator()]);
});
afterAll(async () => {
  await Promise.all([gupshup.stop(), kaleyra.stop()]);
});

describe("sendWith", () => {
  it("routes to the provider's module", async () => {
    const g = await sendWith(
      connectorOf("gupshup", { userId: "u", password: "p", baseUrl: gupshup.url }),
      sms,
      ctx,
    );
    expect(g).toEqual({ kind: "sent", providerMessageId: gupshup.accepted.at(-1)?.providerMessageId });
    const k = await sendWith(
      connectorOf("kaleyra", { apiKey: "k", sender: "S", baseUrl: kaleyra.url }),
      sms,
      ctx,
    );
    expect(k).toEqual({ kind: "sent", providerMessageId: kaleyra.accepted.at(-1)?.providerMessageId });
  });
});

describe("parseReceiptsFor", () => {
  it("routes to the provider's parser", () => {
    const sinch = asReceiptRequest(
      sinchRecipientReport({ batchId: "b", recipient: "1", status: "Delivered" }),
    );
    expect(parseReceiptsFor(connectorOf("sinch"), sinch).receipts[0]?.status).toBe("DELIVERED");
    const gs = asReceiptRequest(gupshupQueryReceipt({ externalId: "1-2", status: "FAIL", errCode: "006" }));
    expect(parseReceiptsFor(connectorOf("gupshup"), gs).receipts[0]?.code).toBe("006");
    const ky = asReceiptRequest(kaleyraReceipt({ sid: "1", status: "DELIVRD", custom: "m1" }));
    expect(parseReceiptsFor(connectorOf("kaleyra"), ky).receipts[0]?.ref).toEqual({
      kind: "ours",
      messageId: "m1",
    });
  });

  it("needs the connector configuration for custom receipts", () => {
    const req = { method: "GET", query: { ref: "m1", status: "OK" }, headers: {}, body: "" };
    expect(() => parseReceiptsFor(connectorOf("custom"), req)).toThrow(ReceiptParseError);
    const config = {
      request: { method: "POST", url: "https://x.example" },
      receipt: { messageId: "ref", status: "status", delivered: ["OK"], failed: [] },
    };
    expect(parseReceiptsFor(connectorOf("custom", config), req).receipts[0]?.status).toBe("DELIVERED");
  });

  it("a receipt in another provider's format is rejected, not misread", () => {
    const gs = asReceiptRequest(gupshupQueryReceipt({ externalId: "1-2", status: "SUCCESS" }));
    expect(() => parseReceiptsFor(connectorOf("sinch"), gs)).toThrow(ReceiptParseError);
    expect(() => parseReceiptsFor(connectorOf("kaleyra"), gs)).toThrow(ReceiptParseError);
  });
});

describe("normalizeCode: one provider code, one string", () => {
  it.each([
    ["gupshup", [3, "3", "03", "003", " 003 "], "003"],
    ["gupshup", [0, "0", "000"], "000"],
    ["gupshup", ["00A", "00a", "a", " 0A"], "00a"],
    ["gupshup", [11, "11", "011"], "011"],
    ["gupshup", [175, "175", " 175 "], "175"],
    ["kaleyra", ["DNDNUMB", "dndnumb", " DndNumb "], "DNDNUMB"],
    ["kaleyra", ["a401b", "A401B"], "A401B"],
    ["sinch", [402, "402", "0402", " 402 "], "402"],
    ["sinch", [0, "0", "000"], "0"],
    [
      "sinch",
      ["syntax_invalid_parameter_format", " syntax_invalid_parameter_format "],
      "syntax_invalid_parameter_format",
    ],
    ["custom", [42, "42", " 42 "], "42"],
    ["custom", ["0042"], "0042"],
    ["custom", [" E42 ", "E42"], "E42"],
  ] as const)("%s: %j → %s", (provider, spellings, expected) => {
    for (const code of spellings) expect(normalizeCode(provider, code)).toBe(expected);
  });

  it.each(["gupshup", "kaleyra", "sinch", "custom"] as const)("%s: no code is null", (provider) => {
    for (const code of [undefined, null, "", "   ", {}, [], Number.NaN])
      expect(normalizeCode(provider, code)).toBeNull();
  });
});

describe("describeCode", () => {
  it("describes a code in any spelling the providers send", () => {
    expect(describeCode("gupshup", 3)).toBe("UNKNOWN_SUBSCRIBER");
    expect(describeCode("gupshup", " 00b ")).toBe("BLOCKED_MASK");
    expect(describeCode("sinch", 402)).toBe("unroutable");
    expect(describeCode("sinch", "0413")).toBe("blocked");
    expect(describeCode("kaleyra", "inv-number")).toBe("invalid number");
  });

  it("knows Gupshup, Sinch and Kaleyra codes", () => {
    expect(describeCode("gupshup", "003")).toBe("UNKNOWN_SUBSCRIBER");
    expect(describeCode("gupshup", "00A")).toBe("OTHER");
    expect(describeCode("gupshup", "038")).toBe("MSG_DOES_NOT_MATCH_TEMPLATE");
    expect(describeCode("sinch", "413")).toBe("blocked");
    expect(describeCode("sinch", "0")).toBeNull();
    expect(describeCode("kaleyra", "dndnumb")).toBe("number on the do-not-disturb registry");
    expect(describeCode("gupshup", "toString")).toBeNull();
    expect(describeCode("gupshup", null)).toBeNull();
  });
});
