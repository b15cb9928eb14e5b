import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { documentClients, setDynamo } from "../../lambdas/store/client.js";
import { type CustomSimulator, startCustomSimulator } from "../simulators/index.js";
import { type Api, startProduct } from "./harness.js";

/**
 * The send worker under DynamoDB faults at its own writes (found by the model test, test/model): a
 * timeout after the SENDING mark went through, a timeout after the outcome of a send without delivery
 * tracking went through, and a worker killed right after the SENDING mark of a recipient who can never
 * be sent (invalid number, missing personalisation). The provider is called exactly when it should be,
 * and each user counts as SPEC §3 defines.
 */
const S = Date.parse("2026-12-01T10:00:00Z");
const MIN = 60_000;
let now = S;

class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

/** One fault, injected once at the first call of `command` whose (marshalled) input holds every `match`. */
interface Fault {
  command: string;
  match: string[];
  kind: "timeoutAfter" | "crashAfter";
  /** Runs when the fault fires (e.g. moves the clock past the claim's cut-off). */
  onFire?: () => void;
  fired?: boolean;
}

const faults: Fault[] = [];

function installFaults(endpoint: string): void {
  const raw = (): DynamoDBClient => {
    const client = new DynamoDBClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 5,
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = JSON.stringify(args.input);
        const fault = faults.find(
          (f) => !f.fired && f.command === context.commandName && f.match.every((m) => input.includes(m)),
        );
        const out = await next(args);
        if (fault) {
          fault.fired = true;
          fault.onFire?.();
          if (fault.kind === "crashAfter") throw new SimulatedCrash(`killed after ${fault.command}`);
          throw Object.assign(new Error("Connection timed out after 3000 ms"), {
            name: "TimeoutError",
            $metadata: {},
          });
        }
        return out;
      },
      { step: "finalizeRequest", name: "sendFaults", priority: "low" },
    );
    return client;
  };
  setDynamo(...documentClients(raw));
}

let api: Api;
let sim: CustomSimulator;
let key: string;

const request = (url: string) => ({
  method: "POST",
  url: `${url}/send`,
  body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
});

beforeAll(async () => {
  setClock(() => now);
  api = await startProduct();
  setClock(() => now);
  installFaults(api.runtime.dynamoEndpoint);
  sim = await startCustomSimulator();
  key = await api.createApp("sf", "UTC", "USD");
  await api.putConnector(
    "/v1/apps/sf/connectors/tracked",
    {
      provider: "custom",
      deliveryTracking: true,
      custom: {
        request: request(sim.url),
        receipt: { messageId: "ref", status: "state", delivered: ["DELIVERED"], failed: ["FAILED"] },
      },
      timeoutMs: 2_000,
    },
    key,
  );
  await api.putConnector(
    "/v1/apps/sf/connectors/untracked",
    { provider: "custom", deliveryTracking: false, custom: { request: request(sim.url) }, timeoutMs: 2_000 },
    key,
  );
  for (const [campaignId, connectorId] of [
    ["claim", "tracked"],
    ["outcome", "untracked"],
    ["checks", "tracked"],
    ["tap", "untracked"],
    ["late", "untracked"],
  ] as const) {
    await api.putCampaign(
      `/v1/apps/sf/campaigns/${campaignId}`,
      {
        name: campaignId,
        connectorId,
        clickTracking: true,
        goals: [{ goalId: "buy", eventName: "Purchase", revenueAttribute: "value" }],
      },
      key,
    );
  }
});

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
});

async function send(campaignId: string, recipients: unknown[], message = "Hello {{name|there}}") {
  const r = await api.call(
    "POST",
    `/v1/apps/sf/campaigns/${campaignId}/instances/i1/sends`,
    { message, recipients },
    key,
  );
  expect(r.status).toBe(202);
  await api.drain();
}

/** One Purchase event (value in the app's currency) through the events route, then everything drained. */
async function purchase(eventId: string, userId: string, at: number, value: number): Promise<void> {
  const r = await api.call(
    "POST",
    "/v1/apps/sf/events",
    {
      events: [
        { eventId, userId, name: "Purchase", time: new Date(at).toISOString(), attributes: { value } },
      ],
    },
    key,
  );
  expect(r.status).toBe(202);
  await api.drain();
}

/** A phone's tap on the short link in the SMS the provider got for `messageId`: the redirect's status. */
async function tapLinkOf(messageId: string): Promise<number> {
  const sent = sim.requests.find((q) => (q.body as { ref?: string }).ref === messageId)?.body as
    | { text: string }
    | undefined;
  const code = /\/l\/([0-9A-Za-z]{14})/.exec(sent?.text ?? "")?.[1];
  expect(code).toBeDefined();
  const tap = await fetch(`${api.url}/l/${code}`, {
    redirect: "manual",
    headers: { "user-agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/131.0 Mobile Safari/537.36" },
  });
  return tap.status;
}

