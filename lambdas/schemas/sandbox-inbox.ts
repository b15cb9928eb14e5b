import { z } from "zod";
import { id } from "./common.js";

/** `GET /v1/apps/{appId}/connectors/{connectorId}/sandbox-messages`: which messages, one page at a time. */
export const sandboxInboxQuery = z.strictObject({
  campaignId: id.optional().meta({ description: "Only this campaign's messages" }),
  instanceId: id.optional().meta({ description: "Only this instance's messages (needs campaignId)" }),
  userId: id.optional().meta({ description: "Only this user's messages" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .meta({ description: "Messages read for this page (1–1000, default 100); a page may hold fewer" }),
  cursor: z
    .string()
    .min(1)
    .max(600)
    .optional()
    .meta({ description: "nextCursor of the previous page, with the same campaignId and instanceId" }),
});

export const sandboxInboxResponse = z.object({
  appId: z.string(),
  connectorId: z.string(),
  messages: z.array(
    z.object({
      campaignId: z.string(),
      instanceId: z.string(),
      userId: z.string(),
      messageId: z.string(),
      phone: z.string().meta({ description: "The recipient's number (E.164), as sent" }),
      text: z.string().meta({ description: "The text as the phone shows it: links are the short links" }),
      deliveredAt: z.string().meta({ description: "ISO-8601: the time of the sandbox's delivery receipt" }),
    }),
  ),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: "Pass as cursor for the next page; null at the end" }),
});
