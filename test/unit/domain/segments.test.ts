import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shortenUrls } from "../../../lambdas/domain/links.js";
import { countSegments } from "../../../lambdas/domain/segments.js";

/*
 * Where the expected values come from:
 * [23.038]     3GPP TS 23.038 §6.2.1 (GSM 7 bit default alphabet) and §6.2.1.1 (extension table, each
 *              character sent as escape 0x1B + code: 2 septets).
 * [23.040]     3GPP TS 23.040 §9.2.3.24.1: 140 octets of user data; a concatenated segment spends 6 of
 *              them on its UDH, leaving 134 octets = 153 septets or 67 UCS-2 characters.
 * [Twilio]     Twilio docs, "How long can a message be?" (/docs/glossary/what-sms-character-limit): GSM-7
 *              160 in one segment, 153 per segment when concatenated; UCS-2 70 and 67.
 * [Twilio UCS] Twilio docs, "What is UCS-2 character encoding?" (/docs/glossary/what-is-ucs-2-character-
 *              encoding): one non-GSM-7 character switches the whole message to UCS-2.
 * [Billed #66] TwilioDevEd/message-segment-calculator issue #66: texts sent through Twilio and the
 *              `num_segments` Twilio billed for each (e.g. 160 × "a" → 1, 71 × "中" → 2).
 * [Billed #39] same repository, issue #39: 153 × "]" (306 septets) was sent and billed as 3 segments.
 * [Billed #18] same repository, issue #18: "this is a " + 74 × "]" + "😘" was billed as 2 segments.
 * [Android]    AOSP GsmAlphabet.findGsmSeptetLimitIndex (an escaped character that passes the limit
 *              starts the next part) and SmsMessageBase.findNextUnicodePosition (a part never ends inside
 *              a surrogate pair: "many carriers cannot handle a fragment ... not at a character boundary").
 */

const a = (n: number) => "a".repeat(n);
const EXTENSION = "\f^{}\\[~]|€"; // [23.038] §6.2.1.1

