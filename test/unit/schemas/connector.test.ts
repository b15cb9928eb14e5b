import { describe, expect, it } from "vitest";
import { missingCredentials, tracksDelivery } from "../../../lambdas/domain/connector.js";
import { SANDBOX_DEFAULTS } from "../../../lambdas/domain/sandbox.js";
import { asConnectorConfigInput, connectorInput } from "../../../lambdas/schemas/connector.js";
import type { FieldError } from "../../../lambdas/schemas/issues.js";
import { validate } from "../../../lambdas/schemas/validate.js";

function errors(body: unknown): FieldError[] {
  const result = validate(connectorInput, body);
  if (result.ok) throw new Error("expected the body to be rejected");
  return result.errors;
}

const customBlock = {
  request: {
    method: "POST",
    url: "https://sms.example/send",
    headers: { "X-Key": "k" },
    body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
  },
  response: { messageIdPointer: "/id", errorCodePointer: "/error/code" },
  receipt: {
    messageId: "ref",
    status: "status",
    errorCode: "err",
    time: "ts",
    delivered: ["DELIVERED"],
    failed: ["FAILED", "UNDELIVERED"],
    inTransit: ["SENT"],
  },
};

describe("connector body", () => {
  it("accepts each provider's documented shape and fills the defaults", () => {
    const shapes = [
      {
        provider: "gupshup",
        gupshup: { userId: "u", password: "p", mask: "ACME", baseUrl: "https://gs.example" },
      },
      {
        provider: "sinch",
        sinch: {
          servicePlanId: "sp",
          apiToken: "t",
          from: "ACME",
          baseUrl: "https://s.example",
          webhookSecret: "w",
        },
      },
      { provider: "kaleyra", kaleyra: { apiKey: "k", sender: "ACME", baseUrl: "http://k.example/v4/" } },
      { provider: "custom", deliveryTracking: true, custom: customBlock },
      {
        provider: "custom",
        custom: { request: { method: "GET", url: "https://sms.example/send?to={{phone}}" } },
      },
    ];
    for (const shape of shapes) {
      const result = validate(connectorInput, shape);
      expect(result.ok, JSON.stringify(shape)).toBe(true);
      if (result.ok) {
        expect(result.value.sendRatePerSecond).toBe(20);
        expect(result.value.timeoutMs).toBe(10000);
      }
    }
  });

  it("turns delivery tracking on for integrated providers and off by default for custom", () => {
    const gs = validate(connectorInput, { provider: "gupshup", gupshup: { userId: "u", password: "p" } });
    const custom = validate(connectorInput, { provider: "custom", custom: { request: customBlock.request } });
    expect(gs.ok && gs.value.deliveryTracking).toBe(true);
    expect(custom.ok && custom.value.deliveryTracking).toBe(false);
    if (gs.ok && custom.ok) {
      expect(tracksDelivery(gs.value)).toBe(true);
      expect(tracksDelivery(custom.value)).toBe(false);
    }
  });

  it("rejects an unknown or missing provider, listing the valid ones", () => {
    expect(errors({ provider: "twilio" })).toEqual([
      { field: "provider", problem: 'must be one of "gupshup", "sinch", "kaleyra", "custom", "sandbox"' },
    ]);
    expect(errors({ gupshup: { userId: "u", password: "p" } })[0]?.field).toBe("provider");
  });

  it("requires the block matching the provider and rejects a mismatched one", () => {
    expect(errors({ provider: "gupshup", sinch: { servicePlanId: "sp", apiToken: "t", from: "A" } })).toEqual(
      expect.arrayContaining([
        { field: "gupshup", problem: 'is required when provider is "gupshup"' },
        { field: "sinch", problem: "is not a recognised field" },
      ]),
    );
    expect(errors({ provider: "custom" })).toEqual([
      { field: "custom", problem: 'is required when provider is "custom"' },
    ]);
  });

  it("names missing credentials inside the block", () => {
    // Credentials may be omitted on an update (the stored ones are kept): a create without them is
    // refused by the configuration flow, naming the field the same way.
    const input = connectorInput.parse({ provider: "sinch", sinch: { servicePlanId: "sp", from: "A" } });
    expect(missingCredentials(asConnectorConfigInput(input))).toEqual(["sinch.apiToken"]);
    expect(errors({ provider: "kaleyra", kaleyra: { apiKey: "k" } })).toEqual([
      { field: "kaleyra.sender", problem: "is required" },
    ]);
  });

  it("requires http(s) base URLs and request URLs", () => {
    expect(
      errors({ provider: "gupshup", gupshup: { userId: "u", password: "p", baseUrl: "ftp://x" } }),
    ).toEqual([{ field: "gupshup.baseUrl", problem: "must be an absolute http:// or https:// URL" }]);
    expect(
      errors({ provider: "custom", custom: { request: { method: "POST", url: "javascript:alert(1)" } } }),
    ).toEqual([{ field: "custom.request.url", problem: "must be an absolute http:// or https:// URL" }]);
  });

  it("allows only GET, POST and PUT requests", () => {
    expect(
      errors({ provider: "custom", custom: { request: { method: "DELETE", url: "https://x.example" } } }),
    ).toEqual([{ field: "custom.request.method", problem: 'must be one of "GET", "POST", "PUT"' }]);
  });

  it("requires a receipt mapping when delivery tracking is on", () => {
    expect(
      errors({ provider: "custom", deliveryTracking: true, custom: { request: customBlock.request } }),
    ).toEqual([
      { field: "custom.receipt", problem: expect.stringContaining("required when deliveryTracking is true") },
    ]);
  });

  it("requires at least one delivered and one failed status, each in one list only", () => {
    const receipt = { ...customBlock.receipt, delivered: [], failed: ["FAILED", "SENT"] };
    expect(
      errors({ provider: "custom", deliveryTracking: true, custom: { ...customBlock, receipt } }),
    ).toEqual(
      expect.arrayContaining([{ field: "custom.receipt.delivered", problem: "must have at least 1 item" }]),
    );
    const overlapping = { ...customBlock.receipt, failed: ["FAILED", "SENT"] };
    expect(
      errors({
        provider: "custom",
        deliveryTracking: true,
        custom: { ...customBlock, receipt: overlapping },
      }),
    ).toEqual([{ field: "custom.receipt.inTransit", problem: 'status "SENT" is also listed in failed' }]);
  });

  it("accepts a receipt time format and IANA time zone, and rejects others or one without time", () => {
    const receipt = { ...customBlock.receipt, timeFormat: "smpp", timeZone: "Asia/Kolkata" };
    const body = { provider: "custom", deliveryTracking: true, custom: { ...customBlock, receipt } };
    const ok = validate(connectorInput, body);
    expect(ok.ok && ok.value.provider === "custom" && ok.value.custom.receipt).toMatchObject({
      timeFormat: "smpp",
      timeZone: "Asia/Kolkata",
    });
    const bad = { ...customBlock.receipt, timeFormat: "yyMMdd", timeZone: "India/Mumbai" };
    expect(errors({ ...body, custom: { ...customBlock, receipt: bad } })).toEqual([
      { field: "custom.receipt.timeFormat", problem: expect.stringContaining('"smpp"') },
      { field: "custom.receipt.timeZone", problem: "must be an IANA time zone such as Asia/Kolkata or UTC" },
    ]);
    const { time: _time, ...noTime } = receipt;
    expect(errors({ ...body, custom: { ...customBlock, receipt: noTime } })).toEqual([
      { field: "custom.receipt.timeFormat", problem: expect.stringContaining("only used with time") },
      { field: "custom.receipt.timeZone", problem: expect.stringContaining("only used with time") },
    ]);
  });

  it("checks JSON pointers", () => {
    expect(
      errors({
        provider: "custom",
        custom: {
          request: customBlock.request,
          response: { messageIdPointer: "id", errorCodePointer: "/a~2" },
        },
      }),
    ).toEqual([
      { field: "custom.response.messageIdPointer", problem: expect.stringContaining("JSON pointer") },
      { field: "custom.response.errorCodePointer", problem: expect.stringContaining("JSON pointer") },
    ]);
  });

  it("bounds sendRatePerSecond and timeoutMs", () => {
    const base = { provider: "kaleyra", kaleyra: { apiKey: "k", sender: "S" } };
    expect(errors({ ...base, sendRatePerSecond: 0, timeoutMs: 30001 })).toEqual([
      { field: "sendRatePerSecond", problem: "must be at least 1" },
      { field: "timeoutMs", problem: "must be at most 30000" },
    ]);
    expect(errors({ ...base, sendRatePerSecond: 1001, timeoutMs: 99 })).toEqual([
      { field: "sendRatePerSecond", problem: "must be at most 1000" },
      { field: "timeoutMs", problem: "must be at least 100" },
    ]);
    expect(errors({ ...base, sendRatePerSecond: 2.5 })).toEqual([
      { field: "sendRatePerSecond", problem: "must be an integer, not a number" },
    ]);
  });

  it("refuses to turn delivery tracking off for an integrated provider", () => {
    expect(
      errors({
        provider: "sinch",
        deliveryTracking: false,
        sinch: { servicePlanId: "s", apiToken: "t", from: "A" },
      }),
    ).toEqual([
      { field: "deliveryTracking", problem: expect.stringContaining("always on for integrated providers") },
    ]);
  });
});

