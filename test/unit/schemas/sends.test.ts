import { describe, expect, it } from "vitest";
import { sendsInput } from "../../../lambdas/schemas/sends.js";
import { validate } from "../../../lambdas/schemas/validate.js";

const recipient = (i: number): { userId: string; phone: string } => ({
  userId: `u${i}`,
  phone: "+919812345678",
});

describe("sends body", () => {
  it("accepts a message with up to 1,000 recipients", () => {
    const result = validate(sendsInput, {
      message: "Hi {{first_name|there}}",
      recipients: Array.from({ length: 1000 }, (_, i) => recipient(i)),
    });
    expect(result.ok).toBe(true);
  });

  it("rejects 1,001 recipients, an empty list and an overlong message", () => {
    expect(validate(sendsInput, { message: "x".repeat(1601), recipients: [] })).toEqual({
      ok: false,
      errors: [
        { field: "message", problem: "must be at most 1600 characters long" },
        { field: "recipients", problem: "must have at least 1 item" },
      ],
    });
    const many = Array.from({ length: 1001 }, (_, i) => recipient(i));
    expect(validate(sendsInput, { message: "m", recipients: many })).toEqual({
      ok: false,
      errors: [{ field: "recipients", problem: "must have at most 1000 items" }],
    });
  });

  it("names the recipient and field that is wrong", () => {
    const recipients = [recipient(0), recipient(1), recipient(2), { userId: "u3", phone: "" }];
    recipients.push({ userId: "u 4", phone: "+1", attributes: { tags: { a: 1 } } } as never);
    expect(validate(sendsInput, { message: "m", recipients })).toEqual({
      ok: false,
      errors: [
        { field: "recipients[3].phone", problem: "must be at least 1 character long" },
        { field: "recipients[4].userId", problem: expect.stringContaining("1 to 128 characters") },
        { field: "recipients[4].attributes.tags", problem: "must be a string, number or boolean" },
      ],
    });
  });
});
