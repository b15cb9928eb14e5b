/**
 * The demo's data, made the way a real app makes it: only through the public HTTP API (apps,
 * connectors, campaigns, sends, events) and the short links themselves (taps by people and by
 * link-preview fetchers, with real user agents). Sends go through sandbox connectors, whose receipts
 * come back through their own webhook URLs; the links come from the sandbox's phones
 * (`GET …/sandbox-messages`).
 *
 * Several days in about a minute: the product's clock (`lambdas/platform/clock.ts`) is set by the
 * caller to each moment of the story (docs/decisions.md, "The demo"). Pass 1 sends every instance at
 * its own time, in order, and waits for the sandbox's receipts; pass 2 walks the recipients' taps in
 * time order from the first send again; conversion events carry their own times. Everything is
 * deterministic (a seeded PRNG), so two runs tell the same story.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What the seeder needs from the runtime it seeds. */
export interface DemoTarget {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000`. */
  url: string;
  adminKey: string;
  /**
   * Sets the product's clock to this epoch ms, rounded to a whole ms (it keeps running from there), or
   * back to the wall clock.
   */
  setNow(epochMs: number | null): void;
  /** Resolves once these local queues have nothing ready, in flight, waiting or delayed. */
  settle(queues: readonly ("sends" | "sandboxReceipts" | "receipts" | "clicks" | "events")[]): Promise<void>;
  log?(line: string): void;
}

export interface DemoOptions {
  /** Multiplies every audience (1 = 1,750 recipients and about 2,300 messages; the test uses a tenth). */
  scale?: number;
  /** The wall clock at the start (epoch ms); default now. */
  nowMs?: number;
  /** Also send a small instance at the real "now", whose receipts arrive while the dashboard is open. */
  liveInstance?: boolean;
}

export interface DemoResult {
  appId: string;
  apiKey: string;
  /** Requests made, by kind. */
  counts: { sends: number; taps: number; previews: number; events: number };
}

export const DEMO_APP_ID = "demo";
const TIMEZONE = "Asia/Kolkata";
const CURRENCY = "INR";

/** Browsers on phones (not bots by isbot): a person tapping the link in the SMS. */
const PEOPLE = [
  "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
];
/** Link previewers: iMessage's preview fetch, WhatsApp and Telegram when a link is forwarded. */
const PREVIEWERS = [
  "facebookexternalhit/1.1 Facebot Twitterbot/1.0",
  "WhatsApp/2.23.20.0 A",
  "TelegramBot (like TwitterBot)",
];

/** mulberry32: a small seeded PRNG, so every run builds the same demo. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A log-normal draw through `median` and `p90` (ms), from two uniforms. */
function logNormal(rand: () => number, median: number, p90: number): number {
  const sigma = Math.log(p90 / median) / 1.2815515655446004;
  const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return median * Math.exp(sigma * z);
}

/**
 * Epoch ms of `hh:mm` in `zone` on the app's calendar day `daysAgo` days before `nowMs`'s (days are the
 * app's, Asia/Kolkata, whatever the recipients' zone: "five days ago" is the same day for both).
 */
export function localTime(nowMs: number, daysAgo: number, hh: number, mm: number, zone: string): number {
  const day = new Date(nowMs - daysAgo * DAY);
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: TIMEZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(day);
  // Guess the UTC instant, then correct by the zone's offset at that instant (no DST jump near 10:00).
  const guess = Date.parse(`${parts}T${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}:00Z`);
  const shown = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(guess);
  const get = (t: string): number => Number(shown.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return guess - (asUtc - guess);
}

interface Person {
  userId: string;
  phone: string;
  attributes: Record<string, string>;
}

const IN_NAMES = [
  "Asha",
  "Rohan",
  "Priya",
  "Vikram",
  "Neha",
  "Arjun",
  "Kavya",
  "Rahul",
  "Meera",
  "Imran",
  "Sneha",
  "Karan",
];
const IN_CITIES = ["Pune", "Mumbai", "Delhi", "Bengaluru", "Chennai", "Hyderabad", "Kolkata", "Jaipur"];
const GB_NAMES = ["Olivia", "Jack", "Amelia", "Harry", "Isla", "Noah", "Ava", "Leo", "Priya", "Sam"];
const GB_CITIES = ["London", "Leicester", "Birmingham", "Manchester", "Leeds"];

/**
 * Synthetic recipients: Indian mobiles (+91 98…, the app's own zone) and UK mobiles (+44 7400…; the
 * sandbox never sends anything, and Ofcom's drama range +44 7700 900xxx is not a valid number to
 * libphonenumber, so it would fail to send). About 1 in 60 has no first name (the
 * campaigns' `{{first_name}}` without a default then fails to personalise) and 1 in 150 a number that
 * is not one (invalid number): both show as failed to send.
 */
function people(country: "IN" | "GB", count: number, rand: () => number): Person[] {
  const out: Person[] = [];
  for (let i = 0; i < count; i++) {
    const names = country === "IN" ? IN_NAMES : GB_NAMES;
    const cities = country === "IN" ? IN_CITIES : GB_CITIES;
    const attributes: Record<string, string> = {
      city: cities[Math.floor(rand() * cities.length)] ?? "Pune",
    };
    if (rand() >= 1 / 60) attributes.first_name = names[Math.floor(rand() * names.length)] ?? "there";
    const phone =
      rand() < 1 / 150
        ? `+${country === "IN" ? "91" : "44"}12345`
        : country === "IN"
          ? `+9198${String(10_000_000 + i * 37).slice(-8)}`
          : `+447400${String(100_000 + i * 13).slice(-6)}`;
    out.push({ userId: `${country.toLowerCase()}-${String(i + 1).padStart(5, "0")}`, phone, attributes });
  }
  return out;
}

interface InstancePlan {
  campaignId: string;
  instanceId: string;
  connectorId: string;
  sendAt: number;
  message: string;
  audience: Person[];
  /** Share of delivered recipients who tap. */
  tapRate: number;
  /** Share of tappers who then buy. */
  buyRate: number;
  /** Share of delivered non-tappers who buy within the window anyway (attributed by delivery). */
  quietBuyRate: number;
  /** Median order value in rupees. */
  orderMedian: number;
}

type Call = (
  method: string,
  path: string,
  body?: unknown,
  key?: string,
) => Promise<{ status: number; body: unknown }>;

function caller(url: string): Call {
  return async (method, path, body, key) => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // The local runtime applies API Gateway's rate limits: wait and try again, as a client should.
      if (res.status === 429 && attempt < 50) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed };
    }
  };
}

async function must<T = unknown>(p: Promise<{ status: number; body: unknown }>, ...ok: number[]): Promise<T> {
  const r = await p;
  if (!ok.includes(r.status))
    throw new Error(`demo: expected ${ok.join("/")}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

interface Delivered {
  plan: InstancePlan;
  userId: string;
  link: string;
  deliveredAt: number;
}

/**
 * Creates the `demo` app and tells its story (see the file comment).
 * @returns the app's API key (shown once by the API: the caller keeps it)
 * @throws Error when the API answers anything unexpected (e.g. the app exists already: 200, no key)
 */
export async function seedDemo(target: DemoTarget, options: DemoOptions = {}): Promise<DemoResult> {
  const scale = options.scale ?? 1;
  const now = options.nowMs ?? Date.now();
  const rand = prng(20_261_114);
  const log = target.log ?? (() => {});
  const call = caller(target.url);
  const n = (count: number): number => Math.max(3, Math.round(count * scale));
  const counts = { sends: 0, taps: 0, previews: 0, events: 0 };

  const created = await must<{ apiKey: string }>(
    call(
      "PUT",
      `/v1/apps/${DEMO_APP_ID}`,
      { name: "Demo store", timezone: TIMEZONE, currency: CURRENCY },
      target.adminKey,
    ),
    201,
  );
  const key = created.apiKey as string;
  const app = `/v1/apps/${DEMO_APP_ID}`;
  // Two sandbox connectors: India with the realistic defaults, the UK with a worse route. Short receipt
  // delays (seconds) so the demo waits little for them; the rate limit high enough for a few thousand.
  await must(
    call(
      "PUT",
      `${app}/connectors/sandbox-in`,
      {
        provider: "sandbox",
        sendRatePerSecond: 500,
        sandbox: { inTransitReceipts: false, delaySeconds: { median: 3, p90: 10, max: 20 } },
      },
      key,
    ),
    201,
  );
  await must(
    call(
      "PUT",
      `${app}/connectors/sandbox-uk`,
      {
        provider: "sandbox",
        sendRatePerSecond: 500,
        sandbox: {
          deliveryRate: 0.84,
          stuckRate: 0.03,
          delaySeconds: { median: 4, p90: 14, max: 20 },
          failures: [
            {
              code: 27,
              status: "Failed",
              description: "absent subscriber (handset off or out of coverage)",
              weight: 40,
            },
            { code: 1, status: "Failed", description: "unknown subscriber", weight: 25 },
            { code: 413, status: "Aborted", description: "blocked", weight: 20 },
            { code: 0, status: "Unknown", description: "no delivery receipt from the operator", weight: 15 },
          ],
        },
      },
      key,
    ),
    201,
  );
  const purchase = {
    goalId: "purchase",
    eventName: "Purchase",
    primary: true,
    revenueAttribute: "order_value",
  };
  await must(
    call(
      "PUT",
      `${app}/campaigns/festive-sale`,
      {
        name: "Festive sale",
        connectorId: "sandbox-in",
        clickTracking: true,
        conversionWindowHours: 48,
        goals: [purchase, { goalId: "wishlist", eventName: "AddToWishlist" }],
      },
      key,
    ),
    201,
  );
  await must(
    call(
      "PUT",
      `${app}/campaigns/uk-launch`,
      {
        name: "UK launch",
        connectorId: "sandbox-uk",
        clickTracking: true,
        conversionWindowHours: 72,
        goals: [purchase],
      },
      key,
    ),
    201,
  );
  await must(
    call(
      "PUT",
      `${app}/campaigns/welcome`,
      {
        name: "Welcome series",
        connectorId: "sandbox-in",
        clickTracking: true,
        conversionWindowHours: 24,
        goals: [
          { goalId: "first-order", eventName: "Purchase", primary: true, revenueAttribute: "order_value" },
        ],
      },
      key,
    ),
    201,
  );

  const india = people("IN", n(1350), rand);
  const uk = people("GB", n(400), rand);
  const IST = TIMEZONE;
  const LON = "Europe/London";
  const festive =
    "Hi {{first_name}}, the Festive sale is on in {{city}}: up to 40% off https://shop.example/festive?utm_source=sms";
  const plans: InstancePlan[] = [
    {
      campaignId: "festive-sale",
      instanceId: "wave-1",
      connectorId: "sandbox-in",
      sendAt: localTime(now, 6, 10, 30, IST),
      message: festive,
      audience: india.slice(0, n(700)),
      tapRate: 0.14,
      buyRate: 0.3,
      quietBuyRate: 0.012,
      orderMedian: 1499,
    },
    {
      campaignId: "uk-launch",
      instanceId: "launch",
      connectorId: "sandbox-uk",
      sendAt: localTime(now, 5, 10, 0, LON),
      message:
        "{{first_name}}, we now deliver in the UK! 15% off your first order: https://shop.example/uk?utm_source=sms",
      audience: uk,
      tapRate: 0.1,
      buyRate: 0.32,
      quietBuyRate: 0.015,
      orderMedian: 2899,
    },
    {
      campaignId: "festive-sale",
      instanceId: "wave-2",
      connectorId: "sandbox-in",
      sendAt: localTime(now, 4, 19, 0, IST),
      message: festive,
      audience: india.slice(n(700), n(1200)),
      tapRate: 0.12,
      buyRate: 0.28,
      quietBuyRate: 0.01,
      orderMedian: 1299,
    },
    {
      campaignId: "uk-launch",
      instanceId: "reminder",
      connectorId: "sandbox-uk",
      sendAt: localTime(now, 3, 18, 0, LON),
      message:
        "{{first_name}}, 2 days left for 15% off: https://shop.example/uk?utm_source=sms&utm_content=reminder",
      audience: uk.slice(0, n(200)),
      tapRate: 0.08,
      buyRate: 0.3,
      quietBuyRate: 0.012,
      orderMedian: 2599,
    },
    {
      campaignId: "festive-sale",
      instanceId: "last-call",
      connectorId: "sandbox-in",
      sendAt: localTime(now, 2, 12, 0, IST),
      message:
        "Last call {{first_name}}: Festive sale ends tonight https://shop.example/festive?utm_source=sms&utm_content=last - gift cards https://shop.example/gift-cards",
      audience: india.slice(0, n(300)),
      tapRate: 0.1,
      buyRate: 0.25,
      quietBuyRate: 0.008,
      orderMedian: 1799,
    },
    ...[5, 4, 3, 2, 1].map(
      (daysAgo, i): InstancePlan => ({
        campaignId: "welcome",
        instanceId: `day-${i + 1}`,
        connectorId: "sandbox-in",
        sendAt: localTime(now, daysAgo, 9, 0, IST),
        message:
          "Welcome to Demo store, {{first_name|friend}}! Your first order ships free: https://shop.example/welcome",
        audience: india.slice(n(1200) + i * n(30), n(1200) + (i + 1) * n(30)),
        tapRate: 0.2,
        buyRate: 0.35,
        quietBuyRate: 0.02,
        orderMedian: 899,
      }),
    ),
  ].sort((a, b) => a.sendAt - b.sendAt);

  // Pass 1: each instance sent at its own time; the send worker runs at that time too.
  for (const plan of plans) {
    target.setNow(plan.sendAt);
    for (let i = 0; i < plan.audience.length; i += 1000) {
      const recipients = plan.audience.slice(i, i + 1000);
      await must(
        call(
          "POST",
          `${app}/campaigns/${plan.campaignId}/instances/${plan.instanceId}/sends`,
          { message: plan.message, recipients },
          key,
        ),
        202,
      );
      counts.sends += recipients.length;
    }
    await target.settle(["sends"]);
    log(`sent ${plan.campaignId}/${plan.instanceId} (${plan.audience.length} recipients)`);
  }
  // Every receipt in (they come through the webhooks within seconds), before anyone taps: a person's
  // tap on a message still in transit would prove its delivery at the tap's time instead.
  await target.settle(["sandboxReceipts", "receipts"]);
  log("every sandbox receipt arrived through the webhooks");

  // The phones: every delivered message, with its short links.
  const delivered: Delivered[] = [];
  for (const connectorId of ["sandbox-in", "sandbox-uk"]) {
    let cursor: string | null = null;
    do {
      const page: {
        messages: Array<{
          campaignId: string;
          instanceId: string;
          userId: string;
          text: string;
          deliveredAt: string;
        }>;
        nextCursor: string | null;
      } = await must(
        call(
          "GET",
          `${app}/connectors/${connectorId}/sandbox-messages?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          undefined,
          key,
        ),
        200,
      );
      for (const m of page.messages) {
        const plan = plans.find((p) => p.campaignId === m.campaignId && p.instanceId === m.instanceId);
        const links = m.text.match(/https?:\/\/[^\s]+\/l\/[0-9A-Za-z]{14}/g) ?? [];
        // Most people tap the first link; a few the second one (gift cards).
        const link = links.length > 1 && rand() < 0.2 ? links[1] : links[0];
        if (plan && link)
          delivered.push({ plan, userId: m.userId, link, deliveredAt: Date.parse(m.deliveredAt) });
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  // Pass 2: what the recipients did, in time order. Link previews come right after delivery; people
  // tap minutes to hours later, some twice; some buy after tapping, a few without tapping.
  interface Tap {
    at: number;
    link: string;
    ua: string;
    bot: boolean;
  }
  const taps: Tap[] = [];
  const events: Array<{
    eventId: string;
    userId: string;
    name: string;
    time: string;
    attributes?: Record<string, number | string>;
  }> = [];
  // Nothing happens after the real now (minus a margin).
  const latest = now - 10 * MINUTE;
  const order = (d: Delivered, after: number, nth = 1): void => {
    const at = Math.min(after + logNormal(rand, 25 * MINUTE, 4 * HOUR), latest);
    if (at <= d.deliveredAt) return;
    const value = Math.max(199, Math.round(logNormal(rand, d.plan.orderMedian, d.plan.orderMedian * 2.2)));
    events.push({
      eventId: `ord-${d.plan.campaignId}-${d.plan.instanceId}-${d.userId}-${nth}`,
      userId: d.userId,
      name: "Purchase",
      time: new Date(at).toISOString(),
      attributes: { order_value: `${value}.${rand() < 0.5 ? "00" : "99"}` },
    });
    // One buyer in six comes back for a second order inside the window.
    if (nth === 1 && rand() < 1 / 6) order(d, at + 2 * HOUR, 2);
  };
  for (const d of delivered) {
    if (rand() < 0.3) {
      taps.push({
        at: d.deliveredAt + 1_000 + rand() * 4_000,
        link: d.link,
        ua: PREVIEWERS[Math.floor(rand() * PREVIEWERS.length)] as string,
        bot: true,
      });
    }
    if (rand() < d.plan.tapRate) {
      const at = d.deliveredAt + logNormal(rand, 12 * MINUTE, 3 * HOUR);
      if (at > latest) continue;
      const ua = PEOPLE[Math.floor(rand() * PEOPLE.length)] as string;
      taps.push({ at, link: d.link, ua, bot: false });
      if (rand() < 0.25) taps.push({ at: at + rand() * 40 * MINUTE, link: d.link, ua, bot: false });
      if (rand() < d.plan.buyRate) order(d, at);
      else if (d.plan.campaignId === "festive-sale" && rand() < 0.3) {
        events.push({
          eventId: `wish-${d.plan.instanceId}-${d.userId}`,
          userId: d.userId,
          name: "AddToWishlist",
          time: new Date(Math.min(at + 3 * MINUTE, latest)).toISOString(),
        });
      }
    } else if (rand() < d.plan.quietBuyRate) {
      order(d, d.deliveredAt + rand() * 20 * HOUR);
    }
  }
  taps.sort((a, b) => a.at - b.at);
  // Taps grouped by the minute: the clock is set once per minute and that minute's taps go together.
  let i = 0;
  while (i < taps.length) {
    const minute = Math.floor((taps[i] as Tap).at / MINUTE);
    const group: Tap[] = [];
    while (i < taps.length && Math.floor((taps[i] as Tap).at / MINUTE) === minute)
      group.push(taps[i++] as Tap);
    target.setNow(Math.round((group[0] as Tap).at));
    await pool(group, 16, async (t) => {
      const res = await fetch(t.link, { redirect: "manual", headers: { "user-agent": t.ua } });
      await res.arrayBuffer();
      if (res.status !== 302) throw new Error(`demo: a tap answered ${res.status}`);
      if (t.bot) counts.previews++;
      else counts.taps++;
    });
  }
  target.setNow(null);
  log(`tapped: ${counts.taps} by people, ${counts.previews} link previews`);

  // Events, with their own times (in the past: the API accepts those), 500 per request.
  events.sort((a, b) => a.time.localeCompare(b.time));
  for (let j = 0; j < events.length; j += 500) {
    const batch = events.slice(j, j + 500);
    await must(call("POST", `${app}/events`, { events: batch }, key), 202);
    counts.events += batch.length;
  }
  await target.settle(["clicks", "events"]);
  log(`${counts.events} conversion events`);

  if (options.liveInstance) {
    // Today's welcome messages, sent now: their receipts arrive while the dashboard is open.
    await must(
      call(
        "POST",
        `${app}/campaigns/welcome/instances/today/sends`,
        {
          message:
            "Welcome to Demo store, {{first_name|friend}}! Your first order ships free: https://shop.example/welcome",
          recipients: india.slice(n(1350) - n(20)),
        },
        key,
      ),
      202,
    );
    counts.sends += n(20);
  }
  return { appId: DEMO_APP_ID, apiKey: key, counts };
}