describe("countSegments: GSM-7", () => {
  it("fits 160 septets in one segment; 161 take two", () => {
    // [Twilio] 160 per single segment; [Billed #66] 160 × "a" → 1, 161 × "a" → 2.
    expect(countSegments(a(160))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSegments(a(161))).toEqual({ encoding: "GSM-7", units: 161, segments: 2 });
  });

  it("holds 153 septets per concatenated segment: 306 → 2, 307 → 3", () => {
    // [23.040] 134 octets per concatenated segment = 153 septets; [Twilio] 153 per segment.
    expect(countSegments(a(306))).toEqual({ encoding: "GSM-7", units: 306, segments: 2 });
    expect(countSegments(a(307))).toEqual({ encoding: "GSM-7", units: 307, segments: 3 });
    expect(countSegments(a(459)).segments).toBe(3);
    expect(countSegments(a(460)).segments).toBe(4);
  });

  it("counts every extension-table character as two septets", () => {
    // [23.038] §6.2.1.1: escape + code.
    for (const ch of EXTENSION)
      expect(countSegments(ch)).toEqual({ encoding: "GSM-7", units: 2, segments: 1 });
    // 80 × "€" = 160 septets → 1 segment; 81 × "€" = 162 septets → 2 ([Twilio] 160 per segment).
    expect(countSegments("€".repeat(80))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSegments("€".repeat(81))).toEqual({ encoding: "GSM-7", units: 162, segments: 2 });
  });

  it("moves an extension character that would straddle a segment boundary whole to the next segment", () => {
    // [Android] findGsmSeptetLimitIndex; [Billed #39] 153 × "]" = 306 septets billed as 3, not 2: each
    // segment takes 76 "]" (152 septets) because the 77th would need septets 153 and 154.
    expect(countSegments("]".repeat(153))).toEqual({ encoding: "GSM-7", units: 306, segments: 3 });
    // 152 "a" leave one septet in segment 1; "€" needs two, so it opens segment 2 (€ + 151 "a" = 153)
    // and the last "a" opens segment 3, although 306 septets would fit 2 × 153 if "€" could be split.
    expect(countSegments(`${a(152)}€${a(152)}`)).toEqual({ encoding: "GSM-7", units: 306, segments: 3 });
    // One "a" fewer before it: "€" takes septets 152–153 of segment 1 exactly, and 2 segments suffice.
    expect(countSegments(`${a(151)}€${a(152)}`)).toEqual({ encoding: "GSM-7", units: 305, segments: 2 });
  });

  it("counts CR and LF as one septet each (CRLF is two)", () => {
    // [23.038] LF is 0x0A, CR is 0x0D; [Billed #66] 80a + CRLF + 79a → 2, 80a + LF + 79a → 1.
    expect(countSegments(`${a(80)}\r\n${a(79)}`)).toEqual({ encoding: "GSM-7", units: 161, segments: 2 });
    expect(countSegments(`${a(80)}\n${a(79)}`)).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
  });

  it("keeps GSM characters that look non-ASCII in GSM-7, one septet each", () => {
    // [23.038] é 0x05, ü 0x7E, Ä 0x5B, £ 0x01, ¥ 0x03, Δ 0x10, Ç 0x09, ß 0x1E, ¿ 0x60, ¤ 0x24.
    for (const ch of "éüÄ£¥ΔÇß¿¤")
      expect(countSegments(ch)).toEqual({ encoding: "GSM-7", units: 1, segments: 1 });
    expect(countSegments("Grüße aus München, 5 £ / 5 ¥ / ΔT")).toMatchObject({
      encoding: "GSM-7",
      units: 33,
    });
    // [Billed #66] 70 × precomposed "é" → GSM-7, 1 segment.
    expect(countSegments("é".repeat(70))).toEqual({ encoding: "GSM-7", units: 70, segments: 1 });
  });

  it("has exactly the 127 + 10 characters of 3GPP TS 23.038", () => {
    // [23.038] 128 default-alphabet codes, one of them the escape 0x1B; 10 extension characters.
    let oneSeptet = 0;
    let twoSeptets = 0;
    for (let code = 0; code <= 0xffff; code++) {
      const { encoding, units } = countSegments(String.fromCharCode(code));
      if (encoding === "GSM-7" && units === 1) oneSeptet++;
      if (encoding === "GSM-7" && units === 2) twoSeptets++;
    }
    expect(oneSeptet).toBe(127);
    expect(twoSeptets).toBe(10);
    expect(countSegments("\u001b").encoding).toBe("UCS-2"); // the escape is not a character to send
  });

  it("pushes a message into a second segment when its short link is added", () => {
    // [Twilio] 160 septets per single segment: 123 without the link, 163 with it.
    const text =
      "Hi Anna! Our summer sale ends tonight: 30% off everything in store and online, today only. " +
      "Shop now: https://shop.example.com/summer-sale?utm_source=sms Reply STOP to opt out";
    const { text: sent } = shortenUrls(text, "https://sms.example.com", () => "Ab3dEf5gH7jK9m");
    expect(sent).toContain(" https://sms.example.com/l/Ab3dEf5gH7jK9m ");
    expect(countSegments(sent.replace(/https:\/\/\S+/, ""))).toEqual({
      encoding: "GSM-7",
      units: 123,
      segments: 1,
    });
    expect(countSegments(sent)).toEqual({ encoding: "GSM-7", units: 163, segments: 2 });
  });

  it("counts empty text as one GSM-7 segment of 0 septets", () => {
    // A sent SMS is at least one PDU (TP-UD is optional in an SMS-SUBMIT, TS 23.040 §9.2.2.2);
    // Twilio's segment calculator (SegmentedMessage("").segmentsCount) gives 1. Twilio itself refuses
    // an empty body (error 21602), so nothing is sent or billed there and no sent message is counted.
    expect(countSegments("")).toEqual({ encoding: "GSM-7", units: 0, segments: 1 });
  });
});

