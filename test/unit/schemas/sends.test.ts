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

describe("sends body with variants (issue 17)", () => {
  const variants = [
    { variantId: "A", message: "Hi A", weight: 30 },
    { variantId: "B", message: "Hi B", weight: 70 },
  ];
  const recipients = [recipient(0)];

  it("accepts 2–5 variants whose weights sum to 100, instead of a message", () => {
    expect(validate(sendsInput, { variants, recipients }).ok).toBe(true);
  });

  it("refuses both or neither of message and variants, sums other than 100, a repeated id and `control`", () => {
    const problems = (body: unknown) => {
      const r = validate(sendsInput, body);
      return r.ok ? [] : r.errors;
    };
    expect(problems({ message: "m", variants, recipients })).toEqual([
      { field: "message", problem: "give exactly one of `message` and `variants`" },
    ]);
    expect(problems({ recipients })).toEqual([
      { field: "message", problem: "give exactly one of `message` and `variants`" },
    ]);
    expect(problems({ variants: [variants[0], { ...variants[1], weight: 60 }], recipients })).toEqual([
      { field: "variants", problem: "weights must sum to 100, got 90" },
    ]);
    expect(problems({ variants: [variants[0], { ...variants[1], variantId: "A" }], recipients })).toEqual([
      { field: "variants[1].variantId", problem: 'duplicates variants[0].variantId "A"' },
    ]);
    expect(
      problems({ variants: [variants[0], { ...variants[1], variantId: "control" }], recipients }),
    ).toEqual([{ field: "variants[1].variantId", problem: '"control" names the control group' }]);
    expect(problems({ variants: [{ ...variants[0], weight: 100 }], recipients })).toEqual([
      { field: "variants", problem: "must have at least 2 items" },
    ]);
  });
});
