import { describe, expect, it } from "vitest";
import { changeBetween } from "../../../lambdas/domain/contributions.js";
import {
  decideReceipt,
  failureCode,
  type MessageRecord,
  planReceipts,
  planTap,
  receiptTime,
  sendOutcome,
} from "../../../lambdas/domain/message-state.js";

const sent = { status: "SENT" as const, sentAt: 1_000 };
const r = (status: "DELIVERED" | "FAILED" | "IN_TRANSIT" | "UNKNOWN", code: string | null = null) => ({
  status,
  code,
  description: null,
  atMs: 5_000,
});

describe("delivery state machine", () => {
  it("moves a sent message to delivered or failed, and in-transit changes nothing", () => {
    expect(decideReceipt(sent, r("DELIVERED"))).toEqual({
      kind: "apply",
      from: "SENT",
      to: "DELIVERED",
      provedSent: false,
    });
    expect(decideReceipt(sent, r("FAILED", "003"))).toMatchObject({ kind: "apply", to: "FAILED" });
    expect(decideReceipt(sent, r("IN_TRANSIT"))).toMatchObject({ kind: "noop" });
  });

  it("keeps DELIVERED final and lets FAILED move to DELIVERED only", () => {
    const delivered = { ...sent, status: "DELIVERED" as const };
    for (const s of ["DELIVERED", "FAILED", "IN_TRANSIT", "UNKNOWN"] as const) {
      expect(decideReceipt(delivered, r(s)).kind).toBe("noop");
    }
    const failed = { ...sent, status: "FAILED" as const, failedAt: 2_000, failCode: "003" };
    expect(decideReceipt(failed, r("DELIVERED"))).toMatchObject({
      kind: "apply",
      from: "FAILED",
      to: "DELIVERED",
    });
    expect(decideReceipt(failed, r("FAILED", "001")).kind).toBe("noop");
    expect(decideReceipt(failed, r("IN_TRANSIT")).kind).toBe("noop");
  });

  it("treats a receipt for an unknown send outcome as proof it was sent", () => {
    const unknown = { ...sent, status: "OUTCOME_UNKNOWN" as const };
    expect(decideReceipt(unknown, r("IN_TRANSIT"))).toEqual({
      kind: "apply",
      from: "OUTCOME_UNKNOWN",
      to: "SENT",
      provedSent: true,
    });
    expect(decideReceipt(unknown, r("DELIVERED"))).toMatchObject({ to: "DELIVERED", provedSent: true });
  });

  it("waits for a send that is not recorded yet, and ignores receipts for messages never sent", () => {
    expect(decideReceipt({ ...sent, status: "SENDING" }, r("DELIVERED"))).toEqual({ kind: "not-ready" });
    expect(decideReceipt({ ...sent, status: "QUEUED" }, r("DELIVERED"))).toEqual({ kind: "not-ready" });
    expect(decideReceipt({ ...sent, status: "NOT_SENT" }, r("DELIVERED")).kind).toBe("noop");
  });

  it("counts UNKNOWN as a failure with code UNKNOWN, keeping the provider's own words", () => {
    expect(failureCode({ status: "UNKNOWN", code: "NO-DLR-OPTR", description: null, atMs: 0 })).toEqual({
      code: "UNKNOWN",
      description: "NO-DLR-OPTR",
    });
  });

  it("never dates a delivery before its send or after the receipt arrived", () => {
    expect(receiptTime(500, 9_000, 1_000)).toBe(1_000);
    expect(receiptTime(20_000, 9_000, 1_000)).toBe(9_000);
    expect(receiptTime(4_000, 9_000, 1_000)).toBe(4_000);
    expect(receiptTime(null, 9_000, 1_000)).toBe(9_000);
  });
});

