import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Analytics, SeriesDay } from "../../dashboard/src/types.js";
import { assignArm } from "../../lambdas/domain/experiment.js";
import { nowMs } from "../../lambdas/platform/clock.js";
import { getCampaign } from "../../lambdas/store/campaigns.js";
import { REPO_ROOT } from "../../lib/paths.js";
import { type Api, startProduct } from "../e2e/harness.js";
import { buildDashboard } from "./build.js";
import { launchChromium } from "./chromium.js";
import { type Seeded, seedCampaign } from "./seed.js";

/**
 * The dashboard in Debian's Chromium against the local runtime seeded with a real Gupshup flow:
 * every figure on the page is compared with the API's answer for the same filter.
 */
const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");
let api: Api;
let seeded: Seeded;
let browser: Browser;
let page: Page;
/** Console errors and warnings and uncaught page errors, as the browser reported them. */
let problems: string[] = [];

beforeAll(async () => {
  // Chromium first: when it is missing the test fails at once with what to install.
  browser = await launchChromium();
  await buildDashboard();
  api = await startProduct();
  seeded = await seedCampaign(api);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await seeded?.sim.stop();
  await api?.stop();
});

const count = (n: number): string => n.toLocaleString("en-US");
const money = (amount: string | null, currency = ""): string => {
  if (amount === null) return "—";
  const [whole = "", fraction] = amount.split(".");
  return `${currency} ${Number(whole).toLocaleString("en-US")}${fraction === undefined ? "" : `.${fraction}`}`.trim();
};
const SERIES_KEYS = [
  "sent",
  "delivered",
  "failedToSend",
  "failedToDeliver",
  "clicks",
  "uniqueClicks",
  "conversionEvents",
  "conversions",
  "revenue",
] as const;

/** `data-metric` → text for every figure on the page. */
async function renderedFigures(): Promise<Record<string, string>> {
  const pairs = await page.$$eval("[data-metric]", (els) =>
    els.map((el) => [el.getAttribute("data-metric") ?? "", el.textContent?.trim() ?? ""]),
  );
  return Object.fromEntries(pairs);
}

/** What the page must show for this analytics answer. */
function expectedFigures(a: Required<Analytics>): Record<string, string> {
  const out: Record<string, string> = {
    "delivery.sent": count(a.delivery.sent),
    "delivery.delivered": count(a.delivery.delivered),
    "clicks.unique": count(a.clicks.unique),
    "conversions.conversions": count(a.conversions.conversions),
    "conversions.conversionEvents": count(a.conversions.conversionEvents),
    "revenue.total": money(a.revenue.total, a.currency),
    "delivery.failedToSend": count(a.delivery.failedToSend),
    "delivery.failedToDeliver": count(a.delivery.failedToDeliver),
    "delivery.inTransit": count(a.delivery.inTransit),
    "delivery.pendingDeliveryConfirmation": count(a.delivery.pendingDeliveryConfirmation),
    "clicks.total": count(a.clicks.total),
    "clicks.suspectedBots": count(a.clicks.suspectedBots ?? 0),
    "deliveryLatency.inTransitOver72h": count(a.deliveryLatency.inTransitOver72h),
    "cost.segments": count(a.cost.segments),
    "cost.total": money(a.cost.total, a.cost.currency ?? ""),
    "cost.perDelivered": money(a.cost.perDelivered, a.cost.currency ?? ""),
    "cost.perConversion": money(a.cost.perConversion, a.cost.currency ?? ""),
    "cost.returnOnSpend":
      a.cost.returnOnSpend === null
        ? "—"
        : `${a.cost.returnOnSpend.toLocaleString("en-US", { maximumFractionDigits: 2 })}×`,
  };
  for (const g of a.goals) {
    out[`goals.${g.goalId}.allGoals`] = count(g.allGoals);
    out[`goals.${g.goalId}.uniqueGoals`] = count(g.uniqueGoals);
  }
  for (const f of a.failures.failedToSend) out[`failedToSend.${f.reason}.${f.code ?? ""}`] = count(f.count);
  for (const f of a.failures.failedToDeliver) out[`failedToDeliver.${f.code}`] = count(f.count);
  // Revenue the API could not add, by why: on the page only when there is some.
  for (const k of [
    "eventsWithoutRevenue",
    "eventsWithUnreadableRevenue",
    "eventsWithNegativeRevenue",
  ] as const) {
    if (a.revenue[k] > 0) out[`revenue.${k}`] = count(a.revenue[k]);
  }
  for (const d of a.series) {
    for (const k of SERIES_KEYS) {
      out[`series.${d.date}.${k}`] = k === "revenue" ? money(d.revenue) : count(d[k]);
    }
    out[`series.${d.date}.segments`] = count(d.segments);
    out[`series.${d.date}.cost`] = money(d.cost);
  }
  return out;
}

