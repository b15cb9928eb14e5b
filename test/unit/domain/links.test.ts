import { describe, expect, it } from "vitest";
import {
  CODE_LENGTH,
  findUrls,
  isLinkCode,
  issuedUnder,
  LINK_LIFETIME_MS,
  linkCodeFrom,
  linkState,
  newLinkCode,
  newLinkPrefix,
  prefixOf,
  shortenUrls,
} from "../../../lambdas/domain/links.js";

const PREFIX = newLinkPrefix();

/** A code maker for tests: distinct, recognisable codes in order. */
function counter(): () => string {
  let n = 0;
  return () => `C${String(++n).padStart(13, "0")}`;
}

describe("findUrls: linkify-it's detection, http(s) with scheme only", () => {
  it("finds http(s) URLs, leaving sentence punctuation out", () => {
    expect(findUrls("Go to https://a.example/x?y=1, or http://b.example/z. Thanks!")).toEqual([
      "https://a.example/x?y=1",
      "http://b.example/z",
    ]);
  });

  it("shortens only URLs written with http:// or https://", () => {
    expect(
      findUrls(
        "no links: ftp://x.example/f, www.example.com, shop.example/x, a@b.example, mailto:a@b.example, //c.example/y, xhttps://d.example/z",
      ),
    ).toEqual([]);
    expect(findUrls("HTTPS://A.EXAMPLE/X and http://localhost:3000/p and http://127.0.0.1/q")).toEqual([
      "HTTPS://A.EXAMPLE/X",
      "http://localhost:3000/p",
      "http://127.0.0.1/q",
    ]);
  });

  // What linkify-it itself does with what follows a URL, one script and one kind of mark at a time.
  const after: Array<[string, string]> = [
    ["。詳細はアプリで", "ideographic full stop"],
    ["、次へ", "ideographic comma"],
    ["！", "fullwidth exclamation"],
    ["？", "fullwidth question mark"],
    ["，", "fullwidth comma"],
    ["：", "fullwidth colon"],
    ["」です", "corner bracket"],
    ["』", "white corner bracket"],
    ["】", "black lenticular bracket"],
    ["）", "fullwidth parenthesis"],
    ["?", "question mark"],
    ["…", "ellipsis"],
    ["...", "three dots"],
    ["!!", "exclamations"],
    [";", "semicolon"],
    ["'", "apostrophe"],
    ["’s", "right single quote"],
    ["”", "right double quote"],
    ["»", "guillemet"],
    ["—then", "em dash"],
    ["، شكرا", "Arabic comma"],
    ["؟", "Arabic question mark"],
    ["। धन्यवाद", "Devanagari danda"],
    ["<b>", "angle bracket"],
  ];
  for (const [tail, what] of after) {
    it(`ends a URL before ${what} (${tail})`, () => {
      expect(findUrls(`Sale https://a.example/x${tail}`)).toEqual(["https://a.example/x"]);
    });
  }

  it("keeps balanced parentheses and brackets, drops an unmatched closer", () => {
    expect(findUrls("Size guide https://wiki.example.org/wiki/Sale_(retail) and more")).toEqual([
      "https://wiki.example.org/wiki/Sale_(retail)",
    ]);
    expect(findUrls("(see https://a.example/x)")).toEqual(["https://a.example/x"]);
    expect(findUrls("(see https://wiki.example.org/wiki/Sale_(retail))")).toEqual([
      "https://wiki.example.org/wiki/Sale_(retail)",
    ]);
    expect(findUrls("[https://a.example/[x]]")).toEqual(["https://a.example/[x]"]);
    expect(findUrls("「https://a.example/x」")).toEqual(["https://a.example/x"]);
  });

  it("keeps query strings, fragments, ports, percent-encoding and credentials", () => {
    expect(findUrls("Buy: https://a.example:8443/p/q?utm=sms&x=%E3%81%82#top. Bye")).toEqual([
      "https://a.example:8443/p/q?utm=sms&x=%E3%81%82#top",
    ]);
    expect(findUrls("https://a.example/?q=a,b;c=d!e")).toEqual(["https://a.example/?q=a,b;c=d!e"]);
    expect(findUrls("https://user:pw@a.example/x y")).toEqual(["https://user:pw@a.example/x"]);
    expect(findUrls("https://a.example/path/。")).toEqual(["https://a.example/path/"]);
  });

  it("keeps letters of any script that are glued to the URL (they may be its path)", () => {
    expect(findUrls("https://例え.jp/パス。次")).toEqual(["https://例え.jp/パス"]);
    expect(findUrls("https://a.example/कपड़े है")).toEqual(["https://a.example/कपड़े"]);
  });

  it("text in Arabic and Hindi around a URL", () => {
    expect(findUrls("مرحبا https://a.example/x شكرا")).toEqual(["https://a.example/x"]);
    // The right-to-left mark RTL texts put after a URL is invisible and no part of it.
    expect(findUrls("مرحبا https://a.example/x\u200F شكرا")).toEqual(["https://a.example/x"]);
    expect(findUrls("नमस्ते https://a.example/x पर जाएं")).toEqual(["https://a.example/x"]);
  });

  // linkify-it keeps these at the end; the one post-step in links.ts takes them off.
  it("drops trailing sentence punctuation linkify-it keeps, emoji and invisible format characters", () => {
    expect(findUrls("Deal https://a.example/x: 20% off")).toEqual(["https://a.example/x"]);
    for (const emoji of ["😀", "🎉 now", "❤️", "👍🏽", "🇯🇵", "👨‍👩‍👧", "\u200B"]) {
      expect(findUrls(`Sale https://a.example/x${emoji}`), emoji).toEqual(["https://a.example/x"]);
    }
    // Once the emoji is off, the full stop before it is trailing punctuation too.
    expect(findUrls("https://a.example/x.🎉")).toEqual(["https://a.example/x"]);
    // linkify-it keeps `.` `,` `!` `?` when punctuation rather than whitespace follows them.
    expect(findUrls("(see https://a.example/x.)")).toEqual(["https://a.example/x"]);
    expect(findUrls("「https://a.example/x.」")).toEqual(["https://a.example/x"]);
    expect(findUrls("Really? https://a.example/x!?")).toEqual(["https://a.example/x"]);
    expect(findUrls("https://a.example/x,」")).toEqual(["https://a.example/x"]);
    // URL syntax at the end stays.
    expect(findUrls("https://a.example/x# https://a.example/y/ https://a.example/z?a=1&")).toEqual([
      "https://a.example/x#",
      "https://a.example/y/",
      "https://a.example/z?a=1&",
    ]);
    // Inside the URL they stay.
    expect(findUrls("https://a.example/😀/x:y")).toEqual(["https://a.example/😀/x:y"]);
  });
});

