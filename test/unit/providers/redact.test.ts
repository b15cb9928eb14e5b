import { describe, expect, it } from "vitest";
import { parseReceiptsFor } from "../../../lambdas/providers/index.js";
import { redactPhones } from "../../../lambdas/providers/redact.js";
import {
  asReceiptRequest,
  gupshupPostReceipt,
  gupshupQueryReceipt,
  kaleyraReceipt,
} from "../../simulators/index.js";
import { connectorOf } from "../../support/connectors.js";

describe("phone numbers are dropped from receipts before they are queued", () => {
  it("Gupshup GET (untrimmed keys) and POST, Kaleyra GET: no phone left, same parse result", () => {
    const cases = [
      [
        "gupshup",
        asReceiptRequest(
          gupshupQueryReceipt(
            { externalId: "1-2", status: "SUCCESS", phoneNo: "+919812345678" },
            { straySpaces: true },
          ),
        ),
      ],
      [
        "gupshup",
        asReceiptRequest(
          gupshupPostReceipt([{ externalId: "1-2", eventType: "DELIVERED", destAddr: 919812345678 }], {
            wrap: true,
          }),
        ),
      ],
      [
        "kaleyra",
        asReceiptRequest(
          kaleyraReceipt({ sid: "4422:1", status: "DELIVRD", custom: "mAbc", mobile: "919812345678" }),
        ),
      ],
    ] as const;
    for (const [provider, request] of cases) {
      const redacted = redactPhones(provider, request);
      expect(JSON.stringify(redacted)).not.toContain("9812345678");
      expect(parseReceiptsFor(connectorOf(provider), redacted)).toEqual(
        parseReceiptsFor(connectorOf(provider), request),
      );
    }
  });

  it("leaves a body that is not JSON for the parser to judge", () => {
    const request = { method: "POST", query: {}, headers: {}, body: "not json" };
    expect(redactPhones("gupshup", request)).toEqual(request);
  });
});