/** Compares the page with the API for one filter, including the provisional marks and the chart. */
async function expectPageMatchesApi(query: Record<string, string>): Promise<Required<Analytics>> {
  const a: Required<Analytics> = await api.analytics("acme", "bf", seeded.key, query);
  const shown = await renderedFigures();
  expect(shown).toMatchObject(expectedFigures(a));
  // No row the API does not have (e.g. a failure reason left over from the previous filter).
  const rows = /^(failedToSend|failedToDeliver|goals|series\.|revenue\.events)/;
  expect(
    Object.keys(shown)
      .filter((k) => rows.test(k))
      .sort(),
  ).toEqual(
    Object.keys(expectedFigures(a))
      .filter((k) => rows.test(k))
      .sort(),
  );

  const provisional = a.provisional.openWindows > 0 || a.provisional.awaitingReceipt > 0;
  expect(await page.locator("[data-provisional-notice]").count()).toBe(provisional ? 1 : 0);
  expect((await page.locator("[data-provisional]").count()) > 0).toBe(provisional);

  // The chart's table: one row per day of the series, with the API's sent numbers.
  const daily = await page.$$eval(".chart-figure tbody tr", (trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent?.trim() ?? "")),
  );
  expect(daily.map((cells) => [cells[0], cells[1]])).toEqual(a.series.map((d) => [d.date, count(d.sent)]));
  if (a.series.length > 0) {
    // Every drawn panel has one bar per day carrying the API's value.
    await page.locator("svg.chart").waitFor();
    const panels = await chartBars();
    expect(Object.keys(panels).length).toBeGreaterThan(0);
    for (const [key, values] of Object.entries(panels)) {
      expect(values).toEqual(a.series.map((d) => String(d[key as keyof SeriesDay])));
    }
  }
  return a;
}

/** The drawn panels: series key → the bars' values in day order. */
async function chartBars(): Promise<Record<string, string[]>> {
  const pairs = await page.$$eval("svg.chart g[data-series]", (gs) =>
    gs.map((g) => [
      g.getAttribute("data-series") ?? "",
      [...g.querySelectorAll("rect.day-bar")].map((r) => r.getAttribute("data-value") ?? ""),
    ]),
  );
  return Object.fromEntries(pairs);
}

async function waitForScope(text: string): Promise<void> {
  await page.locator("[data-scope]", { hasText: text }).waitFor({ timeout: 10_000 });
}

/** The x-axis labels' horizontal extents on screen, left to right. */
async function xLabelBoxes(): Promise<Array<{ left: number; right: number; text: string }>> {
  return page.$$eval("svg.chart .x-tick", (els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, text: el.textContent ?? "" };
    }),
  );
}

async function horizontalOverflow(): Promise<number> {
  return page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
}

/** How far the widest table scrolls sideways inside its own box (0: every column is in view). */
async function tableOverflow(selector: string): Promise<number> {
  const overflows = await page.$$eval(selector, (els) => els.map((el) => el.scrollWidth - el.clientWidth));
  expect(overflows.length).toBeGreaterThan(0);
  return Math.max(...overflows);
}