describe("countSegments: UCS-2", () => {
  it("fits 70 code units in one segment; 71 take two", () => {
    // [Twilio] 70 per single UCS-2 segment; [Billed #66] 70 × "中" → 1, 71 × "中" → 2.
    const hindi = "नमस्ते ".repeat(10); // 7 code units each (न म स ् त े + space)
    expect(countSegments(hindi)).toEqual({ encoding: "UCS-2", units: 70, segments: 1 });
    expect(countSegments(`${hindi}!`)).toEqual({ encoding: "UCS-2", units: 71, segments: 2 });
    expect(countSegments("中".repeat(70))).toEqual({ encoding: "UCS-2", units: 70, segments: 1 });
    expect(countSegments("中".repeat(71))).toEqual({ encoding: "UCS-2", units: 71, segments: 2 });
  });

  it("holds 67 code units per concatenated segment: 134 → 2, 135 → 3", () => {
    // [23.040] 134 octets per concatenated segment = 67 UCS-2 characters; [Twilio] 67 per segment.
    expect(countSegments("Ж".repeat(134))).toEqual({ encoding: "UCS-2", units: 134, segments: 2 });
    expect(countSegments("Ж".repeat(135))).toEqual({ encoding: "UCS-2", units: 135, segments: 3 });
  });

  it("switches the whole message to UCS-2 for one emoji, which counts 2 code units", () => {
    // [Twilio UCS] one non-GSM character → UCS-2; U+1F44B is a surrogate pair (2 UTF-16 code units).
    expect(countSegments("Hi Anna 👋")).toEqual({ encoding: "UCS-2", units: 10, segments: 1 });
    // 69 GSM characters would be 1 GSM-7 segment; with the emoji they are 71 code units → 2 segments.
    expect(countSegments(a(69))).toEqual({ encoding: "GSM-7", units: 69, segments: 1 });
    expect(countSegments(`${a(69)}👋`)).toEqual({ encoding: "UCS-2", units: 71, segments: 2 });
  });

  it("moves a surrogate pair that would straddle the 67-unit boundary whole to the next segment", () => {
    // [Android] findNextUnicodePosition. 66 + 2 + 66 = 134 units would fill 2 × 67 exactly, but the
    // emoji would take units 67–68: it opens segment 2 (2 + 65 Ж) and the last Ж opens segment 3.
    expect(countSegments(`${"Ж".repeat(66)}😀${"Ж".repeat(66)}`)).toEqual({
      encoding: "UCS-2",
      units: 134,
      segments: 3,
    });
    // One Ж fewer before it: the emoji ends exactly at unit 67 and 2 segments suffice.
    expect(countSegments(`${"Ж".repeat(65)}😀${"Ж".repeat(66)}`)).toEqual({
      encoding: "UCS-2",
      units: 133,
      segments: 2,
    });
  });

  it("sends Latin look-alikes outside the default table as UCS-2", () => {
    // [23.038] has no "ê" and no small "ç" (0x09 is capital "Ç"; Unicode's old GSM0338.TXT maps 0x09 to
    // "ç", and some encoders follow it: we count what 3GPP lists). [Twilio UCS] one of them → UCS-2.
    for (const ch of "êçÁí`’")
      expect(countSegments(ch)).toEqual({ encoding: "UCS-2", units: 1, segments: 1 });
    expect(countSegments("Ç").encoding).toBe("GSM-7");
    expect(countSegments("Ça va? Très bien, merci.")).toMatchObject({ encoding: "GSM-7" });
    expect(countSegments("Ça va? Très bien, ça va.")).toMatchObject({ encoding: "UCS-2", units: 24 });
    // [Billed #66] 70 × decomposed "e" + U+0301 → UCS-2, 140 code units, 3 segments.
    expect(countSegments("e\u0301".repeat(70))).toEqual({ encoding: "UCS-2", units: 140, segments: 3 });
  });

  it("counts extension characters as one code unit once the message is UCS-2", () => {
    // [Billed #18] "this is a " + 74 × "]" + "😘" = 86 code units, billed as 2 segments (not 3).
    expect(countSegments(`this is a ${"]".repeat(74)}😘`)).toEqual({
      encoding: "UCS-2",
      units: 86,
      segments: 2,
    });
  });

  it("splits between the code points of a multi-code-point cluster (see docs/decisions.md, Segments)", () => {
    // 👨‍👩‍👧 is 8 code units (3 surrogate pairs + 2 ZWJ). At units 61–68 it straddles the boundary: its
    // last pair moves to segment 2 (no pair is split), the rest stays. Twilio's calculator and Android
    // would move the whole cluster and count 3 here; this count deliberately does not (decisions.md).
    expect(countSegments(`${"Ж".repeat(60)}👨‍👩‍👧${"Ж".repeat(60)}`)).toEqual({
      encoding: "UCS-2",
      units: 128,
      segments: 2,
    });
  });
});

