import { z } from "zod";
import type { ConnectorConfigInput, ProviderName, SandboxFailureStatus } from "../domain/connector.js";
import { PRICE_COUNTRIES, PRICE_PATTERN } from "../domain/cost.js";
import { SANDBOX_DEFAULTS, SANDBOX_MAX_DELAY_SECONDS, SANDBOX_MIN_DELAY_SECONDS } from "../domain/sandbox.js";
import { currency, httpUrl, timezone } from "./common.js";

/** Provider names, for the request and response schemas (the domain's `ProviderName`, as a list). */
export const PROVIDERS = [
  "gupshup",
  "sinch",
  "kaleyra",
  "custom",
  "sandbox",
] as const satisfies readonly ProviderName[];
export type Provider = ProviderName;

const secret = z.string().min(1).max(1024);
/** A credential: required when the connector is created; an update may omit it to keep the stored one. */
const credential = secret.optional().meta({
  description: "A credential: required on create; omit on update to keep the stored value. Never returned.",
});
const setting = z.string().min(1).max(256);

/** RFC 6901: empty (the whole document) or `/`-separated tokens where `~` only appears as `~0`/`~1`. */
const jsonPointer = z
  .string()
  .max(512)
  .regex(/^(\/([^~/]|~[01])*)*$/, { error: "must be a JSON pointer such as /id or /error/code" });

/** A price: an exact decimal string, never a JSON number (0.1 + 0.2 must stay 0.3). */
const price = z
  .string({ error: 'must be a decimal string such as "0.0075" (a string, so it stays exact)' })
  .regex(PRICE_PATTERN, {
    error:
      'must be a non-negative decimal string such as "0.0075" (up to 9 digits before the point, 10 after)',
  });

/** Prices per SMS segment (domain/cost.ts): applied when each message is sent, never to past sends. */
const pricing = z
  .strictObject({
    currency: currency.meta({ description: "ISO-4217 currency of the prices, e.g. USD" }),
    perSegment: price.meta({ description: 'Price of one SMS segment, e.g. "0.0075"' }),
    byCountry: z
      .record(z.string(), price)
      // Checked here rather than on the key schema, so the problem names the key (zod's own says "Invalid key").
      .superRefine((prices, ctx) => {
        for (const country of Object.keys(prices)) {
          if (PRICE_COUNTRIES.has(country)) continue;
          ctx.addIssue({
            code: "custom",
            path: [country],
            message: "must be an ISO 3166-1 alpha-2 country code in capitals, such as IN or US",
          });
        }
      })
      .optional()
      .meta({
        description:
          "Price of one segment by the ISO 3166-1 alpha-2 country of the recipient's number (libphonenumber-js); " +
          "other countries pay perSegment",
      }),
  })
  .meta({
    description:
      "Prices per SMS segment, frozen on each message when it is sent (a later change never rewrites past cost)",
  });

/** Settings every connector has. */
const common = {
  pricing: pricing.optional(),
  sendRatePerSecond: z.number().int().min(1).max(1000).default(20),
  timeoutMs: z.number().int().min(100).max(30000).default(10000),
  /** Write-only switch: issue a new webhook token (the old URL stops working). */
  rotateWebhookToken: z.boolean().optional(),
};

/** Integrated providers always report delivery; saying otherwise is a mistake worth naming. */
const integratedTracking = z
  .literal(true, { error: "is always on for integrated providers; only custom connectors can turn it off" })
  .default(true);

function block<T extends z.ZodType>(provider: Provider, schema: T): T {
  return schema.meta({
    description: `Settings for provider "${provider}"; required when provider is "${provider}"`,
  });
}

function requiredBlock(provider: Provider): { error: (issue: { input: unknown }) => string | undefined } {
  return {
    error: (issue) => (issue.input === undefined ? `is required when provider is "${provider}"` : undefined),
  };
}

const gupshup = z.strictObject({
  provider: z.literal("gupshup"),
  deliveryTracking: integratedTracking,
  gupshup: block(
    "gupshup",
    z.strictObject(
      { userId: setting, password: credential, mask: setting.optional(), baseUrl: httpUrl.optional() },
      requiredBlock("gupshup"),
    ),
  ),
  ...common,
});

