import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type LocalRuntime, startLocal } from "../../lambdas/local/server.js";
import { type QueuePort, setQueue } from "../../lambdas/queue/index.js";
import {
  customReceipt,
  deliverReceipt,
  gupshupQueryReceipt,
  kaleyraReceipt,
  sinchRecipientReport,
  startCustomSimulator,
  startGupshupSimulator,
  startKaleyraSimulator,
  startSinchSimulator,
} from "../simulators/index.js";

/**
 * Everything the product prints during a full run — the local runtime's own log lines (as `npm start`
 * prints them), every handler's and worker's console output, and raw writes to stdout/stderr — holds
 * no API key, webhook token, provider credential or full phone number.
 */

const ADMIN = "admin-key-6b1f0c9e2d7a4b83a5c1e0f9d8c7b6a5";
const SERVER_SECRET = "server-secret-3e8d1c7b5a9f4e2d8c6b0a1f3e5d7c9b";
const CREDS = {
  gupshupPassword: "gs-password-Q7wX2pL9",
  kaleyraApiKey: "A1b2C3d4E5f6kaleyrakey",
  sinchApiToken: "sinch-api-token-7Hk2Lm9Qz",
  sinchWebhookSecret: "sinch-webhook-secret-Zx81Pq",
  customHeaderKey: "custom-x-key-Vb63Nr0T",
};
const PHONES = [
  "+919812300001",
  "+919812300002",
  "+919812300003",
  "+14155550004",
  "+447700900005",
  "+919812300006",
  "+919812300007",
];

const captured: string[] = [];
const secrets: Record<string, string> = {
  adminKey: ADMIN,
  serverSecret: SERVER_SECRET,
  ...CREDS,
};

let runtime: LocalRuntime;
let dataDir: string;
const sims: Array<{ stop(): Promise<void> }> = [];

