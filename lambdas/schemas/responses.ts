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
  appId: z.string(),
  name: z.string(),
  timezone: z.string(),
  currency: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  apiKey: z.string().optional().meta({ description: "Only in the 201 of a create; shown once." }),
});

export const connectorResponse = z.object({
  appId: z.string(),
  connectorId: z.string(),
  provider: z.enum(PROVIDERS),
  deliveryTracking: z.boolean(),
  sendRatePerSecond: z.number(),
  timeoutMs: z.number(),
  settings: z.record(z.string(), z.string()).meta({ description: "Non-secret settings only" }),
  credentials: z.literal("stored"),
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
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const campaignList = z.object({
  appId: z.string(),
  campaigns: z.array(
    campaignResponse.extend({
      sandbox: z.boolean().meta({
        description: "True when the campaign's connector is a sandbox connector (simulated receipts)",
      }),
    }),
  ),
});

export const sendsAccepted = z.object({
  instanceId: z.string(),
  accepted: z.number().int(),
  duplicates: z.number().int(),
});

export const eventsAccepted = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

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
    series: z.array(z.object({}).loose()),
  })
  .loose();

export const health = z.object({ status: z.literal("ok") });
