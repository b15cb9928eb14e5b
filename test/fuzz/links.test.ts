import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findUrls, shortenUrls } from "../../lambdas/domain/links.js";

/**
 * URL detection and shortening against generated messages: shortening loses and changes nothing
 * (putting each short link's URL back gives the original text exactly), and URLs built from known
 * parts and followed by sentence punctuation of any script are found exactly.
 */

const RUNS = 500;
const BASE = "https://go.example";

/** Distinct codes no generated text is likely to hold. */
function codeMaker(): () => string {
  let n = 0;
  return () => `Zq${String(++n).padStart(12, "0")}`;
}

const host = fc.constantFrom(
  "a.example",
  "shop.example",
  "例え.jp",
  "localhost:3000",
  "127.0.0.1",
  "b.example",
);
const pathChar = fc.constantFrom(
  ..."abcXYZ019-_~/%=&+".split(""),
  "é",
  "パ",
  "न",
  "ス",
  "(x)",
  "[y]",
  "?q=1",
  "#f",
  // Sentence punctuation inside a path, where a letter follows it.
  ".a",
  ",b",
  ":c",
  "!d",
);
/** A URL that ends in a letter, digit or `/`: nothing a linkifier would trim. */
const cleanUrl = fc
  .tuple(fc.constantFrom("http://", "https://", "HTTPS://"), host, fc.array(pathChar, { maxLength: 8 }))
  .map(([scheme, h, path]) => `${scheme}${h}/${path.join("")}`.replace(/[^0-9A-Za-z/\p{L}\p{M})\]]+$/u, ""));

/** Ends a URL whatever follows it. */
const hardStop = fc.constantFrom(..."。、！？，：；」』】）…»”’،؟।".split(""), " ", "\n", "<");
/** Ends a URL when whitespace or the end of the text follows (a letter after them would be path). */
const softStop = fc.constantFrom(
  ...[".", ",", ";", ":", "!", "?", "'", '"', ")", "...", "!?", ".)", ":)"],
  ...["\u200F", "😀", "🎉", "❤️", "👍🏽", "🇯🇵", "👨‍👩‍👧", ".🎉", "!😀"],
);
/** Message text that holds no URL of its own. */
const words = fc
  .oneof(
    fc.string({ unit: "grapheme", maxLength: 12 }),
    fc.constantFrom("セール開催中", "詳細はアプリで", "مرحبا", "شكرا", "नमस्ते", "Hi Asha", "20% off"),
  )
  .map((s) => s.replace(/https?:/gi, ""));

type Piece = { kind: "text"; text: string } | { kind: "url"; url: string; tail: string };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  words.map((text) => ({ kind: "text" as const, text })),
  fc.record({
    kind: fc.constant("url" as const),
    url: cleanUrl,
    tail: fc.oneof(
      fc.tuple(hardStop, words).map(([s, w]) => s + w),
      fc.tuple(softStop, fc.constantFrom(" ", "\n", "")).map(([s, w]) => s + w),
    ),
  }),
);

/** Pieces joined so every URL starts after whitespace and the soft stops are last or before whitespace. */
function message(pieces: Piece[]): { text: string; urls: string[] } {
  let text = "";
  const urls: string[] = [];
  for (const p of pieces) {
    if (p.kind === "text") {
      text += ` ${p.text}`;
    } else {
      text += ` ${p.url}${p.tail}`;
      urls.push(p.url);
    }
    if (!/\s$/.test(text)) text += " ";
  }
  return { text, urls };
}

/** Anything, with URL parts and punctuation made frequent. */
const anyText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc
    .array(fc.oneof(words, cleanUrl, hardStop, softStop, pathChar, fc.constantFrom("http://", "https://")), {
      maxLength: 12,
    })
    .map((p) => p.join("")),
  fc.array(piece, { maxLength: 6 }).map((p) => message(p).text),
);

/** Puts each short link's URL back: the inverse of shortenUrls. */
function expand(text: string, links: Array<{ code: string; url: string }>): string {
  const byCode = new Map(links.map((l) => [l.code, l.url]));
  return text.replace(
    /https:\/\/go\.example\/l\/(Zq\d{12})/g,
    (all, code: string) => byCode.get(code) ?? all,
  );
}

describe("shortenUrls on generated messages", () => {
  it("never throws, and putting the URLs back gives the original text exactly", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const r = shortenUrls(text, BASE, codeMaker());
        expect(expand(r.text, r.links)).toBe(text);
        const found = findUrls(text);
        expect(r.links.map((l) => l.url)).toEqual([...new Set(found)]);
        for (const url of found) {
          expect(text).toContain(url);
          expect(url).toMatch(/^https?:\/\/./i);
          // No sentence punctuation of any script, emoji or format character at the end.
          expect(url).not.toMatch(/[.,;:!?'"\p{Extended_Pictographic}\p{Cf}]$/u);
          const last = [...url].at(-1) as string;
          if (last > "\x7f") expect(last).not.toMatch(/\p{P}/u);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("finds exactly the URLs a message was built with, whatever punctuation follows them", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const { text, urls } = message(pieces);
        expect(findUrls(text)).toEqual(urls);
        const r = shortenUrls(text, BASE, codeMaker());
        expect(r.links.map((l) => l.url)).toEqual([...new Set(urls)]);
        expect(expand(r.text, r.links)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });
});
