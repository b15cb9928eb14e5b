import { describe, expect, it } from "vitest";
import { contributionOf, sumDeltas } from "../../../lambdas/domain/contributions.js";
import type { MessageRecord } from "../../../lambdas/domain/message-state.js";
import { counterScopes } from "../../../lambdas/store/keys.js";

const T = Date.parse("2026-11-20T10:00:00Z");

const message = (over: Partial<MessageRecord>): MessageRecord => ({
  appId: "a",
  messageId: "m1",
  campaignId: "c",
  instanceId: "i1",
  userId: "u1",
  connectorId: "ct",
  provider: "custom",
  tracked: false,
  windowHours: 36,
  tz: "UTC",
  status: "UNTRACKED",
  queuedAt: T,
  sendingAt: T,
  sentAt: T,
  country: "US",
  providerMessageId: null,
  deliveredAt: null,
  failedAt: null,
  failCode: null,
  failDescription: null,
  notSentReason: null,
  notSentCode: null,
  missing: null,
  variantId: null,
  version: 2,
  ...over,
});

describe("experiment arms in the counters (issue 17)", () => {
  it("counts a control-group user as held on the request's day, under the control arm, and nothing else", () => {
    const held = contributionOf({
      fact: "message",
      ...message({ status: "CONTROL", sendingAt: null, sentAt: null, country: null, version: 1 }),
    });
    expect(held).toEqual([
      { campaignId: "c", instanceId: "i1", arm: "control", day: "2026-11-20", field: "held", by: "1" },
    ]);
  });

  it("counts a treated user's send under its variant", () => {
    const sent = sumDeltas(contributionOf({ fact: "message", ...message({ variantId: "B" }) }));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((d) => d.arm === "B")).toBe(true);
    expect(sent.find((d) => d.field === "sent")?.by).toBe("1");
  });

  it("moves a variant's facts in the plain scopes and the arm's, a control user's only in the arm's", () => {
    expect(counterScopes("i1", null)).toEqual(["i1", "*"]);
    expect(counterScopes("i1", "A")).toEqual(["i1", "*", "i1~A", "*~A"]);
    expect(counterScopes("i1", "control")).toEqual(["i1~control", "*~control"]);
  });
});
