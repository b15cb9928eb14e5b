import type { APIGatewayProxyEventV2, SQSEvent } from "aws-lambda";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fields } from "../../lambdas/domain/counter-fields.js";
import { type DailyCounters, total } from "../../lambdas/domain/counters.js";
import { LINK_LIFETIME_MS, newLinkCode, newLinkPrefix } from "../../lambdas/domain/links.js";
import { configureApp } from "../../lambdas/flows/configuration.js";
import { handler as clickWorker } from "../../lambdas/handlers/click-worker.js";
import { clearLinkCache, handler as redirect } from "../../lambdas/handlers/redirect.js";
import type { ApiResult } from "../../lambdas/http/response.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { setLogSink } from "../../lambdas/platform/logger.js";
import { type QueueName, type QueuePort, setQueue } from "../../lambdas/queue/index.js";
import { readCounters } from "../../lambdas/store/counters.js";
import { CAMPAIGN_SCOPE } from "../../lambdas/store/keys.js";
import { type LinkRecord, putLinks } from "../../lambdas/store/links.js";
import { apiEvent } from "../support/api-event.js";
import { useLocalDynamo } from "../support/dynamo.js";

const PREFIX = newLinkPrefix();

const engine = useLocalDynamo();

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const WHATSAPP = "WhatsApp/2.23.20.0 A";
const SALE = "https://shop.example/sale?utm=sms";
const HELP = "https://shop.example/help";
const TZ = "Asia/Kathmandu"; // +05:45
/** Sent at 23:45 on the 20th in Kathmandu: fifteen minutes later it is the 21st there. */
const SENT = Date.parse("2026-11-20T18:00:00Z");
const EXPIRES = SENT + LINK_LIFETIME_MS;

/** A queue that keeps what the redirect sends (the real adapter's contract: resolves once "queued"). */
class CapturingQueue implements QueuePort {
  readonly bodies: string[] = [];
  async send(name: QueueName, bodies: string[]): Promise<void> {
    expect(name).toBe("clicks");
    this.bodies.push(...bodies);
  }
}

/** A queue that is down: fault injection for the "recording must not fail the redirect" rule. */
class FailingQueue implements QueuePort {
  async send(): Promise<void> {
    throw Object.assign(new Error("SQS unavailable"), { name: "ServiceUnavailable" });
  }
}

function link(code: string, url: string, userId: string, instanceId = "i1", campaignId = "bf"): LinkRecord {
  return {
    code,
    url,
    appId: "acme",
    campaignId,
    instanceId,
    userId,
    messageId: `${instanceId}-${userId}`,
    country: "NP",
    provider: "sinch",
    expiresAt: EXPIRES,
  };
}

function tapEvent(method: "GET" | "HEAD", code: string, userAgent?: string, query?: Record<string, string>) {
  const event = apiEvent({ method, route: "/l/{code+}", params: { code }, query, headers: {} });
  if (userAgent === undefined) {
    delete event.headers["user-agent"];
    event.requestContext.http.userAgent = "";
  } else {
    event.headers["user-agent"] = userAgent;
    event.requestContext.http.userAgent = userAgent;
  }
  return event;
}

async function tap(
  at: number,
  method: "GET" | "HEAD",
  code: string,
  userAgent?: string,
  query?: Record<string, string>,
): Promise<ApiResult> {
  setClock(() => at);
  return redirect(tapEvent(method, code, userAgent, query) as APIGatewayProxyEventV2);
}

function sqsEvent(bodies: string[], firstId = 0): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `msg-${firstId + i}`,
      receiptHandle: `rh-${firstId + i}`,
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

/** Deterministic shuffle (a fixed LCG), so a failure reproduces. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The counters as they stand once every recorded change has been counted. */
const counters = async (scope: string, campaignId = "bf"): Promise<DailyCounters> => {
  await engine.count();
  return readCounters({ appId: "acme", campaignId, scope });
};
const n = (c: DailyCounters, field: string): number => total(c, field).toNumber();
const onDay = (c: DailyCounters, day: string, field: string): number =>
  c.get(day)?.get(field)?.toNumber() ?? 0;

const code = {
  u1Sale: newLinkCode(PREFIX),
  u1Help: newLinkCode(PREFIX),
  u2Sale: newLinkCode(PREFIX),
  u3Sale: newLinkCode(PREFIX),
  u1OtherInstance: newLinkCode(PREFIX),
  recovered: newLinkCode(PREFIX),
  concurrent: newLinkCode(PREFIX),
};

beforeAll(async () => {
  await configureApp("acme", { name: "Acme", timezone: TZ, currency: "NPR" }, SENT);
  await putLinks([
    link(code.u1Sale, SALE, "u1"),
    link(code.u1Help, HELP, "u1"),
    link(code.u2Sale, SALE, "u2"),
    link(code.u3Sale, SALE, "u3"),
    link(code.u1OtherInstance, SALE, "u1", "i2"),
    link(code.recovered, SALE, "r1", "i1", "recovery"),
    link(code.concurrent, SALE, "c1", "i1", "concurrent"),
  ]);
});

