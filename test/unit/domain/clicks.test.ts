import { describe, expect, it } from "vitest";
import {
  type ClickerRecord,
  type ClickMessage,
  emptyClicker,
  isSuspectedBot,
  planClicks as planTaps,
} from "../../../lambdas/domain/clicks.js";
import { changeBetween, contributionOf, sumDeltas } from "../../../lambdas/domain/contributions.js";
import { fields } from "../../../lambdas/domain/counter-fields.js";
import { parseMessage } from "../../../lambdas/queue/contracts.js";

/**
 * The worker's view of one clicker: the clicker item and the taps recorded as items of their own. A
 * plan's deltas are what its writes move the counters by (domain/contributions), as the counter applies them.
 */
interface ClickerState {
  clicker: ClickerRecord;
  known: Set<string>;
  version: number;
  firstAt: number | null;
}

function state(clicker: ClickerRecord, known: Set<string>): ClickerState {
  const first = clicker.first ? clicker.taps[clicker.first] : undefined;
  return { clicker, known, version: clicker.version, firstAt: first?.at ?? null };
}

const emptyClickerState = (): ClickerState =>
  state(
    emptyClicker({ appId: "acme", campaignId: "bf", instanceId: "i1", userId: "u1" }, "Asia/Kolkata"),
    new Set(),
  );

function planClicks(
  before: ClickerState,
  clicks: ClickMessage[],
  tz: string,
): {
  next: ClickerState & { clickIds: Set<string> };
  deltas: { day: string; field: string; by: string }[];
  counted: string[];
} {
  const stored = { ...before.clicker, tz };
  const plan = planTaps(stored, clicks, before.known);
  const after = plan.clicker ?? stored;
  const items = [...plan.tapItems, ...plan.displaced];
  const deltas = sumDeltas([
    ...changeBetween({ fact: "clicker", ...stored }, { fact: "clicker", ...after }),
    ...items.flatMap((t) => contributionOf({ fact: "tap", ...t })),
  ]);
  const known = new Set([...before.known, ...items.map((t) => t.id)]);
  const next = state(after, known);
  return {
    next: { ...next, clickIds: new Set([...known, ...Object.keys(after.taps)]) },
    deltas,
    counted: plan.counted,
  };
}

const TZ = "Asia/Kolkata"; // +05:30: 2026-11-20T18:30Z is already the 21st locally
const SALE = "https://shop.example/sale";
const HELP = "https://shop.example/help";

function click(id: string, iso: string, extra: Partial<ClickMessage> = {}): ClickMessage {
  return {
    id,
    at: Date.parse(iso),
    bot: false,
    expired: false,
    appId: "acme",
    campaignId: "bf",
    instanceId: "i1",
    userId: "u1",
    url: SALE,
    country: "IN",
    provider: "gupshup",
    expiresAt: Date.parse("2026-12-05T00:00:00Z"),
    ...extra,
  };
}

/** Deltas as "day field" → by, for exact comparisons. */
function table(deltas: { day: string; field: string; by: number | string }[]): Record<string, number> {
  return Object.fromEntries(deltas.map((d) => [`${d.day} ${d.field}`, Number(d.by)]));
}

/** Applies plans one after another, as the worker does across batches. */
function fold(batches: ClickMessage[][]): { state: ClickerState; totals: Record<string, number> } {
  let state = emptyClickerState();
  const totals: Record<string, number> = {};
  for (const batch of batches) {
    const plan = planClicks(state, batch, TZ);
    state = plan.next;
    for (const [k, v] of Object.entries(table(plan.deltas))) totals[k] = (totals[k] ?? 0) + v;
  }
  return { state, totals: Object.fromEntries(Object.entries(totals).filter(([, v]) => v !== 0)) };
}

