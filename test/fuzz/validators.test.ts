import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateEvents } from "../../lambdas/schemas/events.js";
import { sendsInput } from "../../lambdas/schemas/sends.js";
import { validate } from "../../lambdas/schemas/validate.js";

/**
 * The events and sends validators against arbitrary values and near-valid bodies: they never throw,
 * and every rejection names a field and a problem (the API's 400 details).
 */

const RUNS = 400;
const NOW = Date.parse("2026-11-26T10:00:00Z");
const KEYS = ["events", "recipients", "message", "eventId", "userId", "name", "time", "attributes", "phone"];
const oddKey = fc.oneof(
  fc.constantFrom(...KEYS, "__proto__", "constructor", "toString", ""),
  fc.string({ maxLength: 8 }),
);
const leaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    "2026-11-26T10:00:00+05:30",
    "2026-11-26T10:00:00",
    "2999-01-01T00:00:00Z",
    "+919812345678",
  ),
);
/** JSON-shaped values (what a request body can be), with keys the schemas care about. */
const jsonLike: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }),
    fc
      .array(fc.tuple(oddKey, tie("node")), { maxLength: 5 })
      .map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as unknown),
  ),
})).node;

const id = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,16}$/);
const validEvent = fc.record({
  eventId: id,
  userId: id,
  name: fc.string({ minLength: 1, maxLength: 20 }),
  time: fc.integer({ min: NOW - 86_400_000, max: NOW }).map((t) => new Date(t).toISOString()),
  attributes: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.oneof(
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    ),
  ),
});
const validRecipient = fc.record(
  {
    userId: id,
    phone: fc.string({ minLength: 1, maxLength: 32 }),
    attributes: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.oneof(fc.string(), fc.integer(), fc.boolean()),
    ),
  },
  { requiredKeys: ["userId", "phone"] },
);

/** One field of a valid body replaced, removed or added, somewhere in the tree. */
function damaged(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), oddKey, jsonLike, fc.boolean()).map(([body, n, k, v, remove]) => {
    const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    const objects: Record<string, unknown>[] = [];
    const walk = (x: unknown): void => {
      if (x !== null && typeof x === "object") {
        if (!Array.isArray(x)) objects.push(x as Record<string, unknown>);
        for (const c of Object.values(x)) walk(c);
      }
    };
    walk(copy);
    const target = objects[n % objects.length] as Record<string, unknown>;
    const keys = Object.keys(target);
    const name = keys.length > 0 && n % 3 !== 0 ? (keys[n % keys.length] as string) : k;
    if (remove) delete target[name];
    else
      Object.defineProperty(target, name, { value: v, enumerable: true, writable: true, configurable: true });
    return copy;
  });
}

const validEvents = fc.array(validEvent, { minLength: 1, maxLength: 5 }).map((events) => ({ events }));
const validSends = fc
  .record({
    message: fc.string({ minLength: 1, maxLength: 100 }),
    recipients: fc.array(validRecipient, { minLength: 1, maxLength: 5 }),
  })
  .map((b) => b as Record<string, unknown>);

function checkRejection(errors: ReadonlyArray<{ field: string; problem: string }>): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(typeof e.field).toBe("string");
    expect(e.field.length).toBeGreaterThan(0);
    expect(typeof e.problem).toBe("string");
    expect(e.problem.length).toBeGreaterThan(0);
  }
}

const anything = fc.oneof(jsonLike, fc.anything(), fc.constantFrom(undefined, null, 0, "", [], {}));

describe("validateEvents", () => {
  it("never throws; a rejection names each field", () => {
    fc.assert(
      fc.property(
        fc.oneof(anything, damaged(validEvents as fc.Arbitrary<Record<string, unknown>>)),
        (body) => {
          const r = validateEvents(body, NOW);
          if (!r.ok) checkRejection(r.errors);
          else expect(r.value.events.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("accepts every valid batch, and names the stray field of a batch with one", () => {
    fc.assert(
      fc.property(validEvents, oddKey, (body, k) => {
        expect(validateEvents(body, NOW).ok).toBe(true);
        if (Object.hasOwn(body.events[0] as object, k) || k === "") return;
        const bad = JSON.parse(JSON.stringify(body));
        Object.defineProperty(bad.events[0], k, { value: 1, enumerable: true });
        const r = validateEvents(JSON.parse(JSON.stringify(bad)), NOW);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.errors.map((e) => e.field)).toContain(`events[0].${k}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("sends validation", () => {
  it("never throws; a rejection names each field", () => {
    fc.assert(
      fc.property(fc.oneof(anything, damaged(validSends)), (body) => {
        const r = validate(sendsInput, body);
        if (!r.ok) checkRejection(r.errors);
      }),
      { numRuns: RUNS },
    );
  });

  it("accepts every valid body", () => {
    fc.assert(
      fc.property(validSends, (body) => {
        expect(validate(sendsInput, body).ok).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