const sinch = z.strictObject({
  provider: z.literal("sinch"),
  deliveryTracking: integratedTracking,
  sinch: block(
    "sinch",
    z.strictObject(
      {
        servicePlanId: setting.optional().meta({
          description:
            "Sinch service plan id: required on create; omit on update to keep the stored value. Never returned.",
        }),
        apiToken: credential,
        from: setting,
        baseUrl: httpUrl.optional(),
        webhookSecret: secret.optional(),
      },
      requiredBlock("sinch"),
    ),
  ),
  ...common,
});

const kaleyra = z.strictObject({
  provider: z.literal("kaleyra"),
  deliveryTracking: integratedTracking,
  kaleyra: block(
    "kaleyra",
    z.strictObject(
      { apiKey: credential, sender: setting, baseUrl: httpUrl.optional() },
      requiredBlock("kaleyra"),
    ),
  ),
  ...common,
});

const statusList = z.array(z.string().min(1).max(128)).min(1).max(50);

/** How the receipt writes `time` (see timeMs in providers/receipt-input.ts for the exact rules). */
const timeFormat = z.enum(["epochSeconds", "epochMillis", "iso8601", "smpp"]).meta({
  description:
    "epochSeconds, epochMillis, iso8601 (offset, else timeZone) or smpp (done date YYMMDDhhmm[ss] in timeZone); " +
    "without it only ISO-8601 with an offset, 13-digit epoch ms and 10-digit epoch seconds are read",
});

const receiptMapping = z.strictObject({
  messageId: setting,
  status: setting,
  errorCode: setting.optional(),
  time: setting.optional(),
  timeFormat: timeFormat.optional(),
  /** Zone of SMPP dates and of ISO times without an offset; default UTC. */
  timeZone: timezone.optional(),
  delivered: statusList,
  failed: statusList,
  inTransit: statusList.optional(),
});

const customBlock = z.strictObject(
  {
    request: z.strictObject({
      method: z.enum(["GET", "POST", "PUT"]),
      url: httpUrl,
      headers: z.record(z.string().min(1).max(256), z.string().max(4096)).optional(),
      body: z.string().max(16384).optional(),
    }),
    response: z
      .strictObject({ messageIdPointer: jsonPointer.optional(), errorCodePointer: jsonPointer.optional() })
      .optional(),
    receipt: receiptMapping.optional(),
  },
  requiredBlock("custom"),
);

const custom = z
  .strictObject({
    provider: z.literal("custom"),
    deliveryTracking: z.boolean().default(false),
    custom: block("custom", customBlock),
    ...common,
  })
  .superRefine((value, ctx) => {
    const receipt = value.custom.receipt;
    if (value.deliveryTracking && !receipt) {
      ctx.addIssue({
        code: "custom",
        path: ["custom", "receipt"],
        message:
          "is required when deliveryTracking is true (where the message id and status are in a receipt)",
      });
    }
    if (!receipt) return;
    // A time format or zone without a time field would silently do nothing.
    for (const field of ["timeFormat", "timeZone"] as const) {
      if (receipt[field] !== undefined && receipt.time === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["custom", "receipt", field],
          message: "is only used with time (the field that holds the receipt's time)",
        });
      }
    }
    // A status value in two lists would make the receipt's meaning depend on evaluation order.
    const seen = new Map<string, string>();
    for (const list of ["delivered", "failed", "inTransit"] as const) {
      for (const status of receipt[list] ?? []) {
        const other = seen.get(status);
        if (other && other !== list) {
          ctx.addIssue({
            code: "custom",
            path: ["custom", "receipt", list],
            message: `status "${status}" is also listed in ${other}`,
          });
        }
        seen.set(status, list);
      }
    }
  });

const FAILURE_STATUSES = [
  "Failed",
  "Rejected",
  "Expired",
  "Deleted",
  "Aborted",
  "Cancelled",
  "Unknown",
] as const satisfies readonly SandboxFailureStatus[];

/** Sinch's codes of its intermediate statuses (400 Queued, 401 Dispatched): never a final failure's. */
const IN_TRANSIT_CODES = new Set([400, 401]);

const rate = (what: string) => z.number().min(0).max(1).meta({ description: what });
const delay = (what: string, fallback: number) =>
  z
    .number()
    .min(SANDBOX_MIN_DELAY_SECONDS)
    .max(SANDBOX_MAX_DELAY_SECONDS)
    .default(fallback)
    .meta({ description: `${what}, seconds (${SANDBOX_MIN_DELAY_SECONDS}–${SANDBOX_MAX_DELAY_SECONDS})` });

