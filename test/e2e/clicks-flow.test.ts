import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../lambdas/platform/clock.js";
import { setQueue } from "../../lambdas/queue/index.js";
import { type GupshupSimulator, startGupshupSimulator } from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/** Taps through the local server: repeats, several URLs, previews and HEAD, unknown codes, the 15-day edge. */
const H = 3_600_000;
const S0 = Date.parse("2026-11-10T09:00:00Z");
const MOBILE =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";
const WHATSAPP = "WhatsApp/2.23.20.0 A";
const phones: Record<string, string> = { u1: "+919800000001", u2: "+919800000002", u3: "+919800000003" };

let api: Api;
let sim: GupshupSimulator;
let key: string;
const links: Record<string, string[]> = {};
/** Every click message the redirect queued, to deliver them all again. */
const clickMessages: string[] = [];

beforeAll(async () => {
  api = await startProduct();
  const queues = api.runtime.queues;
  setQueue({
    send: async (name, bodies) => {
      if (name === "clicks") clickMessages.push(...bodies.map((b) => (typeof b === "string" ? b : b.body)));
      return queues.send(name, bodies);
    },
  });
  sim = await startGupshupSimulator();
  key = await api.createApp("clk", "UTC", "USD");
  await api.putConnector(
    "/v1/apps/clk/connectors/gs",
    { provider: "gupshup", gupshup: { userId: "u", password: "p", baseUrl: sim.url } },
    key,
  );
  await api.putCampaign(
    "/v1/apps/clk/campaigns/c1",
    { name: "C1", connectorId: "gs", clickTracking: true, goals: [{ goalId: "buy", eventName: "Purchase" }] },
    key,
  );
  setClock(() => S0);
  const r = await api.call(
    "POST",
    "/v1/apps/clk/campaigns/c1/instances/i1/sends",
    {
      message: "Sale https://shop.example/a?x=1 and more at https://shop.example/b.",
      recipients: Object.entries(phones).map(([userId, phone]) => ({ userId, phone })),
    },
    key,
  );
  expect(r.body.accepted).toBe(3);
  await api.drain();
  for (const [user, phone] of Object.entries(phones)) {
    const msg =
      (
        sim.requests.find((q) => (q.body as Record<string, string>).send_to === phone.slice(1))?.body as
          | Record<string, string>
          | undefined
      )?.msg ?? "";
    links[user] = [...msg.matchAll(/\/l\/([0-9A-Za-z]{14})/g)].map((m) => m[1] as string);
  }
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

async function tap(code: string, options: { at: number; ua?: string; method?: string }): Promise<Response> {
  setClock(() => options.at);
  return fetch(`${api.url}/l/${code}`, {
    method: options.method ?? "GET",
    redirect: "manual",
    headers: options.ua === undefined ? {} : { "user-agent": options.ua },
  });
}

describe("click tracking through the local server", () => {
  it("shortens every URL of the message, trailing punctuation left in the text", () => {
    expect(links.u1).toHaveLength(2);
    const msg = (sim.requests[0]?.body as Record<string, string> | undefined)?.msg;
    expect(msg).toMatch(
      /^Sale http:\/\/localhost:\d+\/l\/[0-9A-Za-z]{14} and more at http:\/\/localhost:\d+\/l\/[0-9A-Za-z]{14}\.$/,
    );
  });

  it("redirects to exactly the stored URL, never caches, and counts taps, bots and late taps apart", async () => {
    const [u1a, u1b] = links.u1 as [string, string];
    const [u2a] = links.u2 as [string];
    const [u3a] = links.u3 as [string];
    const first = await tap(u1a, { at: S0 + H, ua: MOBILE });
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("https://shop.example/a?x=1");
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect((await tap(u1a, { at: S0 + 2 * H, ua: MOBILE })).status).toBe(302);
    expect((await tap(u1b, { at: S0 + 2 * H, ua: MOBILE })).headers.get("location")).toBe(
      "https://shop.example/b",
    );
    // Query strings and path tricks never change the target.
    const tricked = await fetch(`${api.url}/l/${u1a}?url=https://evil.example`, {
      redirect: "manual",
      headers: { "user-agent": MOBILE },
    });
    expect(tricked.headers.get("location")).toBe("https://shop.example/a?x=1");
    expect((await tap(u2a, { at: S0 + 3 * H, ua: WHATSAPP })).status).toBe(302);
    const head = await tap(u2a, { at: S0 + 3 * H, ua: MOBILE, method: "HEAD" });
    expect(head.status).toBe(302);
    expect(await head.text()).toBe("");
    // The 15-day (360 h) edge: one second before counts, one second after is gone.
    expect((await tap(u3a, { at: S0 + 360 * H - 1000, ua: MOBILE })).status).toBe(302);
    const late = await tap(u3a, { at: S0 + 360 * H + 1000, ua: MOBILE });
    expect(late.status).toBe(410);
    expect(late.headers.get("content-type")).toMatch(/text\/html/);
    expect((await tap("ZZZZZZZZZZZZZZ", { at: S0 + H, ua: MOBILE })).status).toBe(404);
    expect((await tap("not-a-code", { at: S0 + H, ua: MOBILE })).status).toBe(404);
    await api.drain();

    const a = await api.analytics("clk", "c1", key);
    // u1: 3 taps (+1 tricked) on 2 URLs; u3: 1 tap; u2: a preview and a HEAD (bots); u3's late tap.
    expect(a.clicks).toEqual({
      total: 5,
      unique: 2,
      // No receipts yet, but u1's and u3's taps prove their SMS arrived: 2 of 2 delivered clicked.
      clickThroughRate: 100,
      suspectedBots: 2,
      afterExpiry: 1,
      byUrl: [
        { url: "https://shop.example/a?x=1", total: 4, unique: 2 },
        { url: "https://shop.example/b", total: 1, unique: 1 },
      ],
    });
    const days = Object.fromEntries(
      a.series.map((d: { date: string; clicks: number }) => [d.date, d.clicks]),
    );
    expect(days["2026-11-10"]).toBe(4);
    expect(days["2026-11-25"]).toBe(1);
  });

  it("a tap with characters glued after the code redirects and counts like the clean link", async () => {
    const [, u2b] = links.u2 as [string, string];
    const before = (await api.analytics("clk", "c1", key)).clicks;
    const queued = clickMessages.length;
    setClock(() => S0 + 4 * H);
    // As SMS and chat apps send them: a slash, an ideographic full stop (percent-encoded), more path.
    for (const glued of ["/", "%E3%80%82", ".", ")", "/foo"]) {
      const r = await fetch(`${api.url}/l/${u2b}${glued}`, {
        redirect: "manual",
        headers: { "user-agent": MOBILE },
      });
      expect(r.status, glued).toBe(302);
      expect(r.headers.get("location"), glued).toBe("https://shop.example/b");
    }
    // A 15th base62 character is not glued on: another (unknown) token, nothing queued.
    const longer = await fetch(`${api.url}/l/${u2b}x/`, {
      redirect: "manual",
      headers: { "user-agent": MOBILE },
    });
    expect(longer.status).toBe(404);
    expect(clickMessages).toHaveLength(queued + 5);
    await api.drain();

    const after = (await api.analytics("clk", "c1", key)).clicks;
    expect(after.total).toBe(before.total + 5);
    expect(after.unique).toBe(before.unique + 1); // u2's first real tap
    expect(after.suspectedBots).toBe(before.suspectedBots);
    // Five counted taps on the second URL, from a user new to it: under one URL, one more unique.
    expect(after.byUrl).toEqual([
      { url: "https://shop.example/b", total: 6, unique: 2 },
      { url: "https://shop.example/a?x=1", total: 4, unique: 2 },
    ]);
  });

  it("duplicated and redelivered click messages change nothing", async () => {
    const before = (await api.analytics("clk", "c1", key)).clicks;
    expect(clickMessages).toHaveLength(13); // unknown and malformed codes queue nothing
    await api.runtime.queues.send("clicks", [...clickMessages].reverse());
    await api.runtime.queues.send("clicks", clickMessages);
    await api.drain();
    expect((await api.analytics("clk", "c1", key)).clicks).toEqual(before);
  });
});
