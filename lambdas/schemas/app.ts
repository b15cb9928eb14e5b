import { z } from "zod";
import { currency, timezone } from "./common.js";

/** `PUT /v1/apps/{appId}`. */
export const appInput = z.strictObject({
  name: z.string().min(1).max(200),
  timezone: timezone.default("UTC"),
  currency: currency.default("USD"),
});

export type AppInput = z.output<typeof appInput>;
