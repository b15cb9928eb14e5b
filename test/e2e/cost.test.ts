import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { countSegments } from "../../lambdas/domain/segments.js";
import { render } from "../../lambdas/domain/template.js";
import { setClock } from "../../lambdas/platform/clock.js";
import type { CustomReceiptMapping } from "../../lambdas/providers/types.js";
import { getMessages } from "../../lambdas/store/messages.js";
import {
  type CustomSimulator,
  customReceipt,
  deliverReceipt,
  startCustomSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * Cost and return end to end (issue 18): segments of the text exactly as the provider got it (a short
 * link pushes a message into a second segment, an emoji makes it UCS-2), the connector's price per
 * segment and country frozen on each message at send time (a later price change leaves past cost as it
 * was), failed-to-send costing nothing and failed-to-deliver costing its segments, exact totals per
 * instance and campaign, the series, the CSV, and currencies that cannot be added.
 */
const T0 = Date.parse("2026-11-20T08:00:00Z");
const MIN = 60_000;

let api: Api;
let sim: CustomSimulator;
let key: string;
let webhookUrl: string;
let now = T0;

const mapping: CustomReceiptMapping = {
  messageId: "ref",
  status: "state",
  time: "ts",
  delivered: ["DELIVERED"],
  failed: ["FAILED"],
};
const request = {
  method: "POST",
  url: "",
  headers: { "content-type": "application/json" },
  body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
};
const connector = (pricing: unknown) => ({
  provider: "custom",
  deliveryTracking: true,
  custom: {
    request: { ...request, url: `${sim.url}/send` },
    response: { messageIdPointer: "/id" },
    receipt: mapping,
  },
  sendRatePerSecond: 1000,
  pricing,
});

/** 156 characters for "Asha": one GSM-7 segment as written, two once its URL is a short link. */
const MESSAGE =
  "Hi {{name}}, our winter sale ends at midnight tonight: 30% off everything in store and online. " +
  "Free delivery on orders over 50. Shop now: https://shop.example/s";

const phone = {
  in1: "+919812360001",
  gb1: "+447400123456",
  emoji: "+919812360003",
  err: "+919812360004",
  in2: "+919812360005",
  in3: "+919812360006",
};
const ours = (instanceId: string, userId: string): string => messageIdFor("acme", "sale", instanceId, userId);
const textSentTo = (p: string): string => {
  const body = sim.requests.find((q) => (q.body as Record<string, string>).to === p)?.body;
  return (body as Record<string, string> | undefined)?.text ?? "";
};

async function send(instanceId: string, recipients: Array<{ userId: string; phone: string; name: string }>) {
  const r = await api.call(
    "POST",
    `/v1/apps/acme/campaigns/sale/instances/${instanceId}/sends`,
    {
      message: MESSAGE,
      recipients: recipients.map(({ userId, phone, name }) => ({ userId, phone, attributes: { name } })),
    },
    key,
  );
  expect(r.status).toBe(202);
  await api.drain();
}

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  sim = await startCustomSimulator();
  sim.script(phone.err, { kind: "error", status: 500 });
  key = await api.createApp("acme", "UTC", "USD");
  webhookUrl = await api.putConnector(
    "/v1/apps/acme/connectors/ct",
    connector({ currency: "USD", perSegment: "0.0075", byCountry: { IN: "0.0021" } }),
    key,
  );
  await api.putCampaign(
    "/v1/apps/acme/campaigns/sale",
    {
      name: "Winter sale",
      connectorId: "ct",
      clickTracking: true,
      goals: [{ goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" }],
    },
    key,
  );
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("cost and return", () => {
  it("counts the segments of the text as sent: a short link pushes a message into a second segment", async () => {
    await send("i1", [
      { userId: "in1", phone: phone.in1, name: "Asha" },
      { userId: "gb1", phone: phone.gb1, name: "Asha" },
      { userId: "emoji", phone: phone.emoji, name: "Zoë 😀" },
      { userId: "err", phone: phone.err, name: "Asha" },
      { userId: "bad", phone: "+91123", name: "Asha" },
    ]);

    const written = render(MESSAGE, { name: "Asha" });
    if (!written.ok) throw new Error("renders");
    expect(written.text).toHaveLength(156);
    expect(countSegments(written.text)).toMatchObject({ encoding: "GSM-7", segments: 1 });
    const sent = textSentTo(phone.in1);
    expect(sent).toMatch(/^Hi Asha, .* Shop now: http:\/\/localhost:\d+\/l\/[0-9A-Za-z]{14}$/);
    expect(sent.length).toBeGreaterThan(160);
    expect(countSegments(sent)).toMatchObject({ encoding: "GSM-7", segments: 2 });
    expect(countSegments(textSentTo(phone.emoji))).toMatchObject({ encoding: "UCS-2", segments: 3 });

    // Each message keeps its segments and the price of its number's country, frozen at send time.
    const stored = await getMessages(
      "acme",
      ["in1", "gb1", "emoji", "err", "bad"].map((u) => ours("i1", u)),
    );
    const billing = (u: string) => stored.get(ours("i1", u))?.billing;
    expect(billing("in1")).toEqual({
      segments: 2,
      encoding: "GSM-7",
      pricePerSegment: "0.0021",
      currency: "USD",
    });
    expect(billing("gb1")).toEqual({
      segments: 2,
      encoding: "GSM-7",
      pricePerSegment: "0.0075",
      currency: "USD",
    });
    expect(billing("emoji")).toEqual({
      segments: 3,
      encoding: "UCS-2",
      pricePerSegment: "0.0021",
      currency: "USD",
    });
    expect(billing("err") ?? null).toBeNull(); // the provider refused it: nothing to bill
    expect(billing("bad") ?? null).toBeNull(); // invalid number: never sent to the provider
  });

  it("adds exact per-country cost of sent messages only; failed to deliver still costs", async () => {
    now = T0 + 10 * MIN;
    const at = (m: number) => new Date(T0 + m * MIN).toISOString();
    for (const [u, status] of [
      ["in1", "DELIVERED"],
      ["gb1", "FAILED"],
    ] as const) {
      const r = await deliverReceipt(
        webhookUrl,
        customReceipt(mapping, { messageId: ours("i1", u), status, time: at(2) }),
      );
      expect(r.status).toBe(200);
    }
    const events = await api.call(
      "POST",
      "/v1/apps/acme/events",
      {
        events: [
          { eventId: "e1", userId: "in1", name: "Purchase", time: at(5), attributes: { order_value: 19.99 } },
        ],
      },
      key,
    );
    expect(events.status).toBe(202);
    await api.drain();

    const a = await api.analytics("acme", "sale", key, { instanceId: "i1" });
    expect(a.delivery).toMatchObject({
      sent: 3,
      failedToSend: 2,
      delivered: 1,
      failedToDeliver: 1,
      inTransit: 1,
    });
    // 2 × 0.0021 (IN) + 2 × 0.0075 (GB, failed to deliver) + 3 × 0.0021 (IN, UCS-2) = 0.0255 exactly.
    expect(a.cost).toEqual({
      segments: 7,
      currency: "USD",
      total: "0.0255",
      perDelivered: "0.0255",
      perConversion: "0.0255",
      returnOnSpend: 783.92, // 19.99 ÷ 0.0255 = 783.9215…
      unpricedSegments: 0,
      byCurrency: [{ currency: "USD", segments: 7, total: "0.0255" }],
    });
    expect(a.series).toEqual([
      expect.objectContaining({ date: "2026-11-20", sent: 3, segments: 7, cost: "0.0255" }),
    ]);
    const instances = await api.call("GET", "/v1/apps/acme/campaigns/sale/instances", undefined, key);
    expect(instances.body.instances[0].headline).toMatchObject({
      cost: "0.0255",
      costCurrency: "USD",
      returnOnSpend: 783.92,
    });
  });

  it("applies a new price to new sends only: past cost is never rewritten", async () => {
    const put = await api.call(
      "PUT",
      "/v1/apps/acme/connectors/ct",
      connector({ currency: "USD", perSegment: "0.01", byCountry: { IN: "0.005" } }),
      key,
    );
    expect(put.status).toBe(200);
    const shown = await api.call("GET", "/v1/apps/acme/connectors/ct", undefined, key);
    expect(shown.body.pricing).toEqual({ currency: "USD", perSegment: "0.01", byCountry: { IN: "0.005" } });
    // Workers cache configuration for 30 s: the next day's send sees the new price.
    now = T0 + 24 * 60 * MIN;
    await send("i2", [{ userId: "in2", phone: phone.in2, name: "Asha" }]);

    const i1 = await api.analytics("acme", "sale", key, { instanceId: "i1" });
    expect(i1.cost).toMatchObject({ segments: 7, currency: "USD", total: "0.0255" });
    const i2 = await api.analytics("acme", "sale", key, { instanceId: "i2" });
    expect(i2.cost).toMatchObject({ segments: 2, currency: "USD", total: "0.01", perDelivered: null });
    const all = await api.analytics("acme", "sale", key);
    expect(all.cost).toMatchObject({ segments: 9, currency: "USD", total: "0.0355" });
    expect(
      all.series.map((d: { date: string; segments: number; cost: string }) => [d.date, d.segments, d.cost]),
    ).toEqual([
      ["2026-11-20", 7, "0.0255"],
      ["2026-11-21", 2, "0.01"],
    ]);
    const csv = await api.call("GET", "/v1/apps/acme/campaigns/sale/analytics?format=csv", undefined, key);
    const [header, day1, day2] = (csv.body as string).split("\r\n");
    expect(header?.endsWith(",segments,cost")).toBe(true);
    expect(day1?.endsWith(",7,0.0255")).toBe(true);
    expect(day2?.endsWith(",2,0.01")).toBe(true);
  });

  it("does not add amounts in different currencies", async () => {
    await api.call(
      "PUT",
      "/v1/apps/acme/connectors/ct",
      connector({ currency: "EUR", perSegment: "0.0068" }),
      key,
    );
    now = T0 + 48 * 60 * MIN;
    await send("i3", [{ userId: "in3", phone: phone.in3, name: "Asha" }]);

    const all = await api.analytics("acme", "sale", key);
    expect(all.cost).toEqual({
      segments: 11,
      currency: null,
      total: null,
      perDelivered: null,
      perConversion: null,
      returnOnSpend: null,
      unpricedSegments: 0,
      byCurrency: [
        { currency: "EUR", segments: 2, total: "0.0136" },
        { currency: "USD", segments: 9, total: "0.0355" },
      ],
    });
    expect(all.series.map((d: { cost: string | null }) => d.cost)).toEqual([null, null, null]);
    // Each instance still has its one currency; i3's cost is in EUR, so it has no return on spend.
    const i3 = await api.analytics("acme", "sale", key, { instanceId: "i3" });
    expect(i3.cost).toMatchObject({ currency: "EUR", total: "0.0136", returnOnSpend: null });
  });
});