/** `YYYY-MM-DD` plus `days` (calendar arithmetic in UTC: no time zone can shift it). */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe("the dashboard in Chromium", () => {
  it("serves the build at /dashboard and signs in with the key, by keyboard, keeping it out of the URL", async () => {
    // An archived campaign and a sandbox one next to the live one.
    await api.putConnector("/v1/apps/acme/connectors/sb", { provider: "sandbox", sandbox: {} }, seeded.key);
    await api.putCampaign(
      "/v1/apps/acme/campaigns/try",
      { name: "Sandbox try", connectorId: "sb", goals: [{ goalId: "purchase", eventName: "Purchase" }] },
      seeded.key,
    );
    await api.putCampaign(
      "/v1/apps/acme/campaigns/old",
      { name: "Old promo", connectorId: "gs", goals: [{ goalId: "purchase", eventName: "Purchase" }] },
      seeded.key,
    );
    expect((await api.call("DELETE", "/v1/apps/acme/campaigns/old", undefined, seeded.key)).status).toBe(200);

    await page.goto(`${api.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/");
    await page.locator("#app-id").waitFor();
    // Keyboard only: the login form has focus on arrival, Tab moves to the key, Enter submits.
    await page.keyboard.type("acme");
    await page.keyboard.press("Tab");
    await page.keyboard.type("wrong-key-0000000000000000");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#login-error").textContent()).toMatch(/do not match/);
    // The refused key is the browser's one logged failure (a 401 response): nothing else.
    expect(problems.every((p) => /status of 401/.test(p))).toBe(true);
    problems = [];

    await page.fill("#api-key", seeded.key);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Campaigns" }).waitFor();
    const link = page.getByRole("link", { name: "Black Friday" });
    expect(await link.count()).toBe(1);
    // The overview's headline numbers are the list API's, amounts in the app's currency.
    const list = await api.call("GET", "/v1/apps/acme/campaigns", undefined, seeded.key);
    const bf = list.body.campaigns.find((c: { campaignId: string }) => c.campaignId === "bf");
    const h = bf.headline;
    const shown = await renderedFigures();
    expect(shown).toMatchObject({
      "headline.bf.sent": count(h.sent),
      "headline.bf.failedToSend": count(h.failedToSend),
      "headline.bf.delivered": count(h.delivered),
      "headline.bf.failedToDeliver": count(h.failedToDeliver),
      "headline.bf.clicks": count(h.clicks),
      "headline.bf.conversions": count(h.conversions),
      "headline.bf.revenue": money(h.revenue),
      "headline.bf.cost": money(h.cost, h.costCurrency),
    });
    expect(h).toMatchObject({ sent: 5, failedToSend: 2, failedToDeliver: 1 });
    expect(list.body.currency).toBe("INR");
    expect(await page.getByRole("columnheader", { name: "Revenue (INR)" }).count()).toBe(1);
    // Archived: marked, and listed after the live campaigns; the sandbox campaign is marked as such.
    const rows = await page.$$eval("tbody tr", (trs) =>
      trs.map((tr) => [
        tr.querySelector("a")?.textContent ?? "",
        tr.querySelector("[data-archived]") !== null,
        tr.querySelector("[data-sandbox]") !== null,
      ]),
    );
    expect(rows).toEqual([
      ["Black Friday", false, false],
      ["Sandbox try", false, true],
      ["Old promo", true, false],
    ]);
    // Every column is in view, without scrolling the table.
    expect(await tableOverflow(".table-wrap")).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-overview.png") });
    expect(page.url()).not.toContain(seeded.key);
    // Strings: this code runs in the page, and the test project is typed without the DOM library.
    const stored = await page.evaluate<{ session: string; local: number }>(
      "({ session: JSON.stringify(sessionStorage), local: localStorage.length })",
    );
    expect(stored.session).toContain("acme");
    expect(stored.local).toBe(0);
  });

  it("shows every number of the campaign as the API reports it, provisional ones marked", async () => {
    await page.getByRole("link", { name: "Black Friday" }).click();
    await waitForScope("all instances");
    const a = await expectPageMatchesApi({});
    // Both instances are in: i1 sent 2 (2 failed to send), i2 sent 3 with one still in transit.
    expect(a.delivery).toMatchObject({
      sent: 5,
      failedToSend: 2,
      delivered: 3,
      failedToDeliver: 1,
      inTransit: 1,
    });
    expect(a.provisional.awaitingReceipt).toBe(1);
    // The failures by reason and code, and by delivery code, are on the page (compared above).
    expect(a.failures.failedToSend.length).toBeGreaterThan(0);
    expect(a.failures.failedToDeliver.length).toBeGreaterThan(0);
    // Cost and return (issue 18): every sent message cost its segments at the Indian price, exactly.
    expect(a.cost).toMatchObject({ currency: "INR", unpricedSegments: 0 });
    expect(a.cost.segments).toBeGreaterThanOrEqual(a.delivery.sent);
    expect(a.cost.returnOnSpend).not.toBeNull();
    expect(await page.getByRole("heading", { level: 2, name: "Cost and return" }).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-campaign.png"), fullPage: true });
  });

  it("picks an instance from the instances route, by keyboard, and re-queries for it", async () => {
    const listed = await api.call("GET", "/v1/apps/acme/campaigns/bf/instances", undefined, seeded.key);
    const ids: string[] = listed.body.instances.map((i: { instanceId: string }) => i.instanceId);
    expect(ids).toEqual(["i2", "i1"]);
    const options = await page.$$eval("#f-instance option", (os) =>
      os.map((o) => [o.getAttribute("value") ?? "", o.textContent ?? ""]),
    );
    expect(options.map(([v]) => v)).toEqual(["", ...ids]);
    expect(options[0]?.[1]).toMatch(/Whole campaign/);
    // Each instance shows when it was sent (app time zone).
    for (const [v, text] of options.slice(1)) expect(text).toMatch(new RegExp(`^${v} · .*\\d{2}:\\d{2}`));

    await page.focus("#f-instance");
    await page.selectOption("#f-instance", "i2");
    await waitForScope("instance i2");
    const a = await expectPageMatchesApi({ instanceId: "i2" });
    expect(a.delivery).toMatchObject({ sent: 3, failedToSend: 0, delivered: 2, inTransit: 1 });
    expect(await page.locator("#f-instance-help").textContent()).toMatch(/^Sent .*Asia\/Kolkata.* 3 sent$/);
    // The picker keeps focus across the reload, so a keyboard user can go on choosing.
    expect(await page.evaluate<string>("document.activeElement?.id ?? ''")).toBe("f-instance");

    await page.selectOption("#f-instance", "i1");
    await waitForScope("instance i1");
    await expectPageMatchesApi({ instanceId: "i1" });
  });

  it("re-queries for one day and draws it as one bar per series", async () => {
    await page.selectOption("#f-instance", "");
    await waitForScope("all instances · all dates");
    const all = await api.analytics("acme", "bf", seeded.key);
    const firstDay: string = all.series[0].date;
    await page.fill("#f-from", firstDay);
    await page.fill("#f-to", firstDay);
    await page.keyboard.press("Enter");
    await waitForScope(`all instances · ${firstDay} to ${firstDay}`);
    const a = await expectPageMatchesApi({ from: firstDay, to: firstDay });
    // Only i1's sends fall on the first day.
    expect(a.delivery).toMatchObject({ sent: 2, failedToSend: 2 });
    expect(a.series).toHaveLength(1);
    const bars = await page.$$eval("svg.chart g[data-series='sent'] rect.day-bar", (rs) =>
      rs.map((r) => r.getBoundingClientRect().width),
    );
    expect(bars).toHaveLength(1);
    expect(bars[0]).toBeGreaterThan(10);
    expect(bars[0]).toBeLessThanOrEqual(40);
    expect((await xLabelBoxes()).map((l) => l.text)).toHaveLength(1);
    await page.locator(".chart-figure").screenshot({ path: join(ARTIFACTS, "dashboard-chart-1-day.png") });
  });

  it("draws ninety days with readable, non-overlapping date labels", async () => {
    const all = await api.analytics("acme", "bf", seeded.key);
    const to: string = all.series[all.series.length - 1].date;
    const from = addDays(to, -89);
    await page.fill("#f-from", from);
    await page.fill("#f-to", to);
    await page.getByRole("button", { name: "Apply" }).click();
    await waitForScope(`all instances · ${from} to ${to}`);
    const a = await expectPageMatchesApi({ from, to });
    expect(a.series).toHaveLength(90);
    expect(Object.values(await chartBars()).every((bars) => bars.length === 90)).toBe(true);
    const labels = await xLabelBoxes();
    expect(labels.length).toBeGreaterThanOrEqual(4);
    expect(labels.length).toBeLessThanOrEqual(16);
    for (let i = 1; i < labels.length; i++) {
      expect(labels[i]?.left ?? 0).toBeGreaterThan((labels[i - 1]?.right ?? 0) + 4);
    }
    const svg = await page.locator("svg.chart").boundingBox();
    expect(labels[0]?.left ?? 0).toBeGreaterThanOrEqual(svg?.x ?? 0);
    expect(labels[labels.length - 1]?.right ?? 0).toBeLessThanOrEqual((svg?.x ?? 0) + (svg?.width ?? 0));
    // The last label is the last day.
    expect(labels[labels.length - 1]?.text).toBe(
      new Date(`${to}T00:00:00Z`).toLocaleDateString("en-US", {
        month: "short",
        day: "numeric",
        timeZone: "UTC",
      }),
    );
    await page.locator(".chart-figure").screenshot({ path: join(ARTIFACTS, "dashboard-chart-90-days.png") });
  });

  it("toggles series with the keyboard and the mouse, and keeps the choice across filters", async () => {
    const panels = async (): Promise<string[]> => Object.keys(await chartBars());
    expect(await panels()).toEqual(["sent", "delivered", "clicks", "conversions", "revenue"]);
    // Keyboard: Tab reaches the checkbox, Space ticks it.
    await page.focus("#series-failedToDeliver");
    await page.keyboard.press("Space");
    expect(await page.isChecked("#series-failedToDeliver")).toBe(true);
    await expect.poll(panels).toContain("failedToDeliver");
    // Mouse: a click on the label.
    await page.locator("label[for='series-sent']").click();
    expect(await page.isChecked("#series-sent")).toBe(false);
    await expect.poll(panels).toEqual(["delivered", "failedToDeliver", "clicks", "conversions", "revenue"]);
    await page.locator(".chart-figure").screenshot({ path: join(ARTIFACTS, "dashboard-chart-toggled.png") });

    await page.selectOption("#f-instance", "i1");
    await waitForScope("instance i1");
    await page.locator("svg.chart").waitFor();
    expect(await panels()).toEqual(["delivered", "failedToDeliver", "clicks", "conversions", "revenue"]);
    // Back to the defaults for what follows.
    await page.locator("label[for='series-sent']").click();
    await page.locator("label[for='series-failedToDeliver']").click();
    await expect.poll(panels).toEqual(["sent", "delivered", "clicks", "conversions", "revenue"]);
  });

  it("downloads the daily series as CSV with the key in a header, unique clicks, failures and cost included", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8");
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "date,sent,delivered,clicks,conversionEvents,conversions,revenue,uniqueClicks,failedToSend,failedToDeliver,segments,cost",
    );
    expect(download.suggestedFilename()).toMatch(/^bf_i1_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
    // Row for row the API's series for the same filter.
    const query = Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split("?")[1] ?? ""));
    const a: Required<Analytics> = await api.analytics("acme", "bf", seeded.key, query);
    const columns = lines[0]?.split(",") ?? [];
    expect(lines.slice(1)).toEqual(
      a.series.map((d) => columns.map((c) => String(d[c as keyof SeriesDay] ?? "")).join(",")),
    );
    const column = (name: string): number =>
      lines.slice(1).reduce((sum, l) => sum + Number(l.split(",")[columns.indexOf(name)]), 0);
    expect([
      column("uniqueClicks"),
      column("failedToSend"),
      column("failedToDeliver"),
      column("segments"),
    ]).toEqual([a.clicks.unique, a.delivery.failedToSend, a.delivery.failedToDeliver, a.cost.segments]);
    expect(a.delivery.failedToSend).toBeGreaterThan(0);
  });

  it("says which revenue it could not add: unreadable and negative amounts", async () => {
    const listed = await api.call("GET", "/v1/apps/acme/campaigns/bf/instances", undefined, seeded.key);
    // Inside i2's conversion windows (u1 and u6 were delivered at its send).
    const at = new Date(Date.parse(listed.body.instances[0].firstSendAt) + 90 * 60_000).toISOString();
    const events = [
      { eventId: "r1", userId: "u1", name: "Purchase", time: at, attributes: { order_value: "₹1,299" } },
      { eventId: "r2", userId: "u6", name: "Purchase", time: at, attributes: { order_value: -250 } },
    ];
    expect((await api.call("POST", "/v1/apps/acme/events", { events }, seeded.key)).status).toBe(202);
    await api.drain();
    await page.getByRole("button", { name: "Reset" }).click();
    await waitForScope("all instances · all dates");
    const a = await expectPageMatchesApi({});
    expect(a.revenue).toMatchObject({ eventsWithUnreadableRevenue: 1, eventsWithNegativeRevenue: 1 });
    await page
      .locator("section[aria-labelledby='goals-title']")
      .screenshot({ path: join(ARTIFACTS, "dashboard-goals-revenue-note.png") });
  });

  it("shows an experiment's variants against the control group, the winner marked only when significant", async () => {
    await api.putConnector(
      "/v1/apps/acme/connectors/sb-exp",
      {
        provider: "sandbox",
        sandbox: {
          deliveryRate: 1,
          stuckRate: 0,
          inTransitReceipts: false,
          delaySeconds: { median: 1, p90: 1, max: 1 },
        },
      },
      seeded.key,
    );
    await api.putCampaign(
      "/v1/apps/acme/campaigns/ab",
      {
        name: "A/B test",
        connectorId: "sb-exp",
        controlGroupPercent: 20,
        goals: [
          { goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" },
        ],
      },
      seeded.key,
    );
    const users = Array.from({ length: 60 }, (_, i) => `x${i}`);
    const sent = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/ab/instances/w1/sends",
      {
        variants: [
          { variantId: "A", message: "Twenty percent off today", weight: 50 },
          { variantId: "B", message: "Free delivery today", weight: 50 },
        ],
        recipients: users.map((userId, i) => ({ userId, phone: `+9198100${String(i).padStart(5, "0")}` })),
      },
      seeded.key,
    );
    expect(sent.status).toBe(202);
    await api.drain();
    // Every user of variant A buys, nobody else: A's lead over the control group is significant.
    const salt = (await getCampaign("acme", "ab"))?.experimentSalt ?? "";
    const inA = users.filter((userId) => {
      const arm = assignArm({
        salt,
        campaignId: "ab",
        userId,
        controlGroupPercent: 20,
        variants: [
          { variantId: "A", weight: 50 },
          { variantId: "B", weight: 50 },
        ],
      });
      return arm.arm === "variant" && arm.variantId === "A";
    });
    const at = new Date(nowMs()).toISOString(); // the product's clock: after every delivery, inside the windows
    const events = inA.map((userId) => ({
      eventId: `ab-${userId}`,
      userId,
      name: "Purchase",
      time: at,
      attributes: { order_value: 100 },
    }));
    expect((await api.call("POST", "/v1/apps/acme/events", { events }, seeded.key)).status).toBe(202);
    await api.drain();
    const a = await api.analytics("acme", "ab", seeded.key);
    const [variantA, variantB] = a.experiment.variants;
    expect(variantA.conversions).toBe(inA.length);
    expect(variantA.uplift.significant).toBe(true);
    expect(variantB.uplift.significant).toBe(false);

    await page.goto(`${api.url}/dashboard/#/campaigns/ab`);
    await page.locator("section[aria-labelledby='experiment-title']").waitFor();
    const shown = await renderedFigures();
    expect(shown).toMatchObject({
      "experiment.controlGroup.users": count(a.experiment.controlGroup.users),
      "experiment.A.sent": count(variantA.sent),
      "experiment.A.conversions": count(variantA.conversions),
      "experiment.B.conversions": "0",
      "experiment.A.uplift": `+${variantA.uplift.absolute} pp`,
    });
    // The winner badge sits on A alone.
    const winners = await page.$$eval("[data-winner]", (els) =>
      els.map((el) => el.closest("tr")?.querySelector("th")?.textContent ?? ""),
    );
    expect(winners).toEqual(["Awinner"]);
    expect(await page.locator("[data-experiment-verdict]").textContent()).toMatch(/^A wins/);
    await page
      .locator("section[aria-labelledby='experiment-title']")
      .screenshot({ path: join(ARTIFACTS, "dashboard-experiment.png") });
    await page.goto(`${api.url}/dashboard/#/campaigns/bf`);
    await waitForScope("all instances");
  });

  it("logged no console errors or warnings at desktop width", () => {
    expect(problems).toEqual([]);
  });

  it("fits a 360 px wide phone screen without sideways scrolling, and logs nothing", async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    await page.getByRole("button", { name: "Reset" }).click();
    await waitForScope("all instances · all dates");
    await page.locator("svg.chart").waitFor();
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    const chart = await page.locator("svg.chart").boundingBox();
    expect((chart?.x ?? 0) + (chart?.width ?? 0)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: true });
    await page.locator(".funnel").screenshot({ path: join(ARTIFACTS, "dashboard-phone-funnel.png") });
    await page.locator(".chart-figure").screenshot({ path: join(ARTIFACTS, "dashboard-phone-chart.png") });
    // Goals and failures become cards: their counts are in view, not off to the side.
    expect(await tableOverflow(".cards-on-phone")).toBeLessThanOrEqual(0);
    await page
      .locator("section[aria-labelledby='failures-title']")
      .screenshot({ path: join(ARTIFACTS, "dashboard-phone-failures.png") });

    // Ninety days on a phone: labels still apart.
    const all = await api.analytics("acme", "bf", seeded.key);
    const to: string = all.series[all.series.length - 1].date;
    const from = addDays(to, -89);
    await page.fill("#f-from", from);
    await page.fill("#f-to", to);
    await page.getByRole("button", { name: "Apply" }).click();
    await waitForScope(`${from} to ${to}`);
    await page.locator("svg.chart").waitFor();
    const labels = await xLabelBoxes();
    for (let i = 1; i < labels.length; i++) {
      expect(labels[i]?.left ?? 0).toBeGreaterThan((labels[i - 1]?.right ?? 0) + 4);
    }
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await page
      .locator(".chart-figure")
      .screenshot({ path: join(ARTIFACTS, "dashboard-phone-chart-90-days.png") });

    await page.getByRole("link", { name: "Campaigns" }).first().click();
    await page.getByRole("heading", { level: 1, name: "Campaigns" }).waitFor();
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    expect(await tableOverflow(".cards-on-phone")).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone-overview.png"), fullPage: true });
    expect(problems).toEqual([]);
  });
});