describe("sandbox connector body", () => {
  it("needs nothing but the provider, and fills every setting with its realistic default", () => {
    for (const body of [{ provider: "sandbox" }, { provider: "sandbox", sandbox: {} }]) {
      const result = validate(connectorInput, body);
      expect(result.ok).toBe(true);
      if (!result.ok || result.value.provider !== "sandbox") continue;
      expect(result.value.deliveryTracking).toBe(true);
      expect(result.value.sendRatePerSecond).toBe(20);
      expect(result.value.timeoutMs).toBe(10000);
      expect(result.value.sandbox).toEqual({
        deliveryRate: 0.9,
        stuckRate: 0.02,
        failures: SANDBOX_DEFAULTS.failures,
        delaySeconds: { median: 5, p90: 30, max: 600 },
        inTransitReceipts: true,
      });
      expect(tracksDelivery(result.value)).toBe(true);
    }
  });

  it("takes each setting, a failure's status defaulting to Failed", () => {
    const result = validate(connectorInput, {
      provider: "sandbox",
      sandbox: {
        deliveryRate: 1,
        stuckRate: 0,
        failures: [{ code: 6, weight: 2.5 }],
        delaySeconds: { median: 2, p90: 10, max: 60 },
        inTransitReceipts: false,
      },
      sendRatePerSecond: 100,
    });
    expect(result.ok && result.value.provider === "sandbox" && result.value.sandbox).toEqual({
      deliveryRate: 1,
      stuckRate: 0,
      failures: [{ code: 6, status: "Failed", weight: 2.5 }],
      delaySeconds: { median: 2, p90: 10, max: 60 },
      inTransitReceipts: false,
    });
  });

  it("names every setting out of range", () => {
    expect(
      errors({
        provider: "sandbox",
        sandbox: {
          deliveryRate: 1.5,
          stuckRate: -0.1,
          failures: [{ code: -1, status: "Lost", weight: 0, description: "" }],
          delaySeconds: { median: 0, max: 86_401 },
          inTransitReceipts: "yes",
        },
      }),
    ).toEqual(
      expect.arrayContaining([
        { field: "sandbox.deliveryRate", problem: "must be at most 1" },
        { field: "sandbox.stuckRate", problem: "must be at least 0" },
        { field: "sandbox.failures[0].code", problem: "must be at least 0" },
        { field: "sandbox.failures[0].status", problem: expect.stringContaining('must be one of "Failed"') },
        { field: "sandbox.failures[0].weight", problem: "must be greater than 0" },
        { field: "sandbox.failures[0].description", problem: "must be at least 1 character long" },
        { field: "sandbox.delaySeconds.median", problem: "must be at least 1" },
        { field: "sandbox.delaySeconds.max", problem: "must be at most 86400" },
        { field: "sandbox.inTransitReceipts", problem: "must be a boolean, not a string" },
      ]),
    );
    expect(errors({ provider: "sandbox", sandbox: { failures: [] } })).toEqual([
      { field: "sandbox.failures", problem: "must have at least 1 item" },
    ]);
    expect(errors({ provider: "sandbox", sandbox: { failures: [{ code: 1.5, weight: 1 }] } })).toEqual([
      { field: "sandbox.failures[0].code", problem: "must be an integer, not a number" },
    ]);
  });

  it("requires median ≤ p90 ≤ max, distinct failure codes, and no in-transit code as a failure", () => {
    expect(errors({ provider: "sandbox", sandbox: { delaySeconds: { median: 60 } } })).toEqual([
      { field: "sandbox.delaySeconds.p90", problem: "must be at least median (60)" },
    ]);
    expect(errors({ provider: "sandbox", sandbox: { delaySeconds: { p90: 40, max: 20 } } })).toEqual([
      { field: "sandbox.delaySeconds.max", problem: "must be at least p90 (40)" },
    ]);
    expect(
      errors({
        provider: "sandbox",
        sandbox: {
          failures: [
            { code: 5, weight: 1 },
            { code: 401, weight: 1 },
            { code: 5, status: "Expired", weight: 1 },
          ],
        },
      }),
    ).toEqual([
      { field: "sandbox.failures[1].code", problem: "401 is Sinch's code for Dispatched, not a failure" },
      {
        field: "sandbox.failures[2].code",
        problem: "5 is already used by failures[0]; each code has one meaning",
      },
    ]);
  });

  it("refuses unknown settings, turning delivery tracking off, and another provider's block", () => {
    expect(errors({ provider: "sandbox", sandbox: { latency: 3 } })).toEqual([
      { field: "sandbox.latency", problem: "is not a recognised field" },
    ]);
    expect(errors({ provider: "sandbox", deliveryTracking: false })[0]?.field).toBe("deliveryTracking");
    expect(errors({ provider: "sandbox", custom: customBlock })).toEqual([
      { field: "custom", problem: "is not a recognised field" },
    ]);
  });
});

