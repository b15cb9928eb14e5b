import { setClock } from "../lambdas/platform/clock.js";
import { deliverReceipt, gupshupQueryReceipt } from "../test/simulators/index.js";
import { sqsEvent } from "./capture-queue.js";
import { type Cost, diffCost } from "./meter.js";
import { APP_ID, type Product } from "./product.js";
import { round } from "./stats.js";
import { lambdaContext, loadWorkers } from "./write-cost.js";

/**
 * Issue 16 §3: what an arriving event reads, for users messaged by 1 campaign and by 50 (all but one
 * window closed, as in a real history). Every message goes through the real path (sends route, send
 * worker, Gupshup simulator, GET receipt through the webhook, delivery worker) at its own time in the
 * past; then each user posts one purchase through the events route and one attribution worker
 * invocation takes the group's events.
 */

export interface ReadsGroup {
  campaigns: number;
  users: number;
  /** Windows still open at the event's time, per user. */
  openWindows: number;
  /** The attribution worker, per event (the counter's requests left out). */
  requestsPerEvent: number;
  rruPerEvent: number;
  itemsReadPerEvent: number;
  /** Read requests by operation, per event. */
  readsByCommand: Record<string, number>;
}

export interface ReadsPerEvent {
  groups: [ReadsGroup, ReadsGroup];
  /** 50 campaigns ÷ 1 campaign. */
  ratio: { requests: number; rru: number };
}

const USERS = 5;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const READS = new Set(["GetItem", "BatchGetItem", "Query"]);

/** One campaign's send to `users` at `atMs` (its past), delivered 1 minute later. */
async function sendAndDeliver(
  p: Product,
  workers: Awaited<ReturnType<typeof loadWorkers>>,
  campaignId: string,
  users: string[],
  atMs: number,
): Promise<void> {
  const offset = Date.now() - atMs;
  setClock(() => Date.now() - offset);
  try {
    const created = await p.call("PUT", `/v1/apps/${APP_ID}/campaigns/${campaignId}`, {
      name: campaignId,
      connectorId: "gs",
      clickTracking: false,
      goals: [{ goalId: "purchase", eventName: "Purchase", primary: true, revenueAttribute: "order_value" }],
    });
    if (created.status !== 201) throw new Error(`campaign: ${created.status}`);
    const before = p.sim.accepted.length;
    const phones = users.map(
      (_, i) => `+9196${campaignId.replace(/\D/g, "").padStart(3, "0")}${String(i).padStart(5, "0")}`,
    );
    const sent = await p.call("POST", `/v1/apps/${APP_ID}/campaigns/${campaignId}/instances/i/sends`, {
      message: "Hi, today only",
      recipients: users.map((userId, i) => ({ userId, phone: phones[i] })),
    });
    if (sent.status !== 202) throw new Error(`sends: ${sent.status}`);
    const send = await workers.send(sqsEvent("sends", p.capture.take("sends")), lambdaContext(120));
    if (send.batchItemFailures.length > 0) throw new Error("send worker failed");
    await Promise.all(
      p.sim.accepted.slice(before).map(async (a) => {
        const receipt = gupshupQueryReceipt({
          externalId: a.providerMessageId,
          status: "SUCCESS",
          cause: "SUCCESS",
          errCode: "000",
          deliveredTS: atMs + 60_000,
          phoneNo: a.phone,
        });
        const r = await deliverReceipt(p.webhookUrl, receipt);
        if (r.status !== 200) throw new Error(`webhook: ${r.status}`);
      }),
    );
    const delivered = await workers.receipt(sqsEvent("receipts", p.capture.take("receipts")));
    if (delivered.batchItemFailures.length > 0) throw new Error("delivery worker failed");
  } finally {
    setClock(undefined);
  }
}

function group(campaigns: number, openWindows: number, cost: Cost): ReadsGroup {
  const readsByCommand: Record<string, number> = {};
  for (const [op, c] of Object.entries(cost.byCommand))
    if (READS.has(op)) readsByCommand[op] = round(c.requests / USERS, 2);
  return {
    campaigns,
    users: USERS,
    openWindows,
    requestsPerEvent: round(cost.requests / USERS, 2),
    rruPerEvent: round(cost.rru / USERS, 2),
    itemsReadPerEvent: round(cost.itemsRead / USERS, 2),
    readsByCommand,
  };
}

export async function measureReadsPerEvent(p: Product, log: (line: string) => void): Promise<ReadsPerEvent> {
  const workers = await loadWorkers();
  const now = Date.now();
  const light = Array.from({ length: USERS }, (_, i) => `light-${i}`);
  const heavy = Array.from({ length: USERS }, (_, i) => `heavy-${i}`);
  // 49 campaigns days apart (their 36 h windows long closed), then one sent an hour ago (open).
  for (let k = 0; k < 49; k++) await sendAndDeliver(p, workers, `r${k}`, heavy, now - (50 - k) * 2 * DAY);
  await sendAndDeliver(p, workers, "r49", [...heavy, ...light], now - HOUR);
  await p.runtime.drain();
  log(`  seeded ${USERS} users messaged by 50 campaigns and ${USERS} by 1`);

  const measure = async (users: string[]): Promise<Cost> => {
    const posted = await p.call("POST", `/v1/apps/${APP_ID}/events`, {
      events: users.map((userId) => ({
        eventId: `buy-${userId}`,
        userId,
        name: "Purchase",
        time: new Date(now).toISOString(),
        attributes: { order_value: "499.00" },
      })),
    });
    if (posted.status !== 202) throw new Error(`events: ${posted.status}`);
    const r = await p.meter.measure(() => workers.conversion(sqsEvent("events", p.capture.take("events"))));
    if (r.value.batchItemFailures.length > 0) throw new Error("attribution worker failed");
    return diffCost(r.cost, r.counter);
  };
  const one = group(1, 1, await measure(light));
  const fifty = group(50, 1, await measure(heavy));
  await p.runtime.drain();
  return {
    groups: [one, fifty],
    ratio: {
      requests: round(fifty.requestsPerEvent / one.requestsPerEvent, 3),
      rru: round(fifty.rruPerEvent / one.rruPerEvent, 3),
    },
  };
}
