import { describe, expect, it } from "vitest";
import {
  CODE_LENGTH,
  findUrls,
  isLinkCode,
  LINK_LIFETIME_MS,
  linkState,
  newLinkCode,
  shortenUrls,
} from "../../../lambdas/domain/links.js";

describe("short links", () => {
  it("finds http(s) URLs, leaving sentence punctuation out", () => {
    expect(findUrls("Go to https://a.example/x?y=1, or http://b.example/z. Thanks!")).toEqual([
      "https://a.example/x?y=1",
      "http://b.example/z",
    ]);
    expect(findUrls("no links, just ftp://x and www.example.com")).toEqual([]);
  });

  it("replaces every URL with a short link; the same URL twice gets one code; a prefix URL is not mangled", () => {
    let n = 0;
    const codes = ["AAAAAAAAAAAAA1", "AAAAAAAAAAAAA2"];
    const r = shortenUrls(
      "https://s.example/a and https://s.example/a/b and https://s.example/a",
      "https://go.example/",
      () => codes[n++] as string,
    );
    expect(r.links).toEqual([
      { code: "AAAAAAAAAAAAA1", url: "https://s.example/a" },
      { code: "AAAAAAAAAAAAA2", url: "https://s.example/a/b" },
    ]);
    expect(r.text).toBe(
      "https://go.example/l/AAAAAAAAAAAAA1 and https://go.example/l/AAAAAAAAAAAAA2 and https://go.example/l/AAAAAAAAAAAAA1",
    );
  });

  it("makes unguessable codes of the documented shape", () => {
    const seen = new Set(Array.from({ length: 1000 }, newLinkCode));
    expect(seen.size).toBe(1000);
    for (const code of seen) expect(isLinkCode(code)).toBe(true);
    expect(CODE_LENGTH).toBe(14);
    expect(isLinkCode("abc")).toBe(false);
    expect(isLinkCode("AAAAAAAAAAAAA/")).toBe(false);
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
