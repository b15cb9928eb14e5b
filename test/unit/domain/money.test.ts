import Big from "big.js";
import { describe, expect, it } from "vitest";
import { formatMoney, minorUnits, parseAmount } from "../../../lambdas/domain/money.js";

describe("money", () => {
  it("knows each currency's minor units", () => {
    expect(minorUnits("USD")).toBe(2);
    expect(minorUnits("INR")).toBe(2);
    expect(minorUnits("JPY")).toBe(0);
    expect(minorUnits("KWD")).toBe(3);
  });

  it("formats with exactly the minor digits, rounding half to even", () => {
    expect(formatMoney("0", "USD")).toBe("0.00");
    expect(formatMoney(19.99, "USD")).toBe("19.99");
    expect(formatMoney("0.125", "USD")).toBe("0.12");
    expect(formatMoney("0.135", "USD")).toBe("0.14");
    expect(formatMoney("2.5", "JPY")).toBe("2");
    expect(formatMoney("3.5", "JPY")).toBe("4");
    expect(formatMoney(new Big("1.2345"), "KWD")).toBe("1.234");
    expect(formatMoney("-1.005", "USD")).toBe("-1.00");
  });

  it("sums 1,000 × 19.99 to exactly 19990.00", () => {
    let total = new Big(0);
    for (let i = 0; i < 1000; i++) total = total.plus(parseAmount(19.99) as Big);
    expect(formatMoney(total, "USD")).toBe("19990.00");
  });

  it("parses numbers and numeric strings exactly", () => {
    expect(parseAmount(19.99)?.toString()).toBe("19.99");
    expect(parseAmount(0.1)?.toString()).toBe("0.1");
    expect(parseAmount(" 42.50 ")?.toString()).toBe("42.5");
    expect(parseAmount("-3")?.toString()).toBe("-3");
    expect(parseAmount("1e3")?.toString()).toBe("1000");
    expect(parseAmount(".5")?.toString()).toBe("0.5");
  });

  it.each([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "",
    "abc",
    "12abc",
    "0x10",
    "Infinity",
    null,
    undefined,
    true,
    {},
    [1],
  ])("returns null for %j", (value) => {
    expect(parseAmount(value)).toBeNull();
  });
});
