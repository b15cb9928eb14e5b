import { z } from "zod";
import { attributes, id } from "./common.js";

const recipient = z.strictObject({
  userId: id,
  /** Checked as a phone number by the send worker (INVALID_NUMBER is a per-user outcome, not a 400). */
  phone: z.string().min(1).max(32),
  attributes: attributes.optional(),
});

/** `POST /v1/apps/{appId}/campaigns/{campaignId}/instances/{instanceId}/sends`. */
export const sendsInput = z.strictObject({
  message: z.string().min(1).max(1600),
  recipients: z.array(recipient).min(1).max(1000),
});

export type SendsInput = z.output<typeof sendsInput>;
export type RecipientInput = SendsInput["recipients"][number];