describe("shortenUrls", () => {
  const BASE = "https://go.example";

  it("keeps the text after a URL exactly as written (Japanese)", () => {
    const r = shortenUrls("セール開催中 https://shop.example/sale。詳細はアプリで", `${BASE}/`, counter());
    expect(r.links).toEqual([{ code: "C0000000000001", url: "https://shop.example/sale" }]);
    expect(r.text).toBe("セール開催中 https://go.example/l/C0000000000001。詳細はアプリで");
  });

  it("keeps balanced parentheses in the target and the text around it", () => {
    const r = shortenUrls("Size guide https://wiki.example.org/wiki/Sale_(retail) and more", BASE, counter());
    expect(r.links).toEqual([{ code: "C0000000000001", url: "https://wiki.example.org/wiki/Sale_(retail)" }]);
    expect(r.text).toBe("Size guide https://go.example/l/C0000000000001 and more");
    expect(shortenUrls("(see https://a.example/x)", BASE, counter()).text).toBe(
      "(see https://go.example/l/C0000000000001)",
    );
  });

  it("leaves punctuation, emoji and RTL text after a URL in the message", () => {
    for (const tail of ["、", "！", "?", "…", "」", ":", "😀", "🎉!", "\u200F شكرا", "। धन्यवाद"]) {
      const r = shortenUrls(`x https://a.example/x${tail}`, BASE, counter());
      expect(r.text, tail).toBe(`x https://go.example/l/C0000000000001${tail}`);
      expect(r.links, tail).toEqual([{ code: "C0000000000001", url: "https://a.example/x" }]);
    }
  });

  it("the same URL twice gets one code; a URL that is a prefix of another is not mangled", () => {
    const r = shortenUrls(
      "https://s.example/a and https://s.example/a/b and https://s.example/a",
      "https://go.example/",
      counter(),
    );
    expect(r.links).toEqual([
      { code: "C0000000000001", url: "https://s.example/a" },
      { code: "C0000000000002", url: "https://s.example/a/b" },
    ]);
    expect(r.text).toBe(
      "https://go.example/l/C0000000000001 and https://go.example/l/C0000000000002 and https://go.example/l/C0000000000001",
    );
  });

  it("replaces by position: a short-link-looking or URL-looking text elsewhere is left alone", () => {
    // The URL's text also occurs inside a word, where it is not a URL: only the URL is replaced.
    const r = shortenUrls("xhttps://a.example/x https://a.example/x", BASE, counter());
    expect(r.text).toBe("xhttps://a.example/x https://go.example/l/C0000000000001");
  });

  it("a message without URLs comes back unchanged, and makes no code", () => {
    const make = () => {
      throw new Error("no code expected");
    };
    expect(shortenUrls("Hi Asha, 20% off today. ありがとう！", BASE, make)).toEqual({
      text: "Hi Asha, 20% off today. ありがとう！",
      links: [],
    });
  });
});

