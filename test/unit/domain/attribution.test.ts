import { describe, expect, it } from "vitest";
import {
  type AppEvent,
  type AttributionCampaign,
  attributeEvent,
  attributeToWindow,
  type CountedFor,
  countedKey,
  type GoalSpec,
  inWindow,
  type KeptEvent,
  matchingGoals,
  nextFirsts,
  WINDOW_GRACE_MS,
  type WindowRecord,
  windowEnd,
} from "../../../lambdas/domain/attribution.js";
import { contributionOf, sumDeltas } from "../../../lambdas/domain/contributions.js";
import {
  type MessageRecord,
  planReceipts,
  planTap,
  windowStart,
} from "../../../lambdas/domain/message-state.js";
import { windowFor } from "../../../lambdas/flows/attribution.js";

const H = 3_600_000;
const t0 = Date.UTC(2026, 10, 20, 6);
const NOW = t0 + 48 * H;
const ev = (
  eventId: string,
  at: number,
  attributes: AppEvent["attributes"] = {},
  name = "Purchase",
): AppEvent => ({
  eventId,
  userId: "u1",
  name,
  at,
  attributes,
});
const campaign: AttributionCampaign = {
  campaignId: "bf",
  goals: [{ goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" }],
  primaryGoalId: "purchase",
  revenueGoalId: "purchase",
  currency: "USD",
};
const campaigns = new Map([["bf", campaign]]);
const window = (instanceId: string, startAt: number, firsts: WindowRecord["firsts"] = {}): WindowRecord => ({
  appId: "acme",
  userId: "u1",
  campaignId: "bf",
  instanceId,
  messageId: `m-${instanceId}`,
  tz: "UTC",
  startAt,
  endAt: windowEnd(startAt, 36),
  sentAt: startAt - H,
  firsts,
  version: 1,
});

/** An event kept with what it was counted for, as the attribution flow stores it. */
function kept(e: AppEvent, counted: Record<string, CountedFor> = {}): KeptEvent {
  return { ...e, appId: "acme", tz: "UTC", counted, version: 1 };
}

/** Counts an event on its arrival, as the flow does: the kept event's entries and the window's firsts. */
function countOnArrival(e: AppEvent, windows: WindowRecord[], counted: Record<string, CountedFor> = {}) {
  const plan = attributeEvent(e, windows, campaigns, counted, NOW);
  const entries = { ...counted };
  for (const a of plan) entries[countedKey(a.campaignId, a.goalId)] = a.entry;
  return { plan, event: kept(e, entries) };
}

/** Sum of a field over the contributions of the given items. */
function sum(items: Parameters<typeof contributionOf>[0][], field: string): string {
  const d = sumDeltas(items.flatMap(contributionOf)).filter((x) => x.field === field);
  return d.reduce((s, x) => s + Number(x.by), 0).toString();
}

describe("attribution windows", () => {
  it("opens at delivery for tracked messages and at send without tracking; the end is excluded", () => {
    const start = windowStart({ status: "DELIVERED", deliveredAt: t0, sentAt: t0 - H, queuedAt: t0 - 2 * H });
    expect(start).toBe(t0);
    const w = { startAt: t0, endAt: windowEnd(t0, 36) };
    expect(w.endAt).toBe(t0 + 36 * H);
    expect(inWindow(w, t0)).toBe(true);
    expect(inWindow(w, t0 - 1)).toBe(false);
    expect(inWindow(w, t0 + 36 * H - 1)).toBe(true);
    expect(inWindow(w, t0 + 36 * H)).toBe(false);
    expect(windowStart({ status: "UNTRACKED", deliveredAt: null, sentAt: t0, queuedAt: t0 - H })).toBe(t0);
    expect(windowStart({ status: "SENT", deliveredAt: null, sentAt: t0, queuedAt: t0 - H })).toBeNull();
    expect(windowStart({ status: "FAILED", deliveredAt: null, sentAt: t0, queuedAt: t0 - H })).toBeNull();
    // A control-group user: when they would have been sent (the send request).
    expect(windowStart({ status: "CONTROL", deliveredAt: null, sentAt: null, queuedAt: t0 - H })).toBe(
      t0 - H,
    );
  });

  it("matches goals by name and every filter, strictly", () => {
    const goals: GoalSpec[] = [
      { goalId: "a", eventName: "Signup", filters: { plan: "pro" } },
      { goalId: "b", eventName: "Signup" },
      { goalId: "c", eventName: "Signup", filters: { seats: 5 } },
    ];
    expect(matchingGoals(goals, ev("e", t0, { plan: "pro" }, "Signup")).map((g) => g.goalId)).toEqual([
      "a",
      "b",
    ]);
    expect(
      matchingGoals(goals, ev("e", t0, { plan: "free", seats: "5" }, "Signup")).map((g) => g.goalId),
    ).toEqual(["b"]);
    expect(matchingGoals(goals, ev("e", t0, { seats: 5 }, "Signup")).map((g) => g.goalId)).toEqual([
      "b",
      "c",
    ]);
  });
});

describe("conversion planning", () => {
  it("counts each event once, the user once, and revenue exactly", () => {
    const w = window("i1", t0);
    const e1 = countOnArrival(ev("e1", t0, { order_value: 19.99 }), [w]);
    const e2 = countOnArrival(ev("e2", t0 + H, { order_value: "0.01" }), [w]);
    const firsts = nextFirsts(w, [
      { goalId: "purchase", eventId: "e1", at: t0, primary: true },
      { goalId: "purchase", eventId: "e2", at: t0 + H, primary: true },
    ]);
    const items = [
      { fact: "event" as const, ...e1.event },
      { fact: "event" as const, ...e2.event },
      { fact: "window" as const, ...w, firsts: firsts ?? {} },
    ];
    expect(sum(items, "goal|events|purchase")).toBe("2");
    expect(sum(items, "goal|users|purchase")).toBe("1");
    expect(sum(items, "goal|revenue|purchase")).toBe("20");
    // The same event again (a retry, or another instance's window of the campaign): nothing to count.
    expect(attributeEvent(ev("e1", t0), [w, window("i2", t0 + H)], campaigns, e1.event.counted, NOW)).toEqual(
      [],
    );
  });

  it("counts an event with a missing or unreadable revenue as a conversion without revenue, reported apart", () => {
    const w = window("i1", t0);
    const a = countOnArrival(ev("e1", t0, { order_value: "abc" }), [w]);
    const b = countOnArrival(ev("e2", t0, {}), [w]);
    const items = [
      { fact: "event" as const, ...a.event },
      { fact: "event" as const, ...b.event },
    ];
    expect(sum(items, "goal|events|purchase")).toBe("2");
    expect(sum(items, "goal|norevenue|purchase")).toBe("1");
    expect(sum(items, "goal|unreadable|purchase")).toBe("1");
    expect(sum(items, "goal|revenue|purchase")).toBe("0");
  });

  it("moves the unique user to the day of an earlier event that arrives late", () => {
    const w = window("i1", t0);
    const later = nextFirsts(w, [{ goalId: "purchase", eventId: "e2", at: t0 + 24 * H, primary: true }]);
    const afterLater = { ...w, firsts: later ?? {} };
    const earlier = nextFirsts(afterLater, [{ goalId: "purchase", eventId: "e1", at: t0, primary: true }]);
    const before = contributionOf({ fact: "window", ...afterLater }).filter(
      (d) => d.field === "goal|users|purchase",
    );
    const after = contributionOf({ fact: "window", ...afterLater, firsts: earlier ?? {} }).filter(
      (d) => d.field === "goal|users|purchase",
    );
    expect(before.map((d) => d.day)).toEqual(["2026-11-21"]);
    expect(after.map((d) => d.day)).toEqual(["2026-11-20"]);
  });

  it("counts an event once per campaign and the user once per instance", () => {
    const w1 = window("i1", t0);
    const w2 = window("i2", t0 + 2 * H);
    const first = countOnArrival(ev("e1", t0 + H), [w1]);
    // The same event through another instance's window that opened later: already counted for this campaign.
    expect(attributeToWindow(w2, [first.event], campaign, NOW)).toEqual([]);
    const second = countOnArrival(ev("e2", t0 + 3 * H), [w1, w2]);
    // Last touch: the window that holds it and started last.
    expect(second.plan.map((a) => a.window.instanceId)).toEqual(["i2"]);
    const w2Firsts = nextFirsts(w2, [{ goalId: "purchase", eventId: "e2", at: t0 + 3 * H, primary: true }]);
    const users = contributionOf({ fact: "window", ...w2, firsts: w2Firsts ?? {} }).filter(
      (d) => d.field === "goal|users|purchase",
    );
    expect(users).toEqual([
      {
        campaignId: "bf",
        instanceId: "i2",
        arm: null,
        day: "2026-11-20",
        field: "goal|users|purchase",
        by: "1",
      },
    ]);
  });

  it("applies one grace rule whichever side meets the other: the stored arrival and opening decide", () => {
    const w = { ...window("i1", t0), openedAt: t0 };
    const graceEnd = w.endAt + WINDOW_GRACE_MS;
    const late = kept(ev("late", t0 + H));
    // Kept after the window opened: counts until the grace ends, on arrival and when the window is re-driven.
    for (const keptAt of [graceEnd - 1, graceEnd]) {
      const counts = keptAt < graceEnd ? 1 : 0;
      expect(attributeEvent(late, [w], campaigns, {}, keptAt)).toHaveLength(counts);
      expect(attributeToWindow(w, [{ ...late, keptAt }], campaign, graceEnd)).toHaveLength(counts);
    }
    // A window opening late (its delivery receipt came after the grace) takes what was kept before it.
    const opensLate = { ...w, openedAt: graceEnd + 2 * H };
    expect(
      attributeToWindow(opensLate, [{ ...late, keptAt: graceEnd + H }], campaign, graceEnd + 2 * H),
    ).toHaveLength(1);
    expect(attributeEvent(late, [opensLate], campaigns, {}, graceEnd + H)).toHaveLength(1);
    expect(attributeEvent(late, [opensLate], campaigns, {}, graceEnd + 3 * H)).toHaveLength(0);
    // At the very instant the window opens: who came first cannot be known; event time decides.
    expect(attributeEvent(late, [opensLate], campaigns, {}, graceEnd + 2 * H)).toHaveLength(1);
  });

  it("opens a window at the arrival of the fact that opened it, however late the worker stores it", () => {
    // A DLR arriving long after the delivery it reports: the worker that records it crashes before the
    // window is stored, and a redelivery stores it minutes later. The window is the same item either way.
    const sentAt = t0 - H;
    const sent: MessageRecord = {
      appId: "acme",
      messageId: "m-i1",
      campaignId: "bf",
      instanceId: "i1",
      userId: "u1",
      connectorId: "ct",
      provider: "custom",
      tracked: true,
      windowHours: 36,
      tz: "UTC",
      status: "SENT",
      queuedAt: sentAt,
      sendingAt: sentAt,
      sentAt,
      country: "IN",
      providerMessageId: null,
      deliveredAt: null,
      failedAt: null,
      failCode: null,
      failDescription: null,
      notSentReason: null,
      notSentCode: null,
      missing: null,
      version: 3,
    };
    const arrivedAt = t0 + 20 * 24 * H;
    const plan = planReceipts(sent, [
      { status: "DELIVERED", code: null, description: null, operatorTimeMs: t0, arrivedAt },
    ]);
    const delivered = { ...sent, ...plan.changes };
    expect(windowFor(delivered)).toMatchObject({ startAt: t0, openedAt: arrivedAt });
    const tapped = { ...sent, ...planTap(sent, { at: arrivedAt + H, bot: false }) };
    expect(windowFor(tapped)?.openedAt).toBe(arrivedAt + H);
    // A purchase kept while the crashed worker's window was missing: after the opening DLR, past the grace.
    const w = windowFor(delivered) as WindowRecord;
    const between = { ...kept(ev("between", t0 + H)), keptAt: arrivedAt + 6 * 60_000 };
    expect(attributeToWindow(w, [between], campaign, arrivedAt + 7 * 60_000)).toEqual([]);
  });
});
