import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Analytics } from "../../dashboard/src/types.js";
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

beforeAll(async () => {
  // Chromium first: when it is missing the test fails at once with what to install.
  browser = await launchChromium();
  await buildDashboard();
  api = await startProduct();
  seeded = await seedCampaign(api);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await seeded?.sim.stop();
  await api?.stop();
});

const count = (n: number): string => n.toLocaleString("en-US");
const money = (amount: string, currency: string): string => {
  const [whole = "", fraction] = amount.split(".");
  return `${currency} ${Number(whole).toLocaleString("en-US")}${fraction === undefined ? "" : `.${fraction}`}`;
};

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
  };
  for (const g of a.goals) {
    out[`goals.${g.goalId}.allGoals`] = count(g.allGoals);
    out[`goals.${g.goalId}.uniqueGoals`] = count(g.uniqueGoals);
  }
  for (const f of a.failures.failedToSend) out[`failedToSend.${f.reason}.${f.code ?? ""}`] = count(f.count);
  for (const f of a.failures.failedToDeliver) out[`failedToDeliver.${f.code}`] = count(f.count);
  return out;
}

/** Compares the page with the API for one filter, including the provisional marks and the chart. */
async function expectPageMatchesApi(query: Record<string, string>): Promise<Required<Analytics>> {
  const a: Required<Analytics> = await api.analytics("acme", "bf", seeded.key, query);
  const shown = await renderedFigures();
  expect(shown).toMatchObject(expectedFigures(a));
  // No row the API does not have (e.g. a failure reason left over from the previous filter).
  const rows = Object.keys(shown).filter((k) => /^(failedToSend|failedToDeliver|goals)\./.test(k));
  expect(rows.sort()).toEqual(
    Object.keys(expectedFigures(a))
      .filter((k) => /^(failedToSend|failedToDeliver|goals)\./.test(k))
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
  if (a.series.length > 0) expect(await page.locator("svg.chart").count()).toBe(1);
  return a;
}

async function waitForScope(text: string): Promise<void> {
  await page.locator("[data-scope]", { hasText: text }).waitFor({ timeout: 10_000 });
}

describe("the dashboard in Chromium", () => {
  it("serves the build at /dashboard and signs in with the key, by keyboard, keeping it out of the URL", async () => {
    await page.goto(`${api.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/");
    await page.locator("#app-id").waitFor();
    // Keyboard only: the login form has focus on arrival, Tab moves to the key, Enter submits.
    await page.keyboard.type("acme");
    await page.keyboard.press("Tab");
    await page.keyboard.type("wrong-key-0000000000000000");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#login-error").textContent()).toMatch(/do not match/);

    await page.fill("#api-key", seeded.key);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Campaigns" }).waitFor();
    const link = page.getByRole("link", { name: "Black Friday" });
    expect(await link.count()).toBe(1);
    // The overview's headline numbers are the list API's.
    const list = await api.call("GET", "/v1/apps/acme/campaigns", undefined, seeded.key);
    const h = list.body.campaigns[0].headline;
    const shown = await renderedFigures();
    expect(shown).toMatchObject({
      "headline.bf.sent": count(h.sent),
      "headline.bf.delivered": count(h.delivered),
      "headline.bf.clicks": count(h.clicks),
      "headline.bf.conversions": count(h.conversions),
      "headline.bf.revenue": money(h.revenue, "").trim(),
    });
    expect(h.sent).toBe(5);
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
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-campaign.png"), fullPage: true });
  });

  it("re-queries for another instance", async () => {
    await page.fill("#f-instance", "i2");
    await page.getByRole("button", { name: "Apply" }).click();
    await waitForScope("instance i2");
    const a = await expectPageMatchesApi({ instanceId: "i2" });
    expect(a.delivery).toMatchObject({ sent: 3, failedToSend: 0, delivered: 2, inTransit: 1 });
  });

  it("re-queries for a date range (app time-zone days)", async () => {
    const all = await api.analytics("acme", "bf", seeded.key);
    const firstDay: string = all.series[0].date;
    await page.fill("#f-instance", "");
    await page.fill("#f-from", firstDay);
    await page.fill("#f-to", firstDay);
    await page.keyboard.press("Enter");
    await waitForScope(`all instances · ${firstDay} to ${firstDay}`);
    const a = await expectPageMatchesApi({ from: firstDay, to: firstDay });
    // Only i1's sends fall on the first day.
    expect(a.delivery).toMatchObject({ sent: 2, failedToSend: 2 });
    expect(a.series).toHaveLength(1);
  });

  it("downloads the daily series as CSV with the key in a header", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    const path = await download.path();
    const { readFileSync } = await import("node:fs");
    const csv = readFileSync(path, "utf8");
    expect(csv.split("\r\n")[0]).toBe("date,sent,delivered,clicks,conversionEvents,conversions,revenue");
    expect(download.suggestedFilename()).toMatch(/^bf_all_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
  });

  it("fits a 375 px wide phone screen without sideways scrolling", async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByRole("button", { name: "Reset" }).click();
    await waitForScope("all instances · all dates");
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: true });
    await page.locator(".funnel").screenshot({ path: join(ARTIFACTS, "dashboard-phone-funnel.png") });
    await page.locator(".chart-figure").screenshot({ path: join(ARTIFACTS, "dashboard-phone-chart.png") });
  });
});
