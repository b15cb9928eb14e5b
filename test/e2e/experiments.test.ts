import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assignArm } from "../../lambdas/domain/experiment.js";
import { leafPaths, metricDictionary } from "../../lambdas/domain/metric-dictionary.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { getCampaign } from "../../lambdas/store/campaigns.js";
import { type CustomSimulator, startCustomSimulator } from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * Experiments (issue 17) end to end: two variants and a 20 % control group over 200 users, sent through
 * a custom connector (attribution by send). The provider must receive exactly the treated users with
 * their variant's text; the arms must be the assignment's; taps, conversions and revenue must land in
 * the right arm; a second instance must put every user in the same arm; the p-value must match one
 * computed here by a different method (numerical integration of the normal density).
 */
const S = Date.parse("2026-11-20T06:00:00Z");
const H = 3_600_000;
const MOBILE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const USERS = Array.from({ length: 200 }, (_, i) => `u${String(i).padStart(3, "0")}`);
const phoneOf = (userId: string): string => `+1415555${userId.slice(1).padStart(4, "0")}`;
const VARIANTS = [
  { variantId: "A", message: "Variant A: 20% off https://shop.example/a", weight: 50 },
  { variantId: "B", message: "Variant B: free shipping https://shop.example/b", weight: 50 },
];

let api: Api;
let sim: CustomSimulator;
let key: string;
let now = S;
/** Each user's arm as the assignment function gives it for the campaign's stored salt. */
const armOf = new Map<string, string>();

/** Phone → texts the provider received, in order. */
function received(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of sim.requests) {
    const body = r.body as { to: string; text: string };
    out.set(body.to, [...(out.get(body.to) ?? []), body.text]);
  }
  return out;
}

async function send(instanceId: string, body: Record<string, unknown>) {
  return api.call(
    "POST",
    `/v1/apps/exp/campaigns/ab/instances/${instanceId}/sends`,
    { ...body, recipients: USERS.map((userId) => ({ userId, phone: phoneOf(userId) })) },
    key,
  );
}

/** Two-sided p-value of a z statistic by Simpson's rule over the normal density (independent of erfc). */
function pValueByIntegration(z: number): number {
  const a = Math.abs(z);
  const b = 40;
  const steps = 200_000;
  const h = (b - a) / steps;
  const phi = (t: number): number => Math.exp(-(t * t) / 2) / Math.sqrt(2 * Math.PI);
  let sum = phi(a) + phi(b);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * phi(a + i * h);
  return 2 * ((sum * h) / 3);
}

/** The pooled two-proportion z statistic, written out from the textbook rates. */
function zOf(x1: number, n1: number, x2: number, n2: number): number {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const p = (x1 + x2) / (n1 + n2);
  return (p1 - p2) / Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
}

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  sim = await startCustomSimulator();
  key = await api.createApp("exp", "UTC", "USD");
  await api.putConnector(
    "/v1/apps/exp/connectors/c",
    {
      provider: "custom",
      deliveryTracking: false,
      custom: {
        request: {
          method: "POST",
          url: `${sim.url}/send`,
          headers: { "content-type": "application/json" },
          body: '{"to":"{{phone}}","text":"{{message}}"}',
        },
      },
      sendRatePerSecond: 1000,
    },
    key,
  );
  await api.putCampaign(
    "/v1/apps/exp/campaigns/ab",
    {
      name: "A/B with hold-out",
      connectorId: "c",
      clickTracking: true,
      controlGroupPercent: 20,
      goals: [{ goalId: "buy", eventName: "Purchase", primary: true, revenueAttribute: "amount" }],
    },
    key,
  );
  const r = await send("i1", { variants: VARIANTS });
  expect(r.status).toBe(202);
  await api.drain();
  const campaign = await getCampaign("exp", "ab");
  for (const userId of USERS) {
    const arm = assignArm({
      salt: campaign?.experimentSalt ?? "",
      campaignId: "ab",
      userId,
      controlGroupPercent: 20,
      variants: VARIANTS,
    });
    armOf.set(userId, arm.arm === "control" ? "control" : arm.variantId);
  }
  expect(r.body).toEqual({
    instanceId: "i1",
    accepted: 200,
    duplicates: 0,
    heldBack: USERS.filter((u) => armOf.get(u) === "control").length,
  });
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

