import { describe, expect, it } from "vitest";
import { receiptDeltas, sendOutcomeDeltas } from "../../../lambdas/domain/message-counters.js";
import {
  decideReceipt,
  failureCode,
  type MessageSnapshot,
  receiptTime,
} from "../../../lambdas/domain/message-state.js";

const sent: MessageSnapshot = {
  status: "SENT",
  sentAt: 1_000,
  failedAt: null,
  failCode: null,
  failDescription: null,
};
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
  const m = {
    provider: "gupshup",
    country: "IN",
    sentAt: Date.UTC(2026, 10, 20, 10),
    windowHours: 36,
    failedAt: null,
    failCode: null,
    failDescription: null,
  };
  const sum = (deltas: { field: string; by: number | string }[], field: string) =>
    deltas.filter((d) => d.field === field).reduce((s, d) => s + Number(d.by), 0);
  const invariant = (deltas: { field: string; by: number | string }[]) =>
    sum(deltas, "sent") -
    sum(deltas, "delivered") -
    sum(deltas, "failedToDeliver") -
    sum(deltas, "inTransit");

  it("holds through sent → failed → delivered and unknown → delivered", () => {
    const tz = "Asia/Kolkata";
    const a = sendOutcomeDeltas(m, { status: "SENT" }, tz);
    const b = receiptDeltas(
      m,
      "SENT",
      "FAILED",
      m.sentAt + 60_000,
      { code: "003", description: "UNKNOWN_SUBSCRIBER" },
      tz,
    );
    const c = receiptDeltas(
      { ...m, failedAt: m.sentAt + 60_000, failCode: "003", failDescription: "UNKNOWN_SUBSCRIBER" },
      "FAILED",
      "DELIVERED",
      m.sentAt + 120_000,
      null,
      tz,
    );
    const all = [...a, ...b, ...c];
    expect(invariant(all)).toBe(0);
    expect(sum(all, "delivered")).toBe(1);
    expect(sum(all, "failedToDeliver")).toBe(0);
    expect(sum(all, "ftd|003|UNKNOWN_SUBSCRIBER")).toBe(0);

    const u = sendOutcomeDeltas(m, { status: "OUTCOME_UNKNOWN" }, tz);
    const v = receiptDeltas(m, "OUTCOME_UNKNOWN", "DELIVERED", m.sentAt + 1_000, null, tz);
    expect(invariant([...u, ...v])).toBe(0);
    expect(sum([...u, ...v], "failedToSend")).toBe(0);
    expect(sum([...u, ...v], "sent")).toBe(1);
  });

  it("buckets by the app's local day", () => {
    // 20:00 UTC on the 20th is the 21st in Kolkata (+05:30).
    const late = { ...m, sentAt: Date.UTC(2026, 10, 20, 20) };
    expect(sendOutcomeDeltas(late, { status: "SENT" }, "Asia/Kolkata")[0]?.day).toBe("2026-11-21");
    expect(sendOutcomeDeltas(late, { status: "SENT" }, "UTC")[0]?.day).toBe("2026-11-20");
  });
});