afterEach(() => {
  setClock(undefined);
  clearLinkCache();
  vi.restoreAllMocks();
});

describe("redirect → click worker, against the real engine", () => {
  it("answers every tap and counts clicks, uniques, bots and late taps exactly, once", async () => {
    const queue = new CapturingQueue();
    setQueue(queue);
    const min = 60_000;

    // u1: two real taps on SALE either side of local midnight, one on HELP, a HEAD, one without a user agent.
    const first = await tap(SENT + 10 * min, "GET", code.u1Sale, IPHONE, { next: "https://evil.example" });
    expect(first.statusCode).toBe(302);
    expect(first.headers?.location).toBe(SALE);
    expect(first.headers?.["cache-control"]).toBe("no-store");
    expect(first.headers?.["referrer-policy"]).toBe("no-referrer");
    expect((await tap(SENT + 30 * min, "GET", code.u1Sale, IPHONE)).headers?.location).toBe(SALE);
    expect((await tap(SENT + 60 * min, "GET", code.u1Help, IPHONE)).headers?.location).toBe(HELP);
    const head = await tap(SENT + 61 * min, "HEAD", code.u1Sale, IPHONE);
    expect(head.statusCode).toBe(302);
    expect(head.headers?.location).toBe(SALE);
    expect(head.body).toBeUndefined();
    expect((await tap(SENT + 62 * min, "GET", code.u1Sale, undefined)).statusCode).toBe(302);
    // u2: a messaging app's preview fetch, then the user two days later.
    expect((await tap(SENT + 5 * min, "GET", code.u2Sale, WHATSAPP)).statusCode).toBe(302);
    expect((await tap(SENT + 2 * 86_400_000, "GET", code.u2Sale, IPHONE)).statusCode).toBe(302);
    // u3: one second before expiry still redirects; one second after is 410 and a late tap.
    expect((await tap(EXPIRES - 1000, "GET", code.u3Sale, IPHONE)).headers?.location).toBe(SALE);
    const late = await tap(EXPIRES + 1000, "GET", code.u3Sale, IPHONE);
    expect(late.statusCode).toBe(410);
    expect(late.headers?.location).toBeUndefined();
    expect(late.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(String(late.body)).toContain("expired");
    const lateHead = await tap(EXPIRES + 1500, "HEAD", code.u3Sale, IPHONE);
    expect(lateHead.statusCode).toBe(410);
    expect(lateHead.body).toBeUndefined();
    expect((await tap(EXPIRES + 2000, "GET", code.u3Sale, WHATSAPP)).statusCode).toBe(410);
    // u1 in another instance of the same campaign.
    expect((await tap(SENT + 3 * 86_400_000, "GET", code.u1OtherInstance, IPHONE)).statusCode).toBe(302);
    // Unknown and malformed codes: 404, nothing queued.
    const unknown = await tap(SENT, "GET", newLinkCode(PREFIX), IPHONE);
    expect(unknown.statusCode).toBe(404);
    expect(String(unknown.body)).toContain("Link not found");
    expect((await tap(SENT, "GET", `${code.u1Sale}x`, IPHONE)).statusCode).toBe(404);
    expect((await tap(SENT, "HEAD", "..%2F..%2Fevil", IPHONE)).statusCode).toBe(404);

    // One message per tap on a known link (12 taps), each with its own click id.
    expect(queue.bodies).toHaveLength(12);
    const ids = queue.bodies.map((b) => JSON.parse(b).id as string);
    expect(new Set(ids).size).toBe(12);

    // Every body twice, shuffled, in batches of 4, with one garbage record that must fail alone.
    const deliveries = shuffled([...queue.bodies, ...queue.bodies], 7);
    let messageNo = 0;
    for (let i = 0; i < deliveries.length; i += 4) {
      const batch = deliveries.slice(i, i + 4);
      const result = await clickWorker(sqsEvent(batch, messageNo));
      messageNo += batch.length;
      expect(result.batchItemFailures).toEqual([]);
    }
    const garbage = await clickWorker(sqsEvent(["{not json", queue.bodies[0] as string], 1000));
    expect(garbage.batchItemFailures).toEqual([{ itemIdentifier: "msg-1000" }]);

    const i1 = await counters("i1");
    expect(n(i1, fields.clicks)).toBe(5); // u1 ×3, u2, u3 (before expiry)
    expect(n(i1, fields.clickers)).toBe(3);
    expect(n(i1, fields.suspectedBots)).toBe(5); // HEAD, no user agent, preview, late HEAD, late preview
    expect(n(i1, fields.afterExpiry)).toBe(1);
    expect(n(i1, fields.urlClicks(SALE))).toBe(4);
    expect(n(i1, fields.urlClickers(SALE))).toBe(3);
    expect(n(i1, fields.urlClicks(HELP))).toBe(1);
    expect(n(i1, fields.urlClickers(HELP))).toBe(1);
    expect(n(i1, fields.byCountry("NP", "clicks"))).toBe(5);
    expect(n(i1, fields.byProvider("sinch", "clicks"))).toBe(5);
    // Series by tap day in Kathmandu; each unique on the day of the user's first real tap.
    expect(onDay(i1, "2026-11-20", fields.clicks)).toBe(1);
    expect(onDay(i1, "2026-11-21", fields.clicks)).toBe(2);
    expect(onDay(i1, "2026-11-22", fields.clicks)).toBe(1);
    expect(onDay(i1, "2026-12-05", fields.clicks)).toBe(1);
    expect(onDay(i1, "2026-11-20", fields.clickers)).toBe(1);
    expect(onDay(i1, "2026-11-21", fields.clickers)).toBe(0);
    expect(onDay(i1, "2026-11-22", fields.clickers)).toBe(1);
    expect(onDay(i1, "2026-12-05", fields.clickers)).toBe(1);
    expect(onDay(i1, "2026-11-20", fields.suspectedBots)).toBe(1); // the preview at 23:50
    expect(onDay(i1, "2026-12-05", fields.afterExpiry)).toBe(1);

    // Campaign-wide: the sum over instances (u1 is unique once in each).
    const campaign = await counters(CAMPAIGN_SCOPE);
    expect(n(campaign, fields.clicks)).toBe(6);
    expect(n(campaign, fields.clickers)).toBe(4);
    expect(n(campaign, fields.suspectedBots)).toBe(5);
    expect(n(campaign, fields.afterExpiry)).toBe(1);

    // A redelivery of everything, in another order, changes nothing.
    const redelivered = await clickWorker(sqsEvent(shuffled(queue.bodies, 99), 2000));
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(await counters("i1")).toEqual(i1);
    expect(await counters(CAMPAIGN_SCOPE)).toEqual(campaign);
  });

  it("still redirects when the click cannot be queued, and logs the whole click for recovery", async () => {
    setQueue(new FailingQueue());
    const errors = vi.fn();
    const logs = vi.fn();
    setLogSink({ error: errors, log: logs, info: vi.fn(), warn: vi.fn(), debug: vi.fn(), trace: vi.fn() });
    const r = await tap(SENT + 1000, "GET", code.recovered, IPHONE);
    expect(r.statusCode).toBe(302);
    expect(r.headers?.location).toBe(SALE);

    const lost = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("CLICK_NOT_RECORDED"));
    expect(lost).toHaveLength(1);
    const click = JSON.parse(lost[0] as string).click;
    expect(click).toMatchObject({
      campaignId: "recovery",
      userId: "r1",
      url: SALE,
      bot: false,
      expired: false,
    });
    const metric = logs.mock.calls
      .map((c) => JSON.parse(String(c[0])))
      .find((l) => l.ClicksNotRecorded === 1);
    expect(metric?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "SmsAnalytics",
      Metrics: [{ Name: "ClicksNotRecorded", Unit: "Count" }],
    });

    // Recovery: the logged click, replayed (twice), counts once.
    expect(
      (await clickWorker(sqsEvent([JSON.stringify(click), JSON.stringify(click)]))).batchItemFailures,
    ).toEqual([]);
    const c = await counters("i1", "recovery");
    expect(n(c, fields.clicks)).toBe(1);
    expect(n(c, fields.clickers)).toBe(1);
  });

  it("counts exactly when workers race on the same clicker", async () => {
    const queue = new CapturingQueue();
    setQueue(queue);
    for (let i = 0; i < 12; i++) {
      await tap(SENT + i * 3_600_000, "GET", code.concurrent, i % 4 === 3 ? WHATSAPP : IPHONE);
    }
    expect(queue.bodies).toHaveLength(12);
    // Four workers at once, overlapping batches: every click is in two of them.
    const batches = [0, 3, 6, 9].map((start) =>
      Array.from({ length: 6 }, (_, k) => queue.bodies[(start + k) % 12] as string),
    );
    const results = await Promise.all(batches.map((b, i) => clickWorker(sqsEvent(b, i * 100))));
    for (const r of results) expect(r.batchItemFailures).toEqual([]);
    const c = await counters("i1", "concurrent");
    expect(n(c, fields.clicks)).toBe(9);
    expect(n(c, fields.suspectedBots)).toBe(3);
    expect(n(c, fields.clickers)).toBe(1);
    expect(onDay(c, "2026-11-20", fields.clickers)).toBe(1); // the first tap, 23:45 in Kathmandu
  });
});
