import { z } from "zod";
import { PROVIDERS } from "./connector.js";

/** Response shapes, for the OpenAPI document only (handlers build them from typed records). */

export const errorBody = z.object({
  error: z.object({
    code: z.string().meta({ example: "VALIDATION_FAILED" }),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), problem: z.string() })),
  }),
});

export const appResponse = z.object({
  appId: z.string().meta({ description: "The app's id" }),
  name: z.string().meta({ description: "Display name" }),
  timezone: z.string().meta({ description: "IANA time zone of every day boundary and series" }),
  currency: z.string().meta({ description: "ISO-4217 currency of revenue" }),
  createdAt: z.string().meta({ description: "ISO-8601" }),
  updatedAt: z.string().meta({ description: "ISO-8601" }),
  dataSince: z.string().nullable().meta({
    description: "When the app first sent or received events; from then on timezone and currency are fixed",
  }),
  apiKey: z.string().optional().meta({ description: "Only in the 201 of a create; shown once." }),
});

export const apiKeyIssued = z.object({
  appId: z.string().meta({ description: "The app's id" }),
  apiKey: z.string().meta({ description: "The new key, shown once; the previous one no longer works" }),
  apiKeyNote: z.string(),
});

export const connectorResponse = z.object({
  appId: z.string(),
  connectorId: z.string(),
  provider: z.enum(PROVIDERS),
  deliveryTracking: z.boolean(),
  sendRatePerSecond: z.number(),
  timeoutMs: z.number(),
  pricing: z
    .object({
      currency: z.string(),
      perSegment: z.string(),
      byCountry: z.record(z.string(), z.string()).optional(),
    })
    .nullable()
    .meta({ description: "Prices per SMS segment (exact decimal strings) as set now; null when none" }),
  settings: z
    .record(z.string(), z.string())
    .meta({ description: "Non-secret settings at a glance (sender, endpoint)" }),
  credentials: z.literal("stored").meta({ description: "Credentials are stored and never returned" }),
  archived: z.boolean().meta({ description: "Archived: no live campaign may use it" }),
  archivedAt: z.string().nullable().meta({ description: "ISO-8601, or null" }),
  webhookUrl: z
    .string()
    .nullable()
    .meta({ description: "Holds the secret token: returned on create and rotation only, else null" }),
  webhookUrlNote: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const campaignResponse = z.object({
  appId: z.string(),
  campaignId: z.string(),
  name: z.string(),
  connectorId: z.string(),
  provider: z.enum(PROVIDERS),
  clickTracking: z.boolean(),
  conversionWindowHours: z.number(),
  goals: z.array(z.object({ goalId: z.string(), eventName: z.string(), primary: z.boolean() }).loose()),
  primaryGoalId: z.string(),
  revenueGoalId: z.string().nullable(),
  attributionBasis: z.enum(["delivered", "sent"]),
  controlGroupPercent: z.number().meta({
    description:
      "Share of users held back as a control group, percent 0–50 (fixed once the campaign has sent)",
  }),
  variants: z
    .array(z.object({ variantId: z.string(), weight: z.number() }))
    .nullable()
    .meta({
      description:
        'The variants the first sends request fixed (a plain message is "default" 100), or null before the campaign sent',
    }),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z
    .string()
    .nullable()
    .meta({ description: "ISO-8601 when archived (sends refused), else null" }),
});

const headline = z
  .object({
    sent: z.number(),
    failedToSend: z.number(),
    delivered: z.number(),
    failedToDeliver: z.number(),
    deliveryRate: z.number().nullable(),
    clicks: z.number(),
    uniqueClicks: z.number(),
    conversions: z.number(),
    conversionRate: z.number().nullable(),
    revenue: z.string(),
    cost: z.string().nullable().meta({ description: "cost.total" }),
    costCurrency: z.string().nullable().meta({ description: "cost.currency" }),
    returnOnSpend: z.number().nullable().meta({ description: "cost.returnOnSpend" }),
    provisional: z.boolean().meta({ description: "Numbers may still move (open windows, awaited receipts)" }),
  })
  .loose()
  .meta({ description: "All-time headline numbers (definitions: the analytics fields of the same names)" });

export const campaignList = z.object({
  appId: z.string(),
  currency: z.string().meta({ description: "The app's currency (revenue figures)" }),
  timezone: z.string(),
  campaigns: z.array(
    campaignResponse
      .extend({
        archived: z.boolean(),
        sandbox: z.boolean().meta({
          description: "True when the campaign's connector is a sandbox connector (simulated receipts)",
        }),
        headline,
      })
      .loose(),
  ),
});

export const connectorList = z.object({ appId: z.string(), connectors: z.array(connectorResponse.loose()) });

export const instanceList = z.object({
  appId: z.string(),
  campaignId: z.string(),
  instances: z.array(
    z.object({
      instanceId: z.string(),
      firstSendAt: z.string().meta({ description: "ISO-8601: the first sends request of the instance" }),
      lastSendAt: z.string().meta({ description: "ISO-8601: the last sends request of the instance" }),
      headline,
    }),
  ),
});

export const sendsAccepted = z.object({
  instanceId: z.string(),
  accepted: z
    .number()
    .int()
    .meta({ description: "Users newly claimed by this request (heldBack ones included)" }),
  duplicates: z
    .number()
    .int()
    .meta({ description: "Users this instance had claimed already, or named twice in the request" }),
  heldBack: z.number().int().meta({
    description:
      "Of the accepted users, those in the campaign's control group: never sent, counted in experiment.controlGroup",
  }),
});

export const eventsAccepted = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

const money = z.string().meta({ description: "Exact decimal string" });

/** The `cost` section (domain/cost.ts `CostSection`; definitions in the metric dictionary). */
const cost = z.object({
  segments: z.number().int().meta({ description: "SMS segments of every message counted as sent" }),
  currency: z
    .string()
    .nullable()
    .meta({ description: "Currency of total; null when priced in several currencies or not priced" }),
  total: money.nullable().meta({
    description:
      "Exact cost (never rounded; at least the currency's minor digits); null when currency is null",
  }),
  perDelivered: money.nullable().meta({ description: "total ÷ delivered (minor digits + 4, half-even)" }),
  perConversion: money.nullable().meta({ description: "total ÷ conversions (minor digits + 4, half-even)" }),
  returnOnSpend: z
    .number()
    .nullable()
    .meta({ description: "revenue ÷ cost, 2 decimals; null unless both are in the app's currency" }),
  unpricedSegments: z
    .number()
    .int()
    .meta({ description: "Segments sent through a connector without pricing (cost unknown)" }),
  byCurrency: z.array(z.object({ currency: z.string(), segments: z.number().int(), total: money })),
});

export const analyticsResponse = z
  .object({
    appId: z.string(),
    campaignId: z.string(),
    instanceId: z.string().nullable(),
    timezone: z.string(),
    currency: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    delivery: z.object({}).loose(),
    clicks: z.object({}).loose(),
    conversions: z.object({}).loose(),
    revenue: z.object({}).loose(),
    goals: z.array(z.object({}).loose()),
    failures: z.object({}).loose(),
    series: z.array(
      z
        .object({
          segments: z.number().int().meta({ description: "Segments of the messages sent that day" }),
          cost: money
            .nullable()
            .meta({ description: "Their exact cost in cost.currency; null when it is null" }),
        })
        .loose(),
    ),
    cost,
    experiment: z.object({}).loose().nullable().meta({
      description:
        "Variants and control group with uplift; null without an experiment (see the metric dictionary)",
    }),
  })
  .loose();

export const health = z.object({ status: z.literal("ok") });
