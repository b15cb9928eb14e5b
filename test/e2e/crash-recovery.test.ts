import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import Big from "big.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { setClock } from "../../lambdas/platform/clock.js";
import type { CustomReceiptMapping } from "../../lambdas/providers/types.js";
import { documentClients, setDynamo } from "../../lambdas/store/client.js";
import { getMessages } from "../../lambdas/store/messages.js";
import { listParked } from "../../lambdas/store/parked.js";
import {
  type CustomReceiptValues,
  type CustomSimulator,
  customReceiptBatch,
  deliverReceipt,
  startCustomSimulator,
} from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * Workers crashing part-way through a batch, then the queue redelivering it: the send worker dies
 * after calling the provider but before recording (those users end as SEND_OUTCOME_UNKNOWN, never sent
 * twice, and their receipts later prove them sent); the delivery worker and the attribution worker die
 * between two fact writes of one batch. Every receipt also arrives twice, shuffled. Numbers end exact.
 */
const S = Date.parse("2026-11-20T04:00:00Z");
const MIN = 60_000;
const USERS = 120;

let api: Api;
let sim: CustomSimulator;
let key: string;
let webhookUrl: string;
let now = S;

class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

/** Makes the n-th fact write from now throw, as a worker killed at that point would leave things. */
interface Crasher {
  /** `onCrash` runs just before the throw (it may read the store: only fact writes are counted). */
  arm(nth: number, onCrash?: () => void | Promise<void>): void;
  crashes: number;
}

function installCrashingDynamo(endpoint: string): Crasher {
  let countdown = 0;
  let onCrash: (() => void | Promise<void>) | undefined;
  const crasher: Crasher = {
    crashes: 0,
    arm(nth, callback) {
      countdown = nth;
      onCrash = callback;
    },
  };
  const raw = (): DynamoDBClient => {
    const client = new DynamoDBClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // A worker's fact write: a transaction, or a put of a fact item other than a route's claim.
        // (The input may be native or marshalled here, depending on where the document client converts it.)
        const item = (args.input as { Item?: Record<string, unknown> }).Item;
        const text = (v: unknown): unknown => (v && typeof v === "object" ? (v as { S?: string }).S : v);
        const factWrite =
          context.commandName === "TransactWriteItemsCommand" ||
          (context.commandName === "PutItemCommand" &&
            item?.fact !== undefined &&
            text(item.status) !== "QUEUED");
        if (factWrite && countdown > 0) {
          countdown--;
          if (countdown === 0) {
            crasher.crashes++;
            await onCrash?.();
            throw new SimulatedCrash("worker killed before this write");
          }
        }
        return next(args);
      },
      { step: "initialize", name: "crash" },
    );
    return client;
  };
  setDynamo(...documentClients(raw));
  return crasher;
}

let crasher: Crasher;

/** Reads until `done` holds (the counter catches up on its own, beside the stalled worker). */
async function settled<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await read();
    if (done(v) || i >= 100) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mapping: CustomReceiptMapping = {
  messageId: "ref",
  status: "state",
  errorCode: "err",
  time: "ts",
  delivered: ["DELIVERED"],
  failed: ["FAILED"],
  inTransit: ["SENT"],
};

const userId = (i: number): string => `u${String(i).padStart(3, "0")}`;
const ref = (i: number): string => messageIdFor("acme", "cr", "i1", userId(i));

function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function delivery(): Promise<Record<string, number | null>> {
  const d = (await api.analytics("acme", "cr", key)).delivery;
  expect(d.sent).toBe(d.delivered + d.failedToDeliver + d.inTransit);
  return d;
}

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  crasher = installCrashingDynamo(api.runtime.dynamoEndpoint);
  sim = await startCustomSimulator();
  key = await api.createApp("acme", "UTC", "USD");
  webhookUrl = await api.putConnector(
    "/v1/apps/acme/connectors/ct",
    {
      provider: "custom",
      deliveryTracking: true,
      custom: {
        request: {
          method: "POST",
          url: `${sim.url}/send`,
          body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
        },
        receipt: mapping,
      },
      timeoutMs: 2_000,
      sendRatePerSecond: 1000,
      pricing: { currency: "USD", perSegment: "0.0075" },
    },
    key,
  );
  await api.putCampaign(
    "/v1/apps/acme/campaigns/cr",
    {
      name: "Crash",
      connectorId: "ct",
      goals: [
        { goalId: "purchase", eventName: "Purchase", revenueAttribute: "order_value" },
        // A second goal on the same event: two conversion facts per event, so one batch needs two transactions.
        { goalId: "any", eventName: "Purchase" },
      ],
    },
    key,
  );
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

