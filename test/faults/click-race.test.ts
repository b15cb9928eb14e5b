import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2, SQSEvent } from "aws-lambda";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import type { ClickMessage } from "../../lambdas/domain/clicks.js";
import { fields } from "../../lambdas/domain/counter-fields.js";
import { total } from "../../lambdas/domain/counters.js";
import { LINK_LIFETIME_MS, newLinkCode, newLinkPrefix } from "../../lambdas/domain/links.js";
import { configureApp } from "../../lambdas/flows/configuration.js";
import { handler as clickWorker } from "../../lambdas/handlers/click-worker.js";
import { handler as redirect } from "../../lambdas/handlers/redirect.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { parseMessage } from "../../lambdas/queue/contracts.js";
import { setQueue } from "../../lambdas/queue/index.js";
import { asQueueMessage } from "../../lambdas/queue/port.js";
import { tapWrite } from "../../lambdas/store/clicks.js";
import { documentClients, setDynamo } from "../../lambdas/store/client.js";
import { readCounters } from "../../lambdas/store/counters.js";
import { writeFacts } from "../../lambdas/store/facts.js";
import { type LinkRecord, putLinks } from "../../lambdas/store/links.js";
import { seededRandom } from "../load/plan.js";
import { apiEvent } from "../support/api-event.js";
import { useLocalDynamo } from "../support/dynamo.js";

/**
 * Two click workers (two concurrent Lambda invocations) on one clicker, in the interleaving that used
 * to count a tap twice and lose another: both read the clicker holding tap 6; A holds its tap 4 in the
 * clicker, while B — whose own tap 0 takes the first slot — plans tap 4 as an item of its own. A's
 * clicker write lands first. Before, B wrote its tap items before its clicker write failed: tap 4 was
 * stored twice, and B's later rounds, which must move tap 4 out of the clicker, failed on that item
 * every time, so tap 0 went back to the queue for ever (and the user's first click was on the wrong
 * day). Now a tap item is written only once the clicker version it was planned against stands.
 */
const engine = useLocalDynamo("click-race-test");
const HOUR = 3_600_000;
/** Tap 0 at 23:30 UTC on the 20th; taps 1–6 on the 21st. */
const TAP0 = Date.parse("2026-11-20T23:30:00Z");
const CODE = newLinkCode(newLinkPrefix());
const SALE = "https://shop.example/sale";
const HELP = "https://shop.example/help";
const WHATSAPP = "WhatsApp/2.23.20.0 A";
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/**
 * Which worker a DynamoDB call comes from: "A" and "B" pass the gate of the first test; a number
 * source (seeded) delays each call by 0–3 ms, so concurrent workers interleave differently per run.
 */
const worker = new AsyncLocalStorage<"A" | "B" | (() => number)>();
let bReachedWrite: () => void = () => {};
let aDone: () => void = () => {};
const bReading = new Promise<void>((r) => {
  bReachedWrite = r;
});
const aFinished = new Promise<void>((r) => {
  aDone = r;
});