describe("countSegments: properties", () => {
  // [23.038] §6.2.1 default alphabet without the escape, and the §6.2.1.1 extension table.
  const GSM_BASIC = [
    ..."@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
  ];
  const gsmChar = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...GSM_BASIC) },
    { weight: 1, arbitrary: fc.constantFrom(...EXTENSION) },
  );
  const gsmText = fc.array(gsmChar, { maxLength: 700 });
  const anyChar = fc.oneof(
    { weight: 8, arbitrary: gsmChar },
    {
      weight: 1,
      arbitrary: fc.constantFrom("Ж", "中", "ê", "😀", "👋", "\u0301", "\u200d", "\ud800", "\udfff"),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  );
  const anyText = fc.array(anyChar, { maxLength: 400 });
  const gsmSeptets = (ch: string) => (EXTENSION.includes(ch) ? 2 : 1);

  it("never gives fewer segments to a longer GSM-7 text (each prefix ≤ the next)", () => {
    fc.assert(
      fc.property(gsmText, (chars) => {
        let previous = 0;
        let prefix = "";
        for (const ch of chars) {
          prefix += ch;
          const { encoding, segments } = countSegments(prefix);
          expect(encoding).toBe("GSM-7");
          expect(segments).toBeGreaterThanOrEqual(previous);
          previous = segments;
        }
      }),
      { numRuns: 150 },
    );
  });

  it("GSM-7 units are the sum of per-character septets; segments within the 153/152 bounds", () => {
    fc.assert(
      fc.property(gsmText, (chars) => {
        const { encoding, units, segments } = countSegments(chars.join(""));
        expect(encoding).toBe("GSM-7");
        expect(units).toBe(chars.reduce((sum, ch) => sum + gsmSeptets(ch), 0));
        if (units <= 160) expect(segments).toBe(1);
        // Whole characters waste at most one septet per segment (a 2-septet character that did not fit).
        else
          expect(segments).toSatisfy(
            (s: number) => s >= Math.ceil(units / 153) && s <= Math.ceil(units / 152),
          );
      }),
      { numRuns: 400 },
    );
  });

  it("UCS-2 units are the sum of per-code-point UTF-16 units; segments within the 67/66 bounds", () => {
    fc.assert(
      fc.property(anyText, (chars) => {
        const text = chars.join("");
        const { encoding, units, segments } = countSegments(text);
        if (encoding === "GSM-7") return;
        expect(units).toBe([...text].reduce((sum, ch) => sum + ch.length, 0));
        if (units <= 70) expect(segments).toBe(1);
        // A surrogate pair that did not fit wastes at most one unit per segment.
        else
          expect(segments).toSatisfy((s: number) => s >= Math.ceil(units / 67) && s <= Math.ceil(units / 66));
      }),
      { numRuns: 400 },
    );
  });

  it("never gives fewer segments to a longer text of any kind (code point by code point)", () => {
    fc.assert(
      fc.property(anyText, (chars) => {
        const points = [...chars.join("")];
        let previous = 0;
        for (let i = 1; i <= points.length; i++) {
          const { segments } = countSegments(points.slice(0, i).join(""));
          expect(segments).toBeGreaterThanOrEqual(previous);
          previous = segments;
        }
      }),
      { numRuns: 100 },
    );
  });
});
