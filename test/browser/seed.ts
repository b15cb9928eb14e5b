import { setClock } from "../../lambdas/platform/clock.js";
import type { Api } from "../e2e/harness.js";
import {
  deliverReceipt,
  type GupshupSimulator,
  gupshupQueryReceipt,
  startGupshupSimulator,
} from "../simulators/index.js";

const H = 3_600_000;
const DAY = 24 * H;

export interface Seeded {
  key: string;
  sim: GupshupSimulator;
}

const phones = {
  u1: "+919812345671",
  u2: "+919812345672",
  u3: "+919812345673",
  u5: "+919812345675",
  u6: "+919812345676",
  u7: "+919812345677",
};

/**
 * A real campaign flow on the Gupshup simulator, two instances two days apart: i1 with a send
 * failure, a provider error, a delivery, a failed delivery, a tap and a purchase; i2 (later, clock
 * moved on) with deliveries, a purchase inside an open window and one message still in transit.
 */
export async function seedCampaign(api: Api): Promise<Seeded> {
  const sim = await startGupshupSimulator({ userId: "acct", password: "pw" });
  sim.script(phones.u5, {
    kind: "error",
    code: "175",
    text: "The 'INTERNATIONAL_PHONE' service is disabled for you",
  });
  const key = await api.createApp("acme", "Asia/Kolkata", "INR");
  const must = async (p: Promise<{ status: number; body: unknown }>, status: number): Promise<unknown> => {
    const r = await p;
    if (r.status !== status)
      throw new Error(`seed: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const connector = await must(
    api.call(
      "PUT",
      "/v1/apps/acme/connectors/gs",
      {
        provider: "gupshup",
        gupshup: { userId: "acct", password: "pw", mask: "ACME", baseUrl: sim.url },
        // Prices per segment (issue 18): Indian numbers pay 0.12, any other 0.25.
        pricing: { currency: "INR", perSegment: "0.25", byCountry: { IN: "0.12" } },
      },
      key,
    ),
    201,
  );
  const { webhookUrl } = connector as { webhookUrl: string };
  await must(
    api.call(
      "PUT",
      "/v1/apps/acme/campaigns/bf",
      {
        name: "Black Friday",
        connectorId: "gs",
        clickTracking: true,
        conversionWindowHours: 36,
        goals: [
          { goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" },
          { goalId: "signup", eventName: "Signup" },
        ],
      },
      key,
    ),
    201,
  );
  const message = "Hi {{first_name|there}}, {{city}} deal: https://shop.example/sale?utm=sms";
  const providerId = (phone: string): string => {
    const matches = sim.accepted.filter((x) => x.phone.replace(/\D/g, "") === phone.slice(1));
    return matches[matches.length - 1]?.providerMessageId ?? "";
  };

  // The product's clock runs `offset` ahead of real time: events may not lie in its future.
  let offset = 0;
  setClock(() => Date.now() + offset);

  // Instance i1, today.
  const t0 = Date.now();
  await must(
    api.call(
      "POST",
      "/v1/apps/acme/campaigns/bf/instances/i1/sends",
      {
        message,
        recipients: [
          { userId: "u1", phone: phones.u1, attributes: { first_name: "Asha", city: "Pune" } },
          { userId: "u2", phone: phones.u2, attributes: { city: "Delhi" } },
          { userId: "u3", phone: phones.u3 }, // no city: personalisation fails
          { userId: "u5", phone: phones.u5, attributes: { city: "Goa" } }, // provider error 175
        ],
      },
      key,
    ),
    202,
  );
  await api.drain();
  for (const receipt of [
    {
      externalId: providerId(phones.u1),
      status: "SUCCESS",
      cause: "SUCCESS",
      errCode: "000",
      deliveredTS: t0 + 60_000,
    },
    {
      externalId: providerId(phones.u2),
      status: "FAIL",
      cause: "UNKNOWN_SUBSCRIBER",
      errCode: "003",
      deliveredTS: t0 + 90_000,
    },
  ]) {
    const r = await deliverReceipt(webhookUrl, gupshupQueryReceipt(receipt));
    if (r.status !== 200) throw new Error(`seed: receipt answered ${r.status}`);
  }
  const toU1 = sim.requests.find((q) => (q.body as Record<string, string>).send_to === phones.u1.slice(1));
  const link = /\/l\/[0-9A-Za-z]{14}$/.exec(
    (toU1?.body as Record<string, string> | undefined)?.msg ?? "",
  )?.[0];
  if (!link) throw new Error("seed: no short link in the message to u1");
  const tap = await fetch(`${api.url}${link}`, {
    redirect: "manual",
    headers: { "user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari" },
  });
  if (tap.status !== 302) throw new Error(`seed: the short link answered ${tap.status}`);
  offset = 2 * H;
  await must(
    api.call(
      "POST",
      "/v1/apps/acme/events",
      {
        events: [
          {
            eventId: "e1",
            userId: "u1",
            name: "Purchase",
            time: new Date(t0 + H).toISOString(),
            attributes: { order_value: "1250.00" },
          },
          { eventId: "e2", userId: "u1", name: "Signup", time: new Date(t0 + H).toISOString() },
        ],
      },
      key,
    ),
    202,
  );
  await api.drain();

  // Instance i2, two days later (a different day in the app's time zone).
  offset = 2 * DAY;
  const t2 = Date.now() + offset;
  await must(
    api.call(
      "POST",
      "/v1/apps/acme/campaigns/bf/instances/i2/sends",
      {
        message,
        recipients: [
          { userId: "u1", phone: phones.u1, attributes: { first_name: "Asha", city: "Pune" } },
          { userId: "u6", phone: phones.u6, attributes: { city: "Agra" } },
          { userId: "u7", phone: phones.u7, attributes: { city: "Kochi" } }, // no receipt: stays in transit
        ],
      },
      key,
    ),
    202,
  );
  await api.drain();
  offset += 2 * H;
  for (const receipt of [
    {
      externalId: providerId(phones.u1),
      status: "SUCCESS",
      cause: "SUCCESS",
      errCode: "000",
      deliveredTS: t2 + 45_000,
    },
    {
      externalId: providerId(phones.u6),
      status: "SUCCESS",
      cause: "SUCCESS",
      errCode: "000",
      deliveredTS: t2 + 300_000,
    },
  ]) {
    const r = await deliverReceipt(webhookUrl, gupshupQueryReceipt(receipt));
    if (r.status !== 200) throw new Error(`seed: receipt answered ${r.status}`);
  }
  await must(
    api.call(
      "POST",
      "/v1/apps/acme/events",
      {
        events: [
          {
            eventId: "e3",
            userId: "u6",
            name: "Purchase",
            time: new Date(t2 + H).toISOString(),
            attributes: { order_value: 99.9 },
          },
        ],
      },
      key,
    ),
    202,
  );
  await api.drain();
  return { key, sim };
}