describe("send worker faults at its own writes", () => {
  it("a timeout after the SENDING mark went through: the worker knows its own claim and sends once", async () => {
    const id = messageIdFor("sf", "claim", "i1", "u1");
    faults.push({ command: "UpdateItemCommand", match: [id, "SENDING"], kind: "timeoutAfter" });
    await send("claim", [{ userId: "u1", phone: "+919812300001" }]);
    expect(faults.every((f) => f.fired)).toBe(true);
    expect(sim.requests.filter((q) => (q.body as { ref?: string }).ref === id)).toHaveLength(1);
    const d = (await api.analytics("sf", "claim", key)).delivery;
    expect(d).toMatchObject({ sent: 1, failedToSend: 0, inTransit: 1 });
  });

  it("a timeout after an untracked send's outcome went through: its window still opens", async () => {
    const id = messageIdFor("sf", "outcome", "i1", "u2");
    faults.push({ command: "PutItemCommand", match: [id, "UNTRACKED"], kind: "timeoutAfter" });
    await send("outcome", [{ userId: "u2", phone: "+919812300002" }]);
    expect(faults.every((f) => f.fired)).toBe(true);
    now = S + 5 * MIN;
    await purchase("p1", "u2", S + 2 * MIN, 5);
    const a = await api.analytics("sf", "outcome", key);
    expect(a.delivery).toMatchObject({ sent: 1, pendingDeliveryConfirmation: 1 });
    expect(a.conversions).toMatchObject({ conversionEvents: 1, conversions: 1 });
    expect(a.revenue.total).toBe("5.00");
  });

  it("a worker killed after marking SENDING a recipient it could never send: decided by the checks, not unknown", async () => {
    now = S + 10 * MIN;
    const invalid = messageIdFor("sf", "checks", "i1", "bad");
    const unnamed = messageIdFor("sf", "checks", "i1", "anon");
    // The redelivery comes after the claim's cut-off (the clock moves 10 minutes at the crash).
    const later = () => {
      now += 10 * MIN;
    };
    faults.push(
      { command: "UpdateItemCommand", match: [invalid, "SENDING"], kind: "crashAfter", onFire: later },
      { command: "UpdateItemCommand", match: [unnamed, "SENDING"], kind: "crashAfter", onFire: later },
    );
    const calls = sim.requests.length;
    await send("checks", [{ userId: "bad", phone: "+91123" }], "Hello");
    await send("checks", [{ userId: "anon", phone: "+919812300003" }], "Hello {{name}}");
    expect(faults.every((f) => f.fired)).toBe(true);
    expect(sim.requests).toHaveLength(calls);
    const a = await api.analytics("sf", "checks", key);
    expect(a.delivery).toMatchObject({ sent: 0, failedToSend: 2 });
    expect(
      a.failures.failedToSend.map((f: { reason: string; count: number }) => [f.reason, f.count]).sort(),
    ).toEqual([
      ["INVALID_NUMBER", 1],
      ["PERSONALIZATION_FAILED", 1],
    ]);
  });
});

describe("a write that landed but whose answer was lost is the writer's own", () => {
  // Found by the model test (seed 20261301 path 9): the click worker's tap proof (outcome unknown →
  // sent) timed out after it landed; the SDK's retry then failed its condition, the worker read its own
  // write as another's, and the window the proof opens was never opened: the waiting purchase was lost.
  it("a timeout after a tap's proof went through: the window it opens counts the waiting purchase", async () => {
    now = S + 60 * MIN;
    const phone = "+919812300004";
    const id = messageIdFor("sf", "tap", "i1", "u4");
    sim.script(phone, { kind: "delay", ms: 5_000 }); // longer than the connector's timeout: outcome unknown
    await send("tap", [{ userId: "u4", phone }], "Sale today https://shop.example/sale");
    expect((await api.analytics("sf", "tap", key)).failures.failedToSend).toEqual([
      { reason: "SEND_OUTCOME_UNKNOWN", code: null, count: 1 },
    ]);
    now = S + 70 * MIN;
    await purchase("t1", "u4", S + 61 * MIN, 7);
    faults.push({ command: "PutItemCommand", match: [id, "UNTRACKED"], kind: "timeoutAfter" });
    now = S + 80 * MIN;
    expect(await tapLinkOf(id)).toBe(302);
    await api.drain();
    expect(faults.every((f) => f.fired)).toBe(true);
    const a = await api.analytics("sf", "tap", key);
    expect(a.delivery).toMatchObject({ sent: 1, failedToSend: 0 });
    expect(a.conversions).toMatchObject({ conversionEvents: 1, conversions: 1 });
    expect(a.revenue.total).toBe("7.00");
  });
});

describe("the grace rule is the same whichever side meets the other", () => {
  // Found by the model test (seed 20262017 path 17): a purchase inside a window but arriving more than
  // WINDOW_GRACE_MS after the window's end is rightly not counted when it arrives; a click batch killed
  // after its clicker write was redelivered, re-drove the message's window, and the window counted the
  // purchase anyway. Whether a late event counted depended on whether a redelivery happened.
  it("a purchase arriving after the grace is not counted by a window a redelivered tap re-drives", async () => {
    now = S + 2 * 60 * MIN;
    const sentAt = now;
    const id = messageIdFor("sf", "late", "i1", "u5");
    await send("late", [{ userId: "u5", phone: "+919812300005" }], "Sale today https://shop.example/sale");
    // The 36 h window closes at sentAt + 36 h; its grace a week later. The purchase, made a minute after
    // the send, arrives nine days after it.
    now = sentAt + 9 * 24 * 60 * MIN;
    await purchase("late1", "u5", sentAt + MIN, 9);
    // The click worker is killed right after it records the tap: its batch is redelivered.
    faults.push({ command: "PutItemCommand", match: ["clicker", "u5"], kind: "crashAfter" });
    now += 60 * MIN;
    expect(await tapLinkOf(id)).toBe(302);
    await api.drain();
    expect(faults.every((f) => f.fired)).toBe(true);
    const a = await api.analytics("sf", "late", key);
    expect(a.delivery).toMatchObject({ sent: 1, pendingDeliveryConfirmation: 1 });
    expect(a.clicks).toMatchObject({ total: 1, unique: 1 });
    expect(a.conversions).toMatchObject({ conversionEvents: 0, conversions: 0 });
    expect(a.revenue.total).toBe("0.00");
  });
});