const sandboxFailure = z.strictObject({
  code: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .meta({
      description:
        "The receipt's code, an integer as Sinch sends it: its own 402–413 (with status Aborted) or an operator " +
        "code; counted under failures by code. Unique within failures; not 400 or 401 (Queued, Dispatched)",
    }),
  status: z.enum(FAILURE_STATUSES).default("Failed").meta({
    description:
      "Sinch's final status the receipt reports; all count as failed to deliver (Unknown as code UNKNOWN)",
  }),
  description: z.string().min(1).max(256).optional().meta({
    description: "Shown with the code in failures by code; default Sinch's own description or the status",
  }),
  weight: z.number().positive().max(1_000_000).meta({
    description: "Relative weight among the failures: its share is weight ÷ the sum of all weights",
  }),
});

const sandboxBlock = z
  .strictObject({
    deliveryRate: rate(
      "Share of final receipts that report delivery, 0–1; the rest report one of failures",
    ).default(SANDBOX_DEFAULTS.deliveryRate),
    stuckRate: rate("Share of sent messages that never get a final receipt and stay in transit, 0–1").default(
      SANDBOX_DEFAULTS.stuckRate,
    ),
    failures: z
      .array(sandboxFailure)
      .min(1)
      .max(50)
      .default(() => SANDBOX_DEFAULTS.failures.map((f) => ({ ...f })))
      .meta({
        description:
          "How undelivered messages fail, by weight; default: operator codes (absent or unknown subscriber, " +
          "call barred, …) and Sinch's abort codes, modelled on a Sinch account",
      }),
    delaySeconds: z
      .strictObject({
        median: delay(
          "Half of the final receipts come sooner than this",
          SANDBOX_DEFAULTS.delaySeconds.median,
        ),
        p90: delay("90% of the final receipts come sooner than this", SANDBOX_DEFAULTS.delaySeconds.p90),
        max: delay("No final receipt comes later than this", SANDBOX_DEFAULTS.delaySeconds.max),
      })
      .prefault({})
      .meta({
        description:
          "Time from send to final receipt: log-normal through median and p90, capped at max; median ≤ p90 ≤ max",
      }),
    inTransitReceipts: z.boolean().default(SANDBOX_DEFAULTS.inTransitReceipts).meta({
      description: "Send a Dispatched (in transit) receipt 1–3 s after the send, before the final one",
    }),
  })
  .superRefine((value, ctx) => {
    const { median, p90, max } = value.delaySeconds;
    if (p90 < median) {
      ctx.addIssue({
        code: "custom",
        path: ["delaySeconds", "p90"],
        message: `must be at least median (${median})`,
      });
    }
    if (max < p90) {
      ctx.addIssue({
        code: "custom",
        path: ["delaySeconds", "max"],
        message: `must be at least p90 (${p90})`,
      });
    }
    const seen = new Map<number, number>();
    value.failures.forEach((failure, i) => {
      if (IN_TRANSIT_CODES.has(failure.code)) {
        ctx.addIssue({
          code: "custom",
          path: ["failures", i, "code"],
          message: `${failure.code} is Sinch's code for ${failure.code === 400 ? "Queued" : "Dispatched"}, not a failure`,
        });
      }
      const first = seen.get(failure.code);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["failures", i, "code"],
          message: `${failure.code} is already used by failures[${first}]; each code has one meaning`,
        });
      } else seen.set(failure.code, i);
    });
  });

const sandbox = z.strictObject({
  provider: z.literal("sandbox"),
  deliveryTracking: integratedTracking,
  sandbox: sandboxBlock.prefault({}).meta({
    description:
      'Settings for provider "sandbox" (every field optional): accepts sends and returns receipts in Sinch\'s ' +
      "format through this connector's webhook URL",
  }),
  ...common,
});

/** `PUT /v1/apps/{appId}/connectors/{connectorId}`: exactly the provider block matching `provider`. */
export const connectorInput = z.discriminatedUnion("provider", [gupshup, sinch, kaleyra, custom, sandbox]);

export type ConnectorInput = z.output<typeof connectorInput>;

/** The request body is exactly the domain's connector input (a compile-time check; no runtime cost). */
export const asConnectorConfigInput = (
  input: ConnectorInput,
): ConnectorConfigInput & { rotateWebhookToken?: boolean } => input;