function sqsEvent(bodies: string[], worker: string): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `${worker}-${i}`,
      receiptHandle: `rh-${worker}-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "local",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:local:000000000000:clicks",
      awsRegion: "local",
    })),
  };
}

beforeAll(async () => {
  // The product's clients, with a gate on writes: B's writes wait until A has finished, and A's until B
  // has read (B is at its first write), so both plan against the same clicker version.
  const WRITES = new Set(["PutItemCommand", "TransactWriteItemsCommand"]);
  setDynamo(
    ...documentClients(() => {
      const client = new DynamoDBClient({
        endpoint: engine.endpoint(),
        region: "local",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const who = worker.getStore();
          if (typeof who === "function") await new Promise((r) => setTimeout(r, Math.floor(who() * 4)));
          else if (WRITES.has(String(context.commandName))) {
            if (who === "B") {
              bReachedWrite();
              await aFinished;
            } else if (who === "A") await bReading;
          }
          return next(args);
        },
        { step: "initialize", name: "gate" },
      );
      return client;
    }),
  );
  await configureApp("race", { name: "Race", timezone: "UTC", currency: "USD" }, TAP0);
  await putLinks([link(CODE, SALE, "bf")]);
});

function link(code: string, url: string, campaignId: string): LinkRecord {
  return {
    code,
    url,
    appId: "race",
    campaignId,
    instanceId: "i1",
    userId: "u1",
    messageId: `${campaignId}-i1-u1`,
    country: "IN",
    provider: "sinch",
    expiresAt: TAP0 + LINK_LIFETIME_MS,
  };
}

/** Taps a link at `at` through the redirect; the click it queues goes to `bodies`. */
async function tapAt(code: string, at: number, userAgent: string, bodies: string[]): Promise<void> {
  setQueue({ send: async (_name, b) => void bodies.push(...b.map((m) => asQueueMessage(m).body)) });
  setClock(() => at);
  const event = apiEvent({ method: "GET", route: "/l/{code+}", params: { code }, headers: {} });
  event.headers["user-agent"] = userAgent;
  event.requestContext.http.userAgent = userAgent;
  await redirect(event as APIGatewayProxyEventV2);
}

it("two workers on one clicker: every tap counted once, the first click on its day", async () => {
  const bodies: string[] = [];
  for (let i = 0; i <= 6; i++) await tapAt(CODE, TAP0 + i * HOUR, IPHONE, bodies);
  setClock(() => TAP0 + 7 * HOUR);
  const tap = (i: number) => bodies[i] as string;

  expect((await clickWorker(sqsEvent([tap(6)], "first"))).batchItemFailures).toEqual([]);
  const [a, b] = await Promise.all([
    worker.run("A", async () => {
      try {
        return await clickWorker(sqsEvent([tap(4), tap(5)], "A"));
      } finally {
        aDone(); // also when A fails: B must not wait for ever
      }
    }),
    worker.run("B", () => clickWorker(sqsEvent([0, 1, 2, 3, 4, 5].map(tap), "B"))),
  ]);
  expect(a.batchItemFailures).toEqual([]);
  expect(b.batchItemFailures).toEqual([]);

  await engine.count();
  const c = await readCounters({ appId: "race", campaignId: "bf", scope: "i1" });
  expect(total(c, fields.clicks).toNumber()).toBe(7);
  expect(total(c, fields.clickers).toNumber()).toBe(1);
  expect(c.get("2026-11-20")?.get(fields.clickers)?.toNumber()).toBe(1);
  expect(c.get("2026-11-20")?.get(fields.clicks)?.toNumber()).toBe(1);
});

it("a tap both held and stored as an item (what the race left behind) heals when an earlier tap comes", async () => {
  const code = newLinkCode(newLinkPrefix());
  await putLinks([link(code, SALE, "healed")]);
  const bodies: string[] = [];
  await tapAt(code, TAP0 + 5 * HOUR, IPHONE, bodies); // L: held first
  await tapAt(code, TAP0, IPHONE, bodies); // E: earlier, comes later
  setClock(() => TAP0 + 6 * HOUR);
  expect((await clickWorker(sqsEvent([bodies[0] as string], "L"))).batchItemFailures).toEqual([]);
  // The race's leftover: L also as a tap item of its own.
  const l = parseMessage("clicks", bodies[0] as string) as ClickMessage;
  await writeFacts([
    tapWrite(
      {
        appId: l.appId,
        campaignId: l.campaignId,
        instanceId: l.instanceId,
        userId: l.userId,
        tz: "UTC",
        variantId: null,
        id: l.id,
        at: l.at,
        url: l.url,
        country: l.country,
        provider: l.provider,
        bot: false,
        expired: false,
      },
      l.expiresAt,
    ),
  ]);
  // E alone in its batch: it takes the slot, and L leaves the clicker without a second item.
  expect((await clickWorker(sqsEvent([bodies[1] as string], "E"))).batchItemFailures).toEqual([]);
  await engine.count();
  const c = await readCounters({ appId: "race", campaignId: "healed", scope: "i1" });
  expect(total(c, fields.clicks).toNumber()).toBe(2);
  expect(total(c, fields.clickers).toNumber()).toBe(1);
  expect(c.get("2026-11-20")?.get(fields.clickers)?.toNumber()).toBe(1);
});

/** The UTC day of an epoch-ms time (the app's zone is UTC). */
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

// The interleavings come from real timers (seeded delays, but I/O decides the order), so a failing
// case may not replay exactly; its taps and batches still show the shape of the race.
it("any workers with overlapping batches, interleaved at random, count each tap once (property)", async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ hour: fc.integer({ min: 0, max: 47 }), help: fc.boolean(), bot: fc.boolean() }), {
        minLength: 2,
        maxLength: 9,
      }),
      fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 4 }),
      fc.integer(),
      async (taps, picks, seed) => {
        const campaignId = `p${++run}`;
        const codes = { sale: newLinkCode(newLinkPrefix()), help: newLinkCode(newLinkPrefix()) };
        await putLinks([link(codes.sale, SALE, campaignId), link(codes.help, HELP, campaignId)]);
        const bodies: string[] = [];
        for (const t of taps)
          await tapAt(
            t.help ? codes.help : codes.sale,
            TAP0 + t.hour * HOUR,
            t.bot ? WHATSAPP : IPHONE,
            bodies,
          );
        // Each worker's batch: the picked taps; every tap is in at least one batch, many in several.
        const batches = picks.map((p) => [...new Set(p.map((i) => i % taps.length))]);
        const covered = new Set(batches.flat());
        batches[0]?.push(...[...taps.keys()].filter((i) => !covered.has(i)));
        setClock(() => TAP0 + 48 * HOUR);
        let pending = batches.map((b) => b.map((i) => bodies[i] as string));
        for (let delivery = 1; pending.length > 0; delivery++) {
          expect(delivery).toBeLessThanOrEqual(3);
          const events = pending.map((b, w) => sqsEvent(b, `${w}.${delivery}`));
          const results = await worker.run(seededRandom(seed + delivery), () =>
            Promise.all(events.map((e) => clickWorker(e))),
          );
          // What a worker hands back comes again, as SQS redelivers it.
          pending = results
            .map((r, w) =>
              r.batchItemFailures.map(
                (f) => events[w]?.Records.find((x) => x.messageId === f.itemIdentifier)?.body as string,
              ),
            )
            .filter((b) => b.length > 0);
        }
        await engine.count();
        const c = await readCounters({ appId: "race", campaignId, scope: "i1" });
        const n = (field: string) => total(c, field).toNumber();
        const real = taps.filter((t) => !t.bot);
        expect(n(fields.clicks)).toBe(real.length);
        expect(n(fields.suspectedBots)).toBe(taps.length - real.length);
        expect(n(fields.clickers)).toBe(real.length > 0 ? 1 : 0);
        if (real.length > 0) {
          const first = TAP0 + Math.min(...real.map((t) => t.hour)) * HOUR;
          expect(c.get(day(first))?.get(fields.clickers)?.toNumber()).toBe(1);
        }
        for (const [help, url] of [
          [false, SALE],
          [true, HELP],
        ] as const) {
          const on = real.filter((t) => t.help === help);
          expect(n(fields.urlClicks(url))).toBe(on.length);
          expect(n(fields.urlClickers(url))).toBe(on.length > 0 ? 1 : 0);
          if (on.length > 0) {
            const first = TAP0 + Math.min(...on.map((t) => t.hour)) * HOUR;
            expect(c.get(day(first))?.get(fields.urlClickers(url))?.toNumber()).toBe(1);
          }
        }
      },
    ),
    { numRuns: Number(process.env.CLICK_RACE_RUNS ?? 40), seed: 20261130 },
  );
});