describe("planClicks", () => {
  it("counts every real tap, and the user once as a unique clicker", () => {
    const plan = planClicks(
      emptyClickerState(),
      [
        click("a", "2026-11-20T10:00:00Z"),
        click("b", "2026-11-20T11:00:00Z"),
        click("c", "2026-11-20T12:00:00Z"),
      ],
      TZ,
    );
    expect(table(plan.deltas)).toEqual({
      [`2026-11-20 ${fields.clicks}`]: 3,
      [`2026-11-20 ${fields.urlClicks(SALE)}`]: 3,
      [`2026-11-20 ${fields.byCountry("IN", "clicks")}`]: 3,
      [`2026-11-20 ${fields.byProvider("gupshup", "clicks")}`]: 3,
      [`2026-11-20 ${fields.clickers}`]: 1,
      [`2026-11-20 ${fields.urlClickers(SALE)}`]: 1,
    });
    expect(plan.counted).toEqual(["a", "b", "c"]);
    expect(plan.next.version).toBe(1);
    expect(plan.next.firstAt).toBe(Date.parse("2026-11-20T10:00:00Z"));
  });

  it("buckets by the app-local tap day", () => {
    const plan = planClicks(emptyClickerState(), [click("a", "2026-11-20T18:30:00Z")], TZ);
    expect(table(plan.deltas)[`2026-11-21 ${fields.clicks}`]).toBe(1);
    expect(table(plan.deltas)[`2026-11-20 ${fields.clicks}`]).toBeUndefined();
  });

  it("counts nothing for an id already in the state or repeated in the batch", () => {
    const first = planClicks(emptyClickerState(), [click("a", "2026-11-20T10:00:00Z")], TZ);
    const again = planClicks(
      first.next,
      [
        click("a", "2026-11-20T10:00:00Z"),
        click("b", "2026-11-20T10:05:00Z"),
        click("b", "2026-11-20T10:05:00Z"),
      ],
      TZ,
    );
    expect(again.counted).toEqual(["b"]);
    expect(table(again.deltas)).toEqual({
      [`2026-11-20 ${fields.clicks}`]: 1,
      [`2026-11-20 ${fields.urlClicks(SALE)}`]: 1,
      [`2026-11-20 ${fields.byCountry("IN", "clicks")}`]: 1,
      [`2026-11-20 ${fields.byProvider("gupshup", "clicks")}`]: 1,
    });
    const replay = planClicks(
      again.next,
      [click("a", "2026-11-20T10:00:00Z"), click("b", "2026-11-20T10:05:00Z")],
      TZ,
    );
    expect(replay.counted).toEqual([]);
    expect(replay.deltas).toEqual([]);
  });

  it("keeps bots (HEAD included) and expired taps apart; a bot on an expired link counts once, as a bot", () => {
    const plan = planClicks(
      emptyClickerState(),
      [
        click("bot", "2026-11-20T10:00:00Z", { bot: true }),
        click("late", "2026-11-20T10:01:00Z", { expired: true }),
        click("late-bot", "2026-11-20T10:02:00Z", { expired: true, bot: true }),
      ],
      TZ,
    );
    expect(table(plan.deltas)).toEqual({
      [`2026-11-20 ${fields.suspectedBots}`]: 2,
      [`2026-11-20 ${fields.afterExpiry}`]: 1,
    });
    // Bots and expired taps are remembered (a redelivery counts nothing) but are not a real tap.
    expect([...plan.next.clickIds].sort()).toEqual(["bot", "late", "late-bot"]);
    expect(plan.next.firstAt).toBeNull();
    const real = planClicks(plan.next, [click("real", "2026-11-20T11:00:00Z")], TZ);
    expect(table(real.deltas)[`2026-11-20 ${fields.clickers}`]).toBe(1);
  });

  it("counts per URL: taps on each, and the user once per URL", () => {
    const { totals } = fold([
      [click("a", "2026-11-20T10:00:00Z"), click("b", "2026-11-20T10:01:00Z", { url: HELP })],
      [click("c", "2026-11-20T10:02:00Z", { url: HELP })],
    ]);
    expect(totals).toEqual({
      [`2026-11-20 ${fields.clicks}`]: 3,
      [`2026-11-20 ${fields.urlClicks(SALE)}`]: 1,
      [`2026-11-20 ${fields.urlClicks(HELP)}`]: 2,
      [`2026-11-20 ${fields.byCountry("IN", "clicks")}`]: 3,
      [`2026-11-20 ${fields.byProvider("gupshup", "clicks")}`]: 3,
      [`2026-11-20 ${fields.clickers}`]: 1,
      [`2026-11-20 ${fields.urlClickers(SALE)}`]: 1,
      [`2026-11-20 ${fields.urlClickers(HELP)}`]: 1,
    });
  });

  it("moves the unique to the day of the earliest real tap when taps arrive out of order", () => {
    const { state, totals } = fold([
      [click("later", "2026-11-22T09:00:00Z")],
      [click("earlier", "2026-11-20T09:00:00Z")],
      [click("between", "2026-11-21T09:00:00Z")],
    ]);
    expect(totals[`2026-11-20 ${fields.clickers}`]).toBe(1);
    expect(totals[`2026-11-22 ${fields.clickers}`]).toBeUndefined();
    expect(totals[`2026-11-21 ${fields.clickers}`]).toBeUndefined();
    expect(totals[`2026-11-20 ${fields.urlClickers(SALE)}`]).toBe(1);
    expect(totals[`2026-11-22 ${fields.urlClickers(SALE)}`]).toBeUndefined();
    for (const day of ["2026-11-20", "2026-11-21", "2026-11-22"])
      expect(totals[`${day} ${fields.clicks}`]).toBe(1);
    expect(state.firstAt).toBe(Date.parse("2026-11-20T09:00:00Z"));
    // The clicker item is written only when a tap takes a slot: the later tap, then the earlier one.
    expect(state.version).toBe(2);
  });

  it("moves a held tap already stored as an item of its own out of the clicker without a second item", () => {
    // What the race of two workers on one clicker left behind before the click worker wrote tap items
    // only after the clicker version they were planned against stood: tap "later" both held and an item.
    const held = planClicks(emptyClickerState(), [click("later", "2026-11-22T09:00:00Z")], TZ).next;
    const doubled = { ...held, known: new Set(["later"]) };
    const plan = planTaps(doubled.clicker, [click("earlier", "2026-11-20T09:00:00Z")], doubled.known);
    expect(plan.displaced).toEqual([]);
    expect(plan.clicker?.first).toBe("earlier");
    expect(Object.keys(plan.clicker?.taps ?? {})).toEqual(["earlier"]);
  });

  it("gives the same totals whatever the order and batching of the same taps", () => {
    const taps = [
      click("a", "2026-11-20T09:00:00Z"),
      click("b", "2026-11-21T20:00:00Z", { url: HELP }),
      click("c", "2026-11-22T09:00:00Z", { bot: true }),
      click("d", "2026-11-23T09:00:00Z", { expired: true }),
      click("e", "2026-11-19T23:00:00Z", { url: HELP, country: null }),
    ];
    const together = fold([taps]).totals;
    const reversed = fold([...taps].reverse().map((t) => [t])).totals;
    const duplicated = fold([[taps[3] as ClickMessage, taps[1] as ClickMessage], taps, taps]).totals;
    expect(reversed).toEqual(together);
    expect(duplicated).toEqual(together);
    expect(together[`2026-11-20 ${fields.clickers}`]).toBe(1); // 23:00Z on the 19th is the 20th in Kolkata
    expect(together[`2026-11-20 ${fields.byCountry("IN", "clicks")}`]).toBe(1);
  });
});

