import { z } from "zod";
import { CONTROL_ARM } from "../domain/experiment.js";
import { attributes, id } from "./common.js";

const recipient = z.strictObject({
  userId: id,
  /** Checked as a phone number by the send worker (INVALID_NUMBER is a per-user outcome, not a 400). */
  phone: z.string().min(1).max(32),
  attributes: attributes.optional(),
});

const text = z.string().min(1).max(1600);

const variant = z.strictObject({
  variantId: id
    .max(32)
    .refine((v) => v !== CONTROL_ARM, { error: `"${CONTROL_ARM}" names the control group` })
    .meta({ description: "The variant's id in the analytics (`experiment.variants[].variantId`)." }),
  message: text.meta({ description: "The variant's text, with placeholders like `message`." }),
  weight: z
    .number()
    .int()
    .min(1)
    .max(100)
    .meta({ description: "Percent of the treated (non-control) users who get this variant." }),
});

/**
 * `POST /v1/apps/{appId}/campaigns/{campaignId}/instances/{instanceId}/sends`: one `message`, or
 * 2–5 `variants` whose weights sum to 100 (SPEC §2 Experiment, issue 17).
 */
export const sendsInput = z
  .strictObject({
    message: text.optional().meta({ description: "The SMS text; `{{attribute}}` placeholders." }),
    variants: z.array(variant).min(2).max(5).optional().meta({
      description:
        "Instead of `message`: 2–5 variants, each user getting one by a keyed hash of (campaign, user), the same in every instance.",
    }),
    recipients: z.array(recipient).min(1).max(1000),
  })
  .superRefine((value, ctx) => {
    if ((value.message === undefined) === (value.variants === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["message"],
        message: "give exactly one of `message` and `variants`",
      });
    }
    if (value.variants === undefined) return;
    const seen = new Map<string, number>();
    value.variants.forEach((v, i) => {
      const earlier = seen.get(v.variantId);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["variants", i, "variantId"],
          message: `duplicates variants[${earlier}].variantId "${v.variantId}"`,
        });
      } else seen.set(v.variantId, i);
    });
    const sum = value.variants.reduce((s, v) => s + v.weight, 0);
    if (sum !== 100) {
      ctx.addIssue({ code: "custom", path: ["variants"], message: `weights must sum to 100, got ${sum}` });
    }
  });

export type SendsInput = z.output<typeof sendsInput>;
export type RecipientInput = SendsInput["recipients"][number];
