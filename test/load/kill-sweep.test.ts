import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpSimulator, startHttpSimulator } from "../simulators/server.js";
import { childProcessTarget, type ProductTarget } from "./targets.js";

/**
 * The kill sweep of issue 13 §1, black-box: the product as its own process, a custom connector without
 * delivery tracking on loopback, and for each instant one user whose Purchase is already waiting when
 * the provider accepts the send. The whole runtime (and its engine) is killed with SIGKILL that long
 * after the provider's answer went out, then restarted on the same data; the restart's clock is three
 * minutes on, past the cut-off that decides a send cut off mid-call. Every instant must end in one of
 * the two consistent states: sent and converted, or SEND_OUTCOME_UNKNOWN with nothing attributed.
 *
 * KILL_SWEEP_INSTANTS (default 24) instants, spread over KILL_SWEEP_SPAN_MS (default 60 ms) after the
 * answer: `npm run test:kill-sweep` runs a longer sweep.
 */
const INSTANTS = Number(process.env.KILL_SWEEP_INSTANTS ?? 24);
const SPAN_MS = Number(process.env.KILL_SWEEP_SPAN_MS ?? 60);
const ADMIN = "sweep-admin-key-0123456789abcdef";
const RESTART_CLOCK_STEP_MS = 3 * 60_000;

let target: ProductTarget & { dataDir: string };
let provider: HttpSimulator;
let key: string;
/** What the provider does when a send arrives: set per instant. */
let onSend: () => Promise<void> = async () => {};
/** Resolves when the provider has handed its answer over to the socket. */
let answered: (() => void) | undefined;
const outcomes: Array<{ instantMs: number; state: "sent and converted" | "outcome unknown" | string }> = [];

async function call(
  method: string,
  path: string,
  body?: unknown,
  auth = key,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${target.url()}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${auth}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  provider = await startHttpSimulator(async () => {
    await onSend();
    setImmediate(() => answered?.());
    return { status: 200, body: JSON.stringify({ id: "accepted" }) };
  });
  target = await childProcessTarget({ adminApiKey: ADMIN, clockStepPerRestartMs: RESTART_CLOCK_STEP_MS });
  const app = await call("PUT", "/v1/apps/sweep", { name: "sweep", timezone: "UTC", currency: "USD" }, ADMIN);
  expect(app.status).toBe(201);
  key = app.body.apiKey;
  expect(
    (
      await call("PUT", "/v1/apps/sweep/connectors/plain", {
        provider: "custom",
        deliveryTracking: false,
        custom: {
          request: {
            method: "POST",
            url: `${provider.url}/send`,
            headers: { "content-type": "application/json" },
            body: '{"to":"{{phone}}","text":"{{message}}"}',
          },
        },
        timeoutMs: 2_000,
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await call("PUT", "/v1/apps/sweep/campaigns/c", {
        name: "sweep",
        connectorId: "plain",
        goals: [{ goalId: "buy", eventName: "Purchase", revenueAttribute: "value" }],
      })
    ).status,
  ).toBe(201);
}, 60_000);

afterAll(async () => {
  await provider?.stop();
  await target?.stop();
});

describe(`kill -9 at ${INSTANTS} instants after a custom provider accepts a send`, () => {
  it("ends every instant sent and converted, or outcome unknown with nothing attributed", async () => {
    for (let i = 0; i < INSTANTS; i++) {
      const instantMs = INSTANTS === 1 ? 0 : (SPAN_MS * i) / (INSTANTS - 1);
      const userId = `u${i}`;
      // The Purchase arrives while the provider is being called, so it waits for the window the send opens.
      onSend = async () => {
        const time = new Date(target.nowMs?.() ?? Date.now()).toISOString();
        const r = await call("POST", "/v1/apps/sweep/events", {
          events: [{ eventId: `p${i}`, userId, name: "Purchase", time, attributes: { value: 10 } }],
        });
        expect(r.status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 300)); // the event worker keeps it
      };
      const gone = new Promise<void>((resolve) => {
        answered = () => setTimeout(() => void target.crashAndRestart().then(resolve), instantMs);
      });
      const sent = await call("POST", `/v1/apps/sweep/campaigns/c/instances/k${i}/sends`, {
        message: "Sale today",
        recipients: [{ userId, phone: `+9198123${String(40000 + i).padStart(5, "0")}` }],
      });
      expect(sent.status).toBe(202);
      await gone;
      answered = undefined;
      onSend = async () => {};
      await target.drain();

      const a = await call("GET", `/v1/apps/sweep/campaigns/c/analytics?instanceId=k${i}`);
      expect(a.status).toBe(200);
      const { delivery, conversions, revenue } = a.body;
      const converted =
        delivery.sent === 1 &&
        delivery.pendingDeliveryConfirmation === 1 &&
        delivery.failedToSend === 0 &&
        conversions.conversions === 1 &&
        revenue.total === "10.00";
      const unknown =
        delivery.sent === 0 &&
        delivery.failedToSend === 1 &&
        a.body.failures.failedToSend[0]?.reason === "SEND_OUTCOME_UNKNOWN" &&
        conversions.conversions === 0 &&
        conversions.conversionEvents === 0;
      outcomes.push({
        instantMs,
        state: converted
          ? "sent and converted"
          : unknown
            ? "outcome unknown"
            : JSON.stringify({ delivery, conversions }),
      });
    }
    process.stderr.write(
      `kill sweep: ${outcomes.map((o) => `${o.instantMs.toFixed(1)} ms → ${o.state}`).join("; ")}\n`,
    );
    const inconsistent = outcomes.filter(
      (o) => o.state !== "sent and converted" && o.state !== "outcome unknown",
    );
    expect(inconsistent).toEqual([]);
    // The campaign is the sum of its instants.
    const all = (await call("GET", "/v1/apps/sweep/campaigns/c/analytics")).body;
    const converted = outcomes.filter((o) => o.state === "sent and converted").length;
    expect(all.delivery.sent).toBe(converted);
    expect(all.conversions.conversions).toBe(converted);
    expect(all.delivery.failedToSend).toBe(INSTANTS - converted);
    expect(target.generation()).toBe(INSTANTS);
  }, 600_000);
});