describe("short links", () => {
  it("makes unguessable codes of the documented shape", () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newLinkCode(PREFIX)));
    expect(seen.size).toBe(1000);
    for (const code of seen) expect(isLinkCode(code)).toBe(true);
    expect(CODE_LENGTH).toBe(14);
    expect(isLinkCode("abc")).toBe(false);
    expect(isLinkCode("AAAAAAAAAAAAA/")).toBe(false);
  });

  it("tags each code under its instance's prefix, so a gone link is told apart from a guess", () => {
    const code = newLinkCode(PREFIX);
    expect(prefixOf(code)).toBe(PREFIX.prefix);
    expect(issuedUnder(code, PREFIX)).toBe(true);
    // Any other character in the random part or the tag: not issued (guesses do not count).
    for (let i = PREFIX.prefix.length; i < code.length; i++) {
      const other = code[i] === "A" ? "B" : "A";
      expect(issuedUnder(code.slice(0, i) + other + code.slice(i + 1), PREFIX), `position ${i}`).toBe(false);
    }
    // The same characters under another instance's prefix or key: not issued there.
    expect(issuedUnder(code, { prefix: PREFIX.prefix, key: newLinkPrefix().key })).toBe(false);
    expect(issuedUnder(code, newLinkPrefix())).toBe(false);
    expect(issuedUnder("AbCdEfGhIjKlMn", PREFIX)).toBe(false);
  });

  it("linkCodeFrom: the 14 base62 characters in front, when nothing base62 follows them", () => {
    const code = "AbCdEfGhIjKlMn";
    for (const glued of [
      "",
      "/",
      ".",
      ")",
      "。",
      "、",
      "!",
      "?utm=x",
      "/foo",
      "/foo/bar",
      "%",
      " ",
      "😀",
      "\u200F",
    ]) {
      expect(linkCodeFrom(code + glued), JSON.stringify(glued)).toBe(code);
    }
    expect(linkCodeFrom("0123456789zZ09")).toBe("0123456789zZ09");
  });

  it("linkCodeFrom: anything else is no code", () => {
    for (const value of [
      "",
      "AbCdEfGhIjKlM", // 13
      "ABCDEFGHIJKLMNx", // 15 base62 characters: another token, not a code with a letter glued on
      "ABCDEFGHIJKLMN0/",
      "AbCdEfGhIjKlM/n",
      " AbCdEfGhIjKlMn",
      "/AbCdEfGhIjKlMn",
      "%41bCdEfGhIjKlMn",
      "ＡbCdEfGhIjKlMn", // fullwidth A
      "AbCdEfGhIjKlMé",
    ]) {
      expect(linkCodeFrom(value), value).toBeNull();
    }
  });

  it("expires exactly 360 hours after the sent time", () => {
    const sent = Date.parse("2026-11-01T00:00:00Z");
    const expiresAt = sent + LINK_LIFETIME_MS;
    expect(LINK_LIFETIME_MS).toBe(360 * 3_600_000);
    expect(linkState(expiresAt, expiresAt - 1000)).toBe("active");
    expect(linkState(expiresAt, expiresAt)).toBe("active");
    expect(linkState(expiresAt, expiresAt + 1000)).toBe("expired");
  });
});
