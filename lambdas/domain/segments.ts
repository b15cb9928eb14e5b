/**
 * SMS segment counting: how many messages (segments) an operator bills for one text.
 *
 * Sources of the rules:
 * - Alphabet: 3GPP TS 23.038 §6.2.1 (GSM 7 bit default alphabet) and §6.2.1.1 (its extension table,
 *   reached with the escape septet 0x1B, so an extension character costs two septets).
 * - Sizes: one SMS carries 140 octets of user data (3GPP TS 23.040 §9.2.3.24): 160 septets or 70
 *   UCS-2 characters. A concatenated message spends 6 octets of each segment on its User Data Header
 *   (UDHL + the 8-bit-reference concatenation element, TS 23.040 §9.2.3.24.1), leaving 134 octets: 153
 *   septets (after the fill bit that aligns the header) or 67 UCS-2 characters. Twilio's "How long can
 *   a message be?" documents the same 160/153 and 70/67.
 * - Boundaries: a character never straddles two segments. An extension character (escape + code) moves
 *   whole to the next segment, as Android's GsmAlphabet.findGsmSeptetLimitIndex and Twilio's segment
 *   calculator do (Twilio billed 153 × "]" as 3 segments, not 2: TwilioDevEd/message-segment-calculator
 *   issue #39). A surrogate pair (a character outside the BMP, e.g. an emoji) moves whole as well.
 *   Splits fall between code points; see docs/decisions.md ("Segments") for grapheme clusters, which
 *   this count does not keep together.
 */

export type SmsEncoding = "GSM-7" | "UCS-2";

export interface SegmentCount {
  encoding: SmsEncoding;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
  segments: number;
}

/** Units one segment holds: alone, or as part of a concatenated message (6-octet UDH). */
const CAPACITY: Record<SmsEncoding, { single: number; concatenated: number }> = {
  "GSM-7": { single: 160, concatenated: 153 },
  "UCS-2": { single: 70, concatenated: 67 },
};

const ESC = "\u001b";

/**
 * 3GPP TS 23.038 §6.2.1, the GSM 7 bit default alphabet in code order 0x00–0x7F, 16 codes a row.
 * 0x09 is "Ç" (capital C cedilla) as the 3GPP table shows it; Unicode's old GSM0338.TXT mapping maps
 * 0x09 to "ç" instead, which some encoders follow, so a "ç" may reach a handset as "Ç" there. We count
 * only what 3GPP lists: "ç" is not GSM-7 here. 0x1B is the escape to the extension table, not a
 * character of its own.
 */
const DEFAULT_ALPHABET = [
  "@£$¥èéùìòÇ\nØø\rÅå", // 0x00
  `Δ_ΦΓΛΩΠΨΣΘΞ${ESC}ÆæßÉ`, // 0x10
  " !\"#¤%&'()*+,-./", // 0x20
  "0123456789:;<=>?", // 0x30
  "¡ABCDEFGHIJKLMNO", // 0x40
  "PQRSTUVWXYZÄÖÑÜ§", // 0x50
  "¿abcdefghijklmno", // 0x60
  "pqrstuvwxyzäöñüà", // 0x70
].join("");

/**
 * 3GPP TS 23.038 §6.2.1.1, the extension table's characters (each sent as 0x1B + its code): form feed
 * 0x0A, ^ 0x14, { 0x28, } 0x29, \ 0x2F, [ 0x3C, ~ 0x3D, ] 0x3E, | 0x40, € 0x65.
 */
const EXTENSION_TABLE = "\f^{}\\[~]|€";

/** Septets per UTF-16 code unit for every GSM-7 character; anything absent is not GSM-7. */
const SEPTETS = new Map<number, number>();
for (const ch of DEFAULT_ALPHABET) if (ch !== ESC) SEPTETS.set(ch.charCodeAt(0), 1);
for (const ch of EXTENSION_TABLE) SEPTETS.set(ch.charCodeAt(0), 2);

/** Septets `text` takes in GSM-7, or -1 when one of its characters is in neither GSM-7 table. */
function gsmSeptets(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const size = SEPTETS.get(text.charCodeAt(i));
    if (size === undefined) return -1;
    septets += size;
  }
  return septets;
}

/** Septets of one GSM-7 character (1, or 2 for an extension character). */
function gsmCharUnits(ch: string): number {
  return SEPTETS.get(ch.charCodeAt(0)) as number;
}

/** UTF-16 code units of one code point: 2 for a surrogate pair, else 1 (a lone surrogate too). */
function ucs2CharUnits(ch: string): number {
  return ch.length;
}

/**
 * Segments of a concatenated message, each filled with whole characters (code points): a character
 * that does not fit in what is left of the current segment starts the next one, and the units left
 * over stay unused.
 */
function fillSegments(text: string, perSegment: number, unitsOf: (ch: string) => number): number {
  let segments = 1;
  let used = 0;
  for (const ch of text) {
    const units = unitsOf(ch);
    if (used + units > perSegment) {
      segments++;
      used = 0;
    }
    used += units;
  }
  return segments;
}

/**
 * How an operator splits `text` into SMS segments, and so how many it bills.
 *
 * - `encoding`: "GSM-7" when every character is in the GSM 7 bit default alphabet or its extension
 *   table (3GPP TS 23.038 §6.2.1, §6.2.1.1), else "UCS-2" (the whole message: one character outside
 *   GSM-7 switches all of it).
 * - `units`: GSM-7 septets (an extension character `€ [ ] { } ^ ~ | \` or form feed is 2: escape +
 *   code), or UCS-2 UTF-16 code units (`text.length`: a character outside the BMP is a surrogate pair,
 *   2 units; extension characters are 1 unit like any other there).
 * - `segments`: 1 when `units` fits one SMS (160 septets / 70 code units); otherwise each segment holds
 *   153 septets / 67 code units (6-octet concatenation header, 3GPP TS 23.040 §9.2.3.24.1), filled with
 *   whole characters: an extension character or a surrogate pair that would straddle a boundary starts
 *   the next segment.
 * - Empty text is `{ encoding: "GSM-7", units: 0, segments: 1 }`: a message that is sent is at least one
 *   SMS (TP-UD is optional in an SMS-SUBMIT, TS 23.040 §9.2.2.2), as Twilio's segment calculator counts
 *   it. Providers that refuse an empty body (Twilio error 21602) send and bill nothing, so no sent
 *   message is counted.
 *
 * @example countSegments("Hi Anna 👋") // { encoding: "UCS-2", units: 10, segments: 1 }
 */
export function countSegments(text: string): SegmentCount {
  const septets = gsmSeptets(text);
  if (septets >= 0) {
    const { single, concatenated } = CAPACITY["GSM-7"];
    const segments = septets <= single ? 1 : fillSegments(text, concatenated, gsmCharUnits);
    return { encoding: "GSM-7", units: septets, segments };
  }
  const { single, concatenated } = CAPACITY["UCS-2"];
  const units = text.length;
  const segments = units <= single ? 1 : fillSegments(text, concatenated, ucs2CharUnits);
  return { encoding: "UCS-2", units, segments };
}