describe("crashes mid-batch, then redelivery", () => {
  it("a send worker killed after the provider calls: never re-sent, counted as outcome unknown", async () => {
    // 120 users are three send jobs (50, 50, 20) in one batch; the worker dies as it records the second
    // outcome (the provider was called). The job's redelivery comes after the claim went stale (the
    // clock moves 10 minutes at the crash); recipients whose calls were in flight are decided then.
    crasher.arm(2, () => {
      now += 10 * MIN;
    });
    const recipients = Array.from({ length: USERS }, (_, i) => ({
      userId: userId(i),
      phone: `+9198123${String(80_000 + i)}`,
    }));
    const r = await api.call(
      "POST",
      "/v1/apps/acme/campaigns/cr/instances/i1/sends",
      { message: "Hello", recipients },
      key,
    );
    expect(r.body).toEqual({ instanceId: "i1", accepted: USERS, duplicates: 0, heldBack: 0 });
    await api.drain();

    expect(crasher.crashes).toBe(1);
    expect(sim.requests).toHaveLength(USERS);
    expect(new Set(sim.requests.map((q) => (q.body as { ref: string }).ref)).size).toBe(USERS);
    // Each outcome is recorded as soon as it is known: only the calls the crash cut off are unknown
    // (the one whose write failed, and at most the three running beside it).
    const statuses = await getMessages(
      "acme",
      Array.from({ length: USERS }, (_, i) => ref(i)),
    );
    const unknown = [...statuses.values()].filter((m) => m.status === "OUTCOME_UNKNOWN").length;
    expect(unknown).toBeGreaterThanOrEqual(1);
    expect(unknown).toBeLessThanOrEqual(4);
    expect([...statuses.values()].filter((m) => m.status === "SENT")).toHaveLength(USERS - unknown);
    expect(await delivery()).toEqual({
      sent: USERS - unknown,
      failedToSend: unknown,
      delivered: 0,
      failedToDeliver: 0,
      inTransit: USERS - unknown,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 0,
    });
    const a = await api.analytics("acme", "cr", key);
    expect(a.failures.failedToSend).toEqual([{ reason: "SEND_OUTCOME_UNKNOWN", code: null, count: unknown }]);
    // Every message the provider was called for keeps its segments and price, the cut-off ones too
    // (their text rebuilt); only the sent ones cost, exactly.
    for (const m of statuses.values()) {
      expect(m.billing).toEqual({
        segments: 1,
        encoding: "GSM-7",
        pricePerSegment: "0.0075",
        currency: "USD",
      });
    }
    expect(a.cost).toMatchObject({ segments: USERS - unknown, currency: "USD", unpricedSegments: 0 });
    expect(new Big(a.cost.total).eq(new Big("0.0075").times(USERS - unknown))).toBe(true);
  });

  it("a delivery worker killed between two fact writes of one batch; every receipt twice, shuffled", async () => {
    now = S + 60 * MIN;
    const ts = new Date(S + 5 * MIN).toISOString();
    const receipts: CustomReceiptValues[] = [];
    for (let i = 0; i < USERS; i++) {
      const messageId = ref(i);
      if (i < 60)
        receipts.push({ messageId, status: "SENT", time: ts }, { messageId, status: "DELIVERED", time: ts });
      else if (i < 90)
        receipts.push(
          { messageId, status: "FAILED", errorCode: "E1", time: ts },
          { messageId, status: "DELIVERED", time: ts },
        );
      else if (i < 110) receipts.push({ messageId, status: "FAILED", errorCode: "E2", time: ts });
      else receipts.push({ messageId, status: "SENT", time: ts });
    }
    // First copies in one request: the worker dies at its 40th fact write. What had landed is counted
    // (the counter runs beside the worker) before it dies.
    let atCrash: Record<string, number | null> = {};
    crasher.arm(40, async () => {
      atCrash = await settled(
        async () => (await api.analytics("acme", "cr", key)).delivery,
        (d) => Number(d.delivered) > 0,
      );
    });
    const firstCopies = shuffled(receipts, 3);
    expect((await deliverReceipt(webhookUrl, customReceiptBatch(mapping, firstCopies))).status).toBe(200);
    await api.drain();
    expect(crasher.crashes).toBe(2);
    // Part of the batch had landed when the worker died: not none, not all.
    expect(atCrash.delivered).toBeGreaterThan(0);
    expect(atCrash.delivered).toBeLessThan(90);

    const expected = {
      sent: 120,
      failedToSend: 0,
      delivered: 90,
      failedToDeliver: 20,
      inTransit: 10,
      pendingDeliveryConfirmation: 0,
      deliveryRate: 75,
    };
    expect(await delivery()).toEqual(expected);

    // Second copies, shuffled again, in requests of 1 to 9 receipts.
    const second = shuffled(receipts, 5);
    for (let i = 0, size = 1; i < second.length; i += size, size = (size % 9) + 1) {
      expect(
        (await deliverReceipt(webhookUrl, customReceiptBatch(mapping, second.slice(i, i + size)))).status,
      ).toBe(200);
    }
    await api.drain();
    expect(await delivery()).toEqual(expected);
    const a = await api.analytics("acme", "cr", key);
    expect(a.failures.failedToSend).toEqual([]);
    expect(a.failures.failedToDeliver).toEqual([{ code: "E2", description: "FAILED", count: 20 }]);
    // Users proven sent by a receipt after the crash count in the breakdowns like the others.
    expect(a.breakdowns).toEqual({
      byCountry: [{ country: "IN", sent: 120, delivered: 90, failedToDeliver: 20, clicks: 0 }],
      byProvider: [{ provider: "custom", sent: 120, delivered: 90, failedToDeliver: 20, clicks: 0 }],
    });
    expect((await listParked("acme")).items).toEqual([]);
  });

  it("an attribution worker killed between two fact writes of one batch counts every event once", async () => {
    now = S + 2 * 60 * MIN;
    const at = new Date(S + 30 * MIN).toISOString();
    const purchase = (eventId: string, i: number, value: string | number) => ({
      eventId,
      userId: userId(i),
      name: "Purchase",
      time: at,
      attributes: { order_value: value },
    });
    // One request of 100 events is one queue batch: users 0..89 are delivered (two goals each: 180
    // conversion facts), users 90..99 are not (no window). The worker dies at its 30th fact write.
    const first = Array.from({ length: 100 }, (_, i) => purchase(`p-${i}`, i, "1.10"));
    let atCrash = -1;
    crasher.arm(30, async () => {
      atCrash = await settled(
        async () =>
          (await api.analytics("acme", "cr", key)).goals.reduce(
            (n: number, g: { allGoals: number }) => n + g.allGoals,
            0,
          ),
        (n) => n > 0,
      );
    });
    expect(
      (await api.call("POST", "/v1/apps/acme/events", { events: shuffled(first, 9) }, key)).body,
    ).toEqual({
      accepted: 100,
      duplicates: 0,
    });
    await api.drain();
    expect(crasher.crashes).toBe(3);
    expect(atCrash).toBeGreaterThan(0);
    expect(atCrash).toBeLessThan(180);

    // Second purchases of users 0..29, and ten of the first events again.
    const second = [
      ...Array.from({ length: 30 }, (_, i) => purchase(`q-${i}`, i, 2.2)),
      ...first.slice(0, 10),
    ];
    expect(
      (await api.call("POST", "/v1/apps/acme/events", { events: shuffled(second, 13) }, key)).body,
    ).toEqual({
      accepted: 30,
      duplicates: 10,
    });
    await api.drain();

    const a = await api.analytics("acme", "cr", key);
    expect(a.conversions).toEqual({
      goalId: "purchase",
      attributionBasis: "delivered",
      conversionEvents: 120,
      conversions: 90,
      conversionRate: 100,
    });
    expect(a.revenue).toMatchObject({
      total: "165.00",
      averageOrderValue: "1.38",
      averageRevenuePerUser: "1.83",
    });
    expect(a.goals).toEqual([
      { goalId: "purchase", eventName: "Purchase", allGoals: 120, uniqueGoals: 90, revenue: "165.00" },
      { goalId: "any", eventName: "Purchase", allGoals: 120, uniqueGoals: 90 },
    ]);
  });
});