const inArm = (arm: string): string[] => USERS.filter((u) => armOf.get(u) === arm);
/** Users who buy: every third, in every arm. */
const buyers = USERS.filter((_, i) => i % 3 === 0);
/** Users who tap their link: every fifth user, when treated (read once the arms are known). */
const tapped = (u: string): boolean => USERS.indexOf(u) % 5 === 0 && armOf.get(u) !== "control";

describe("an A/B test with a 20 % control group", () => {
  it("sends exactly the treated users, each their variant's text, and never the control group", () => {
    const got = received();
    const treated = USERS.filter((u) => armOf.get(u) !== "control");
    expect([...got.keys()].sort()).toEqual(treated.map(phoneOf).sort());
    for (const u of treated) {
      const texts = got.get(phoneOf(u)) ?? [];
      expect(texts).toHaveLength(1);
      const prefix = armOf.get(u) === "A" ? "Variant A: 20% off http" : "Variant B: free shipping http";
      expect(texts[0]?.startsWith(prefix)).toBe(true);
    }
    // The arms are roughly the configured shares (a keyed hash, not a quota): 40 ± 20 in control.
    expect(inArm("control").length).toBeGreaterThan(20);
    expect(inArm("control").length).toBeLessThan(60);
    expect(inArm("A").length + inArm("B").length + inArm("control").length).toBe(200);
  });

  it("counts taps and conversions per arm, control users converting in a window that opened at the request", async () => {
    const texts = received();
    for (const u of USERS.filter(tapped)) {
      const code = /\/l\/([0-9A-Za-z]{14})/.exec(texts.get(phoneOf(u))?.[0] ?? "")?.[1];
      now = S + H;
      const r = await fetch(`${api.url}/l/${code}`, {
        redirect: "manual",
        headers: { "user-agent": MOBILE },
      });
      expect(r.status).toBe(302);
    }
    now = S + 2 * H;
    const events = buyers.map((userId) => ({
      eventId: `buy-${userId}`,
      userId,
      name: "Purchase",
      time: new Date(S + 2 * H).toISOString(),
      attributes: { amount: "12.50" },
    }));
    // Posted twice: duplicates count once.
    for (const batch of [events, events]) {
      expect((await api.call("POST", "/v1/apps/exp/events", { events: batch }, key)).status).toBe(202);
    }
    await api.drain();

    const a = await api.analytics("exp", "ab", key, { instanceId: "i1" });
    const control = inArm("control");
    const controlBuyers = control.filter((u) => buyers.includes(u)).length;
    expect(a.experiment.controlGroupPercent).toBe(20);
    expect(a.experiment.comparedWith).toBe("controlGroup");
    expect(a.experiment.controlGroup).toEqual({
      users: control.length,
      conversions: controlBuyers,
      conversionRate: Number(((controlBuyers / control.length) * 100).toFixed(2)),
    });
    for (const v of a.experiment.variants) {
      const users = inArm(v.variantId);
      const conv = users.filter((u) => buyers.includes(u)).length;
      const taps = users.filter(tapped).length;
      expect(v).toMatchObject({
        weight: 50,
        sent: users.length,
        delivered: 0,
        clicks: taps,
        uniqueClicks: taps,
        conversionEvents: conv,
        conversions: conv,
        revenue: (conv * 12.5).toFixed(2),
      });
      expect(v.conversionRate).toBeCloseTo((conv / users.length) * 100, 2);
      expect(v.uplift.absolute).toBeCloseTo((conv / users.length - controlBuyers / control.length) * 100, 2);
      const p = pValueByIntegration(zOf(conv, users.length, controlBuyers, control.length));
      expect(Math.abs(v.uplift.pValue - p)).toBeLessThan(1e-9);
      expect(v.uplift.significant).toBe(p < 0.05);
    }
    // The campaign's own numbers are the treated users' only.
    expect(a.delivery.sent).toBe(200 - control.length);
    expect(a.conversions.conversions).toBe(buyers.length - controlBuyers);
    // One arm on its own, through the variantId filter (the CSV takes the same filter).
    const onlyA = await api.analytics("exp", "ab", key, { instanceId: "i1", variantId: "A" });
    expect(onlyA.delivery.sent).toBe(inArm("A").length);
    expect(onlyA.clicks.unique).toBe(inArm("A").filter(tapped).length);
  });

  it("keeps every user in the same arm in a second instance, and a repeated request changes nothing", async () => {
    const before = sim.requests.length;
    now = S + 24 * H;
    const r = await send("i2", { variants: VARIANTS });
    expect(r.body.heldBack).toBe(inArm("control").length);
    await api.drain();
    const again = await send("i2", { variants: VARIANTS });
    expect(again.body).toEqual({ instanceId: "i2", accepted: 0, duplicates: 200, heldBack: 0 });
    await api.drain();
    const second = sim.requests.slice(before).map((q) => q.body as { to: string; text: string });
    expect(second).toHaveLength(200 - inArm("control").length);
    for (const { to, text } of second) {
      const user = USERS.find((u) => phoneOf(u) === to) as string;
      expect(text.startsWith(`Variant ${armOf.get(user)}:`)).toBe(true);
    }
    const i2 = await api.analytics("exp", "ab", key, { instanceId: "i2" });
    expect(i2.experiment.controlGroup.users).toBe(inArm("control").length);
    expect(i2.experiment.variants.map((v: { sent: number }) => v.sent)).toEqual([
      inArm("A").length,
      inArm("B").length,
    ]);
    const all = await api.analytics("exp", "ab", key);
    expect(all.experiment.controlGroup.users).toBe(2 * inArm("control").length);
    expect(all.experiment.variants[0].sent).toBe(2 * inArm("A").length);
  });

  it("documents every experiment field in the metric dictionary", async () => {
    const a = await api.analytics("exp", "ab", key);
    const paths = metricDictionary.map((m) => m.path).filter((p) => p.startsWith("experiment."));
    expect(
      leafPaths(a.experiment)
        .map((p) => `experiment.${p}`)
        .sort(),
    ).toEqual(paths.sort());
  });

  it("refuses what would re-deal the arms or leak the assignment", async () => {
    const plain = await send("i3", { message: "Plain text" });
    expect(plain.status).toBe(409);
    expect(plain.body.error.details[0].field).toBe("message");
    const other = await send("i3", {
      variants: [
        { variantId: "A", message: "x", weight: 60 },
        { variantId: "B", message: "y", weight: 40 },
      ],
    });
    expect(other.status).toBe(409);
    const share = await api.call(
      "PUT",
      "/v1/apps/exp/campaigns/ab",
      {
        name: "A/B with hold-out",
        connectorId: "c",
        clickTracking: true,
        controlGroupPercent: 10,
        goals: [{ goalId: "buy", eventName: "Purchase", primary: true, revenueAttribute: "amount" }],
      },
      key,
    );
    expect(share.status).toBe(409);
    expect(share.body.error.details[0].field).toBe("controlGroupPercent");
    for (const variants of [
      [
        { variantId: "A", message: "x", weight: 50 },
        { variantId: "B", message: "y", weight: 40 },
      ],
      [
        { variantId: "control", message: "x", weight: 50 },
        { variantId: "B", message: "y", weight: 50 },
      ],
      [{ variantId: "A", message: "x", weight: 100 }],
    ]) {
      expect((await send("i3", { variants })).status).toBe(400);
    }
    expect((await send("i3", { message: "x", variants: VARIANTS })).status).toBe(400);
    const shown = await api.call("GET", "/v1/apps/exp/campaigns/ab", undefined, key);
    expect(shown.body.variants).toEqual([
      { variantId: "A", weight: 50 },
      { variantId: "B", weight: 50 },
    ]);
    expect(JSON.stringify(shown.body)).not.toContain("experimentSalt");
    const list = await api.call("GET", "/v1/apps/exp/campaigns", undefined, key);
    expect(JSON.stringify(list.body)).not.toContain("experimentSalt");
    const unknownArm = await api.call(
      "GET",
      "/v1/apps/exp/campaigns/ab/analytics?variantId=Z",
      undefined,
      key,
    );
    expect(unknownArm.status).toBe(404);
  });
});