function capture(...args: unknown[]): void {
  captured.push(
    args
      .map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.stack}` : JSON.stringify(a)))
      .join(" "),
  );
}

beforeAll(() => {
  for (const level of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    vi.spyOn(console, level).mockImplementation(capture);
  }
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation(((chunk: unknown) => {
      captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      return true;
    }) as typeof stream.write);
  }
});

afterAll(async () => {
  for (const s of sims) await s.stop();
  await runtime?.stop();
  vi.restoreAllMocks();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  key?: string,
  raw?: { body: string; type: string },
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(raw
        ? { "content-type": raw.type }
        : body !== undefined
          ? { "content-type": "application/json" }
          : {}),
    },
    ...(raw ? { body: raw.body } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

const drain = (): Promise<void> => runtime.drain();

/** A queue that is down (fault injection the real runtime cannot produce on demand). */
const downQueue: QueuePort = {
  send: async () => {
    throw Object.assign(new Error("queue unavailable"), { name: "ServiceUnavailable" });
  },
};

describe("a full run prints no secret and no phone number", () => {
  it("runs the whole product: apps, four providers and the sandbox, sends, receipts, events, clicks, analytics, errors", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "sms-secrets-"));
    // No `log` option: the runtime logs to the console exactly as `npm start` does.
    runtime = await startLocal({
      port: 0,
      dataDir,
      adminApiKey: ADMIN,
      serverSecret: SERVER_SECRET,
      queueVisibilityTimeoutSeconds: 0,
    });

    const gs = await startGupshupSimulator({ userId: "acct", password: CREDS.gupshupPassword });
    const kl = await startKaleyraSimulator({ apiKey: CREDS.kaleyraApiKey });
    const sn = await startSinchSimulator({ apiToken: CREDS.sinchApiToken });
    const cu = await startCustomSimulator();
    sims.push(gs, kl, sn, cu);
    gs.script(PHONES[1] as string, { kind: "error", code: "175", text: "service disabled" });
    gs.script(PHONES[2] as string, { kind: "delay", ms: 1_500 });
    kl.script(PHONES[1] as string, { kind: "number-status", status: "DNDNUMB" });
    sn.script(PHONES[1] as string, { kind: "error", status: 400, code: "syntax_invalid_parameter_format" });
    cu.script(PHONES[1] as string, { kind: "error", status: 422, body: { error: { code: "E42" } } });
    cu.script(PHONES[2] as string, { kind: "drop" });

    const app = await call(
      "PUT",
      "/v1/apps/acme",
      { name: "Acme", timezone: "Asia/Kolkata", currency: "INR" },
      ADMIN,
    );
    expect(app.status).toBe(201);
    const key = app.body.apiKey as string;
    secrets.appKey = key;
    const other = await call("PUT", "/v1/apps/other", { name: "O", timezone: "UTC", currency: "USD" }, ADMIN);
    secrets.otherAppKey = other.body.apiKey as string;

    const connectors: Record<string, unknown> = {
      gs: {
        provider: "gupshup",
        gupshup: { userId: "acct", password: CREDS.gupshupPassword, mask: "ACME", baseUrl: gs.url },
        timeoutMs: 300,
      },
      kl: { provider: "kaleyra", kaleyra: { apiKey: CREDS.kaleyraApiKey, sender: "ACME", baseUrl: kl.url } },
      sn: {
        provider: "sinch",
        sinch: {
          servicePlanId: "plan1",
          apiToken: CREDS.sinchApiToken,
          from: "ACME",
          baseUrl: sn.url,
          webhookSecret: CREDS.sinchWebhookSecret,
        },
      },
      cu: {
        provider: "custom",
        deliveryTracking: true,
        timeoutMs: 300,
        custom: {
          request: {
            method: "POST",
            url: `${cu.url}/send?key=${CREDS.customHeaderKey}`,
            headers: { "X-Key": CREDS.customHeaderKey },
            body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
          },
          response: { messageIdPointer: "/id" },
          receipt: { messageId: "ref", status: "status", delivered: ["DELIVERED"], failed: ["FAILED"] },
        },
      },
      // Its receipts are POSTed to its own webhook URL (token in the path) by the sandbox deliverer.
      sb: { provider: "sandbox", sandbox: { stuckRate: 0, delaySeconds: { median: 1, p90: 2, max: 3 } } },
    };
    const hooks: Record<string, string> = {};
    for (const [id, body] of Object.entries(connectors)) {
      const r = await call("PUT", `/v1/apps/acme/connectors/${id}`, body, key);
      expect(r.status).toBe(201);
      expect(JSON.stringify(r.body)).not.toContain(CREDS.gupshupPassword);
      hooks[id] = r.body.webhookUrl;
      secrets[`webhookToken:${id}`] = new URL(r.body.webhookUrl).pathname.split("/").pop() as string;
      await call(
        "PUT",
        `/v1/apps/acme/campaigns/c-${id}`,
        {
          name: id,
          connectorId: id,
          clickTracking: true,
          goals: [{ goalId: "buy", eventName: "Purchase", primary: true, revenueAttribute: "v" }],
        },
        key,
      );
    }

    const recipients = [
      ...PHONES.slice(0, 3).map((phone, i) => ({ userId: `u${i}`, phone, attributes: { name: "Asha" } })),
      { userId: "u3", phone: PHONES[3], attributes: {} }, // personalization fails ({{name}} has no fallback)
      { userId: "u4", phone: "12345" }, // invalid number
    ];
    for (const id of Object.keys(connectors)) {
      const r = await call(
        "POST",
        `/v1/apps/acme/campaigns/c-${id}/instances/i1/sends`,
        { message: "Hi {{name}}: https://shop.example/sale", recipients },
        key,
      );
      expect(r.status).toBe(202);
    }
    await drain();

    // Receipts in each provider's own format, carrying the phone number as real ones do.
    const gsOk = gs.accepted.find((a) => a.phone.endsWith((PHONES[0] as string).slice(1)));
    expect(
      (
        await deliverReceipt(
          hooks.gs as string,
          gupshupQueryReceipt({
            externalId: gsOk?.providerMessageId ?? "x",
            status: "SUCCESS",
            errCode: "000",
            phoneNo: PHONES[0],
            deliveredTS: Date.now(),
          }),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await deliverReceipt(
          hooks.gs as string,
          gupshupQueryReceipt({
            externalId: "unmatched-1",
            status: "FAIL",
            phoneNo: PHONES[5],
          }),
        )
      ).status,
    ).toBe(200);
    const klOk = kl.accepted[0];
    const klUrl = klOk?.dlrurl ?? `${hooks.kl}?sid={sid}&status={status}&custom={custom}&mobile={mobile}`;
    expect(
      (
        await deliverReceipt(
          hooks.kl as string,
          kaleyraReceipt(
            {
              sid: klOk?.providerMessageId ?? "44x",
              status: "DELIVRD",
              custom: klOk?.custom ?? "m",
              mobile: (klOk?.phone ?? (PHONES[0] as string)).replace("+", ""),
              delivat: Date.now(),
            },
            klUrl,
          ),
        )
      ).status,
    ).toBe(200);
    const snOk = sn.accepted[0];
    const signing = { secret: CREDS.sinchWebhookSecret, timestampSec: Math.floor(Date.now() / 1000) };
    expect(
      (
        await deliverReceipt(
          hooks.sn as string,
          sinchRecipientReport(
            {
              batchId: snOk?.batchId ?? "b",
              recipient: snOk?.phone ?? (PHONES[0] as string),
              status: "Delivered",
              ...(snOk?.clientReference ? { clientReference: snOk.clientReference } : {}),
            },
            signing,
          ),
        )
      ).status,
    ).toBe(200);
    // Tampered signature: refused.
    const forged = sinchRecipientReport(
      { batchId: "b", recipient: PHONES[6] as string, status: "Delivered" },
      { ...signing, secret: "nope" },
    );
    expect((await deliverReceipt(hooks.sn as string, forged)).status).toBe(401);
    const cuOk = cu.accepted[0];
    const mapping = { messageId: "ref", status: "status", delivered: ["DELIVERED"], failed: ["FAILED"] };
    expect(
      (
        await deliverReceipt(
          hooks.cu as string,
          customReceipt(mapping, {
            messageId: cuOk?.providerMessageId ?? "x",
            status: "DELIVERED",
          }),
        )
      ).status,
    ).toBe(200);
    await drain();

    // Events (one carrying a phone number in its attributes) and a tap on a short link.
    const events = await call(
      "POST",
      "/v1/apps/acme/events",
      {
        events: [
          {
            eventId: "e1",
            userId: "u0",
            name: "Purchase",
            time: new Date().toISOString(),
            attributes: { v: 10, phone: PHONES[0] },
          },
          { eventId: "e2", userId: "u1", name: "Purchase", time: new Date().toISOString() },
        ],
      },
      key,
    );
    expect(events.status).toBe(202);
    const toU0 = gs.requests.find(
      (q) => (q.body as Record<string, string>).send_to === (PHONES[0] as string).slice(1),
    );
    const link = /\/l\/[0-9A-Za-z]{14}/.exec((toU0?.body as Record<string, string>)?.msg ?? "")?.[0];
    expect(link).toBeDefined();
    const tap = await fetch(`${runtime.url}${link}`, {
      redirect: "manual",
      headers: { "user-agent": "Mozilla/5.0 Mobile" },
    });
    expect(tap.status).toBe(302);
    await drain();

    for (const id of Object.keys(connectors)) {
      const a = await call("GET", `/v1/apps/acme/campaigns/c-${id}/analytics`, undefined, key);
      expect(a.status).toBe(200);
      expect(a.body.delivery.sent + a.body.delivery.failedToSend).toBe(5);
      expect(
        (await call("GET", `/v1/apps/acme/campaigns/c-${id}/analytics?format=csv`, undefined, key)).status,
      ).toBe(200);
    }
    expect((await call("GET", "/v1/apps/acme/campaigns", undefined, key)).status).toBe(200);
    expect((await call("GET", "/v1/apps/acme/parked-receipts", undefined, ADMIN)).status).toBe(200);

    // Bad requests: wrong keys, bad bodies, bad tokens.
    expect((await call("GET", "/v1/apps/acme/campaigns", undefined, ADMIN)).status).toBe(401);
    expect((await call("GET", "/v1/apps/acme/campaigns", undefined, secrets.otherAppKey)).status).toBe(403);
    expect(
      (await call("PUT", "/v1/apps/x", { name: "x", timezone: "UTC", currency: "USD" }, key)).status,
    ).toBe(403);
    expect(
      (
        await call("POST", "/v1/apps/acme/events", undefined, key, {
          body: `{"phone":"${PHONES[0]}"`,
          type: "application/json",
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call(
          "POST",
          "/v1/apps/acme/campaigns/c-gs/instances/i2/sends",
          {
            message: "x",
            recipients: [{ userId: "bad id!", phone: PHONES[0], pw: CREDS.gupshupPassword }],
          },
          key,
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await call(
          "PUT",
          "/v1/apps/acme/connectors/bad",
          {
            provider: "sinch",
            sinch: { servicePlanId: "p", apiToken: CREDS.sinchApiToken, from: "A", baseUrl: "ftp://x" },
          },
          key,
        )
      ).status,
    ).toBe(400);
    expect(
      (await fetch(`${runtime.url}/webhooks/dlr/gs/${"0".repeat(43)}?phoneNo=${PHONES[0]}`)).status,
    ).toBe(401);

    // Handler error paths: the queue is down for a receipt, an event batch and a tap.
    setQueue(downQueue);
    try {
      expect(
        (
          await deliverReceipt(
            hooks.gs as string,
            gupshupQueryReceipt({ externalId: "z", status: "SUCCESS", phoneNo: PHONES[0] }),
          )
        ).status,
      ).toBe(503);
      expect(
        (
          await call(
            "POST",
            "/v1/apps/acme/events",
            {
              events: [
                {
                  eventId: "e9",
                  userId: "u0",
                  name: "Purchase",
                  time: new Date().toISOString(),
                  attributes: { phone: PHONES[0] },
                },
              ],
            },
            key,
          )
        ).status,
      ).toBe(500);
      expect(
        (
          await fetch(`${runtime.url}${link}`, {
            redirect: "manual",
            headers: { "user-agent": "Mozilla/5.0" },
          })
        ).status,
      ).toBe(302);
    } finally {
      setQueue(runtime.queues);
    }
    await drain();

    // Poison messages: a send job (with a phone number, as real ones carry) for a campaign that is gone,
    // and a message that is not JSON. Both end in the dead-letter queue, which the runtime logs.
    await runtime.queues.send("sends", [
      JSON.stringify({
        appId: "acme",
        campaignId: "gone",
        instanceId: "i1",
        message: `call ${PHONES[6]}`,
        recipients: [{ userId: "u6", phone: PHONES[6] }],
      }),
      `{"phone":"${PHONES[6]}"`,
    ]);
    await drain();
    expect(runtime.queues.listDeadLetters("sends")).toHaveLength(2);
    await runtime.stop();
  });

  it("captured the run's output (the capture itself works)", () => {
    expect(captured.length).toBeGreaterThan(0);
    const output = captured.join("\n");
    for (const line of [
      /receipt not queued/,
      /unhandled error/,
      /CLICK_NOT_RECORDED/,
      /missing campaign/,
      /dead-letter queue/,
      /batch queue=sandboxReceipts records=\d+ applied=\d+ retried=0 .*posted=[1-9]/,
    ]) {
      expect(output).toMatch(line);
    }
  });

  it("printed one line per request and one batch line per consumer batch, with the counts", () => {
    const output = captured.join("\n");
    expect(output).toMatch(
      /^HTTP POST \/v1\/apps\/\{appId\}\/campaigns\/\{campaignId\}\/instances\/\{instanceId\}\/sends 202 \d+ms$/m,
    );
    expect(output).toMatch(/^HTTP GET \/l\/\{code\+\} 302 \d+ms$/m);
    const fields = "records=(\\d+) applied=(\\d+) retried=(\\d+) parked=(\\d+) invalid=(\\d+)";
    for (const queue of ["sends", "receipts", "clicks", "events", "sandboxReceipts"]) {
      const lines = [...output.matchAll(new RegExp(`^INFO  batch queue=${queue} ${fields}`, "gm"))];
      expect(lines.length, queue).toBeGreaterThan(0);
      for (const [, records, ...rest] of lines)
        expect(
          rest.reduce((a, b) => a + Number(b), 0),
          queue,
        ).toBe(Number(records));
    }
    // A receipt that matches no message, retried then parked; the poison send jobs, retried then invalid.
    expect(output).toMatch(/^INFO {2}batch queue=receipts records=\d+ applied=\d+ retried=0 parked=1 /m);
    expect(output).toMatch(
      /^INFO {2}batch queue=sends records=\d+ applied=\d+ retried=\d+ parked=0 invalid=1/m,
    );
    // The counter on the table's change stream.
    expect(output).toMatch(
      /^INFO {2}batch stream=table shardId=\S+ records=\d+ applied=[1-9]\d* retried=0 parked=0 buckets=\d+ written=\d+$/m,
    );
  });

  it("finds no key, token, credential or phone number in any captured line", () => {
    const output = captured.join("\n");
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(8);
      expect(output.includes(value), `${name} appears in the logs`).toBe(false);
    }
    for (const phone of PHONES) {
      const digits = phone.slice(1);
      expect(output.includes(digits), `phone …${digits.slice(-3)} appears in the logs`).toBe(false);
      // Also with the separators people and providers add.
      expect(
        output.replace(/[\s()./-]/g, "").includes(digits),
        `phone …${digits.slice(-3)} appears in the logs`,
      ).toBe(false);
    }
  });
});