describe("isSuspectedBot", () => {
  const iphone =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
  it("takes a phone browser's GET as a real tap", () => {
    expect(isSuspectedBot("GET", iphone)).toBe(false);
  });
  it("flags HEAD, a missing or blank user agent, and preview fetchers", () => {
    expect(isSuspectedBot("HEAD", iphone)).toBe(true);
    expect(isSuspectedBot("GET", undefined)).toBe(true);
    expect(isSuspectedBot("GET", "  ")).toBe(true);
    expect(isSuspectedBot("GET", "WhatsApp/2.23.20.0 A")).toBe(true);
    expect(isSuspectedBot("GET", "facebookexternalhit/1.1")).toBe(true);
    expect(isSuspectedBot("GET", "TelegramBot (like TwitterBot)")).toBe(true);
  });
});

describe("the clicks queue contract", () => {
  it("round-trips a click and refuses anything else", () => {
    const c = click("a", "2026-11-20T10:00:00Z", { country: null });
    const parseClickMessage = (body: string) => parseMessage("clicks", body);
    expect(parseClickMessage(JSON.stringify(c))).toEqual(c);
    expect(parseClickMessage("not json")).toBeNull();
    expect(parseClickMessage("null")).toBeNull();
    expect(parseClickMessage(JSON.stringify({ ...c, at: "soon" }))).toBeNull();
    expect(parseClickMessage(JSON.stringify({ ...c, id: "" }))).toBeNull();
    expect(parseClickMessage(JSON.stringify({ ...c, bot: "no" }))).toBeNull();
  });
});