describe("counter deltas keep sent = delivered + failedToDeliver + inTransit", () => {
  const m: MessageRecord = {
    appId: "acme",
    messageId: "m1",
    campaignId: "bf",
    instanceId: "i1",
    userId: "u1",
    connectorId: "gs",
    provider: "gupshup",
    tracked: true,
    windowHours: 36,
    tz: "Asia/Kolkata",
    status: "SENDING",
    queuedAt: Date.UTC(2026, 10, 20, 10),
    sendingAt: Date.UTC(2026, 10, 20, 10),
    sentAt: null,
    country: "IN",
    providerMessageId: null,
    deliveredAt: null,
    failedAt: null,
    failCode: null,
    failDescription: null,
    notSentReason: null,
    notSentCode: null,
    missing: null,
    version: 2,
  };
  const sum = (deltas: { field: string; by: number | string }[], field: string) =>
    deltas.filter((d) => d.field === field).reduce((s, d) => s + Number(d.by), 0);
  const invariant = (deltas: { field: string; by: number | string }[]) =>
    sum(deltas, "sent") -
    sum(deltas, "delivered") -
    sum(deltas, "failedToDeliver") -
    sum(deltas, "inTransit");
  /** The message after each step, and what each step moved (as the counter applies it). */
  function walk(steps: Array<(x: MessageRecord) => Partial<MessageRecord>>, start: MessageRecord = m) {
    let cur = start;
    const deltas: { field: string; by: string; day: string }[] = [];
    for (const step of steps) {
      const next = { ...cur, ...step(cur) };
      deltas.push(...changeBetween({ fact: "message", ...cur }, { fact: "message", ...next }));
      cur = next;
    }
    return { cur, deltas };
  }
  const receipt =
    (status: "DELIVERED" | "FAILED" | "IN_TRANSIT", at: number, code: string | null = null) =>
    (x: MessageRecord) =>
      planReceipts(x, [
        { status, code, description: code ? "UNKNOWN_SUBSCRIBER" : null, operatorTimeMs: at, arrivedAt: at },
      ]).changes ?? {};

  it("holds through sent → failed → delivered and unknown → delivered", () => {
    const sentAt = m.sendingAt as number;
    const { deltas: all } = walk([
      (x) => sendOutcome(x, { status: "SENT", providerMessageId: "p1" }, "IN"),
      receipt("FAILED", sentAt + 60_000, "003"),
      receipt("DELIVERED", sentAt + 120_000),
    ]);
    expect(invariant(all)).toBe(0);
    expect(sum(all, "delivered")).toBe(1);
    expect(sum(all, "failedToDeliver")).toBe(0);
    expect(sum(all, "ftd|003|UNKNOWN_SUBSCRIBER")).toBe(0);

    const { deltas: uv } = walk([
      (x) => sendOutcome(x, { status: "OUTCOME_UNKNOWN" }, "IN"),
      receipt("DELIVERED", sentAt + 1_000),
    ]);
    expect(invariant(uv)).toBe(0);
    expect(sum(uv, "failedToSend")).toBe(0);
    expect(sum(uv, "sent")).toBe(1);
  });

  it("buckets by the app's local day", () => {
    // 20:00 UTC on the 20th is the 21st in Kolkata (+05:30).
    const late = { ...m, sendingAt: Date.UTC(2026, 10, 20, 20) };
    const day = (tz: string) =>
      walk([(x) => sendOutcome(x, { status: "SENT", providerMessageId: null }, "IN")], {
        ...late,
        tz,
      }).deltas.find((d) => d.field === "sent")?.day;
    expect(day("Asia/Kolkata")).toBe("2026-11-21");
    expect(day("UTC")).toBe("2026-11-20");
  });
});

describe("what a tap proves (issue 13 §3)", () => {
  const base = {
    appId: "a",
    messageId: "m",
    campaignId: "c",
    instanceId: "i",
    userId: "u",
    connectorId: "k",
    provider: "custom",
    tracked: true,
    windowHours: 36,
    tz: "UTC",
    queuedAt: 0,
    sendingAt: 1_000,
    sentAt: 1_000,
    country: null,
    providerMessageId: null,
    deliveredAt: null,
    failedAt: null,
    failCode: null,
    failDescription: null,
    notSentReason: null,
    notSentCode: null,
    missing: null,
    version: 3,
  } satisfies Omit<MessageRecord, "status">;
  const unknown: MessageRecord = {
    ...base,
    status: "OUTCOME_UNKNOWN",
    notSentReason: "SEND_OUTCOME_UNKNOWN",
  };
  const person = { at: 9_000, bot: false };
  const preview = { at: 9_000, bot: true };

  it("an unknown outcome was sent: a person's tap proves delivery at the tap, a preview only the send", () => {
    expect(planTap(unknown, person)).toEqual({
      status: "DELIVERED",
      deliveredAt: 9_000,
      windowOpenedAt: 9_000,
      notSentReason: null,
      notSentCode: null,
    });
    expect(planTap(unknown, preview)).toEqual({ status: "SENT", notSentReason: null, notSentCode: null });
    const untracked = { ...unknown, tracked: false };
    for (const tap of [person, preview])
      expect(planTap(untracked, tap)).toEqual({
        status: "UNTRACKED",
        windowOpenedAt: 9_000,
        notSentReason: null,
        notSentCode: null,
      });
  });

  it("a person's tap delivers a message in transit or reported failed; a delivered one stays as it was", () => {
    expect(planTap({ ...base, status: "SENT" }, person)).toEqual({
      status: "DELIVERED",
      deliveredAt: 9_000,
      windowOpenedAt: 9_000,
    });
    expect(planTap({ ...base, status: "FAILED", failCode: "003" }, person)).toMatchObject({
      status: "DELIVERED",
    });
    expect(planTap({ ...base, status: "SENT" }, preview)).toBeNull();
    expect(planTap({ ...base, status: "DELIVERED", deliveredAt: 5_000 }, person)).toBeNull();
    expect(planTap({ ...base, status: "UNTRACKED", tracked: false }, person)).toBeNull();
  });

  it("never dates a delivery before the send (a tap clock behind the sender's)", () => {
    expect(planTap({ ...base, status: "SENT" }, { at: 500, bot: false })).toMatchObject({
      deliveredAt: 1_000,
    });
  });
});