describe("connector pricing", () => {
  const sandbox = (pricing: unknown) => ({ provider: "sandbox", pricing });
  const ok = (body: unknown) => {
    const result = validate(connectorInput, body);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.value;
  };

  it("takes a currency, a price per segment and prices by country as exact decimal strings, on any provider", () => {
    const pricing = { currency: "USD", perSegment: "0.0075", byCountry: { IN: "0.0021", US: "0" } };
    expect(ok(sandbox(pricing)).pricing).toEqual(pricing);
    expect(ok({ provider: "custom", custom: customBlock, deliveryTracking: true, pricing }).pricing).toEqual(
      pricing,
    );
    expect(ok(sandbox({ currency: "INR", perSegment: "0.25" })).pricing).toEqual({
      currency: "INR",
      perSegment: "0.25",
    });
    expect(ok({ provider: "sandbox" }).pricing).toBeUndefined();
  });

  it("names a price that is a number, negative, or not a plain decimal", () => {
    for (const perSegment of [
      0.0075,
      "-0.01",
      "1e-3",
      "0,0075",
      ".5",
      "",
      " 1",
      "1234567890",
      "0.00000000001",
    ]) {
      const e = errors(sandbox({ currency: "USD", perSegment }));
      expect(e).toHaveLength(1);
      expect(e[0]?.field).toBe("pricing.perSegment");
      expect(e[0]?.problem).toMatch(/decimal string/);
    }
    expect(errors(sandbox({ currency: "USD", perSegment: "1", byCountry: { IN: "-1" } }))).toEqual([
      expect.objectContaining({ field: "pricing.byCountry.IN" }),
    ]);
  });

  it("requires an ISO-4217 currency and ISO 3166-1 alpha-2 countries in capitals", () => {
    expect(errors(sandbox({ currency: "usd", perSegment: "1" }))[0]?.field).toBe("pricing.currency");
    expect(errors(sandbox({ currency: "XYZ", perSegment: "1" }))[0]?.field).toBe("pricing.currency");
    expect(errors(sandbox({ perSegment: "1" }))[0]?.field).toBe("pricing.currency");
    expect(errors(sandbox({ currency: "USD" }))[0]?.field).toBe("pricing.perSegment");
    for (const country of ["in", "IND", "ZZ", "EU", ""]) {
      const e = errors(sandbox({ currency: "USD", perSegment: "1", byCountry: { [country]: "1" } }));
      expect(e[0]?.field).toMatch(/^pricing\.byCountry/);
      expect(e[0]?.problem).toMatch(/ISO 3166-1 alpha-2/);
    }
    expect(errors(sandbox({ currency: "USD", perSegment: "1", perMessage: "1" }))[0]?.field).toMatch(
      /pricing/,
    );
  });
});
