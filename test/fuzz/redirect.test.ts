import type { APIGatewayProxyEventV2 } from "aws-lambda";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLinkCode, newLinkPrefix, redirectTarget } from "../../lambdas/domain/links.js";
import { clearLinkCache, handler } from "../../lambdas/handlers/redirect.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { type QueueName, type QueuePort, setQueue } from "../../lambdas/queue/index.js";
import { type LinkRecord, putLinks } from "../../lambdas/store/links.js";
import { apiEvent } from "../support/api-event.js";
import { useLocalDynamo } from "../support/dynamo.js";

const PREFIX = newLinkPrefix();

/**
 * The short-code resolver with arbitrary path values against the real engine holding a few links: the
 * only answers are 404, 410, or 302 to exactly the URL stored for the code the value starts with
 * (14 base62 characters, then nothing or a non-base62 character: what apps glue on is ignored).
 */

useLocalDynamo();

const NOW = Date.parse("2026-11-26T10:00:00Z");
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The queue contract (resolves once queued); the redirect's click goes nowhere else in this file. */
class CapturingQueue implements QueuePort {
  readonly bodies: string[] = [];
  async send(_queue: QueueName, bodies: string[]): Promise<void> {
    this.bodies.push(...bodies);
  }
}

const stored = new Map<string, LinkRecord>();
function link(url: string, expiresAt: number): LinkRecord {
  const code = newLinkCode(PREFIX);
  const record: LinkRecord = {
    code,
    url,
    appId: "acme",
    campaignId: "bf",
    instanceId: "i1",
    userId: `u${stored.size}`,
    messageId: `m${stored.size}`,
    country: "IN",
    provider: "gupshup",
    expiresAt,
  };
  stored.set(code, record);
  return record;
}

beforeAll(async () => {
  setQueue(new CapturingQueue());
  setClock(() => NOW);
  await putLinks([
    link("https://shop.example/sale?utm=sms", NOW + 3_600_000),
    link("https://shop.example/café/ünï", NOW + 3_600_000),
    link("http://other.example/a#b", NOW + 1),
    link("https://shop.example/old", NOW - 1),
  ]);
});

afterAll(() => setClock(undefined));

function tap(
  code: string,
  method: "GET" | "HEAD",
): Promise<{ statusCode?: number; headers?: Record<string, unknown> }> {
  const event: APIGatewayProxyEventV2 = apiEvent({
    method,
    route: "/l/{code+}",
    params: { code },
    headers: { "user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari" },
  });
  return handler(event) as Promise<{ statusCode?: number; headers?: Record<string, unknown> }>;
}

/** Codes near the stored ones: case flips, one character changed, cut, extended, padded, encoded. */
const nearCode = fc
  .tuple(
    fc.nat(),
    fc.nat(),
    fc.constantFrom(...BASE62),
    fc.string({ maxLength: 4 }),
    fc.integer({ min: 0, max: 8 }),
    fc.constantFrom("/", ".", ")", "。", "、", "/foo/bar", "?utm=x", "%E3%80%82", "😀", "\u200F"),
  )
  .map(([which, at, ch, extra, how, glued]) => {
    const codes = [...stored.keys()];
    const c = codes[which % codes.length] as string;
    const i = at % c.length;
    switch (how) {
      case 0:
        return c;
      case 1:
        return c.slice(0, i) + ch + c.slice(i + 1);
      case 2:
        return (
          c.slice(0, i) +
          (c[i] === c[i]?.toUpperCase() ? c[i]?.toLowerCase() : c[i]?.toUpperCase()) +
          c.slice(i + 1)
        );
      case 3:
        return c.slice(0, i);
      case 4:
        return c + extra;
      case 5:
        return ` ${c}`;
      case 6:
        return `${encodeURIComponent(c)}%00`;
      case 7:
        return c + glued + extra;
      default:
        return extra + c.slice(extra.length);
    }
  });
/** The oracle, written apart from the code under test: the stored code the value starts with, if any. */
function storedFor(value: string): LinkRecord | undefined {
  const m = /^([0-9A-Za-z]{14})(?![0-9A-Za-z])/.exec(value);
  return m ? stored.get(m[1] as string) : undefined;
}

const anyCode = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.stringMatching(/^[0-9A-Za-z]{14}$/),
  fc.constantFrom(
    "",
    "../../etc/passwd",
    "https://evil.example",
    "%2F%2Fevil.example",
    "__proto__",
    "\u0000",
  ),
  nearCode,
);

describe("GET|HEAD /l/{code+} with arbitrary path values", () => {
  it("answers only 404, 410 or a 302 to the URL stored for the code in front", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyCode,
        fc.constantFrom<"GET" | "HEAD">("GET", "HEAD"),
        fc.boolean(),
        async (code, method, cold) => {
          if (cold) clearLinkCache();
          const r = await tap(code, method);
          const known = storedFor(code);
          if (!known) {
            expect(r.statusCode).toBe(404);
            expect(r.headers?.location).toBeUndefined();
            return;
          }
          if (known.expiresAt <= NOW) {
            expect(r.statusCode).toBe(410);
            expect(r.headers?.location).toBeUndefined();
            return;
          }
          expect(r.statusCode).toBe(302);
          expect(r.headers?.location).toBe(redirectTarget(known.url));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("answers every stored code as stored, also with characters glued on (the near-miss arbitrary is not only misses)", async () => {
    for (const [code, l] of stored) {
      for (const glued of ["", "/", "。", "/foo"]) {
        const r = await tap(code + glued, "GET");
        expect(r.statusCode).toBe(l.expiresAt <= NOW ? 410 : 302);
      }
    }
  });
});
