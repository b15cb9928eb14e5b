/**
 * The runner: plays histories against the real product, in-process — `startLocal` (the `npm start`
 * runtime: HTTP server, handlers, durable local queues, the table's stream and the counter) on the
 * embedded engine (dynoxide, in memory), a loopback custom provider answering per the history,
 * receipts through the real webhook URL in the connector's receipt format, taps through the real
 * redirect, events through the real events route; then it reads `GET …/analytics` for the campaign,
 * each instance and a date range.
 *
 * Several histories run at once, each with its own app and its own virtual clock (faults.ts): in
 * rounds, every history does its next step, then every queue is drained; at the end the stream is
 * drained too. Every request is retried on 5xx, as the clients SPEC §5 describes do (providers retry
 * webhooks, the backend retries API calls, people tap again).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DateTime } from "luxon";
import { messageIdFor } from "../../lambdas/domain/message-id.js";
import { startDynoxide } from "../../lambdas/local/dynamo.js";
import { type LocalRuntime, startLocal } from "../../lambdas/local/server.js";
import type { CustomReceiptMapping } from "../../lambdas/providers/types.js";
import { setQueue } from "../../lambdas/queue/index.js";
import { listParked } from "../../lambdas/store/parked.js";
import { type FunctionName, functions } from "../../lambdas/topology/functions.js";
import { customReceipt } from "../simulators/custom.js";
import { gupshupPostReceipt, gupshupQueryReceipt } from "../simulators/gupshup.js";
import { type BuiltReceipt, receiptUrl } from "../simulators/receipt.js";
import type { SimReply } from "../simulators/server.js";
import {
  ambient,
  countingQueue,
  faultState,
  installClock,
  installFaultyDynamo,
  pending,
  type RunState,
  runs,
} from "./faults.js";
import {
  type Action,
  CAMPAIGN_ID,
  CONNECTOR_ID,
  type EventSpec,
  type History,
  MESSAGE,
  type ReceiptSpec,
  type Recipient,
  USER_AGENTS,
} from "./history.js";

const ADMIN_KEY = "model-admin-key-0123456789abcdef";
/**
 * The connector's provider timeout; a `timeout` answer comes 300 ms later. Long enough that a loaded
 * machine never turns a prompt answer into a timeout; `timeout` answers are rare in the histories.
 */
const PROVIDER_TIMEOUT_MS = 3_000;
/** How long the provider holds its answer for its early receipts to be queued by our webhook. */
const EARLY_RECEIPTS_MS = 500;
const INVALID_PHONE = "+91123";

export const RECEIPT_MAPPING: CustomReceiptMapping = {
  messageId: "ref",
  status: "state",
  errorCode: "err",
  time: "ts",
  delivered: ["DELIVERED"],
  failed: ["FAILED", "UNDELIVERABLE"],
  inTransit: ["SENT"],
};
const CUSTOM_STATUS: Record<ReceiptSpec["status"], string> = {
  DELIVERED: "DELIVERED",
  FAILED: "FAILED",
  IN_TRANSIT: "SENT",
  UNMAPPED: "BUFFERED",
  UNKNOWN: "BUFFERED",
};
/** Gupshup statuses as its GET receipts spell them (case varies, PROVIDERS.md), and as its POST events do. */
const GUPSHUP_STATUS: Record<ReceiptSpec["status"], [string, string]> = {
  DELIVERED: ["Success", "DELIVERED"],
  FAILED: ["FAILURE", "FAILED"],
  IN_TRANSIT: ["UNKNOWN", "UNDELIV"],
  UNMAPPED: ["UNKNOWN", "UNDELIV"],
  UNKNOWN: ["unknown", "UNKNOWN"],
};

/** One message as the provider sees it. */
interface ProviderEntry {
  appId: string;
  provider: History["provider"];
  hook: string;
  answer: Recipient["answer"];
  early: ReceiptSpec[];
  /** The message text as sent (with its short links), once called. */
  text?: string;
  /** The provider's own id for it (Gupshup's externalId), once it answered. */
  providerId?: string;
  calls: number;
  /** Whether the product must call the provider for it (a valid, personalised send not killed first). */
  expectCall: boolean;
}

export interface Runtime {
  local: LocalRuntime;
  /** The provider's base URL (custom: `/send`, Gupshup: `/gupshup`). */
  providerUrl: string;
  /** Whether the embedded engine's process still runs (it can be killed from outside on a shared machine). */
  engineAlive(): boolean;
  stop(): Promise<void>;
}

/** A request to the provider: path and parsed body (JSON, or form fields). */
interface ProviderRequest {
  path: string;
  body: Record<string, string | undefined>;
}

/**
 * The loopback provider's HTTP server. Its own (not test/simulators' server) for one setting: idle
 * connections are kept longer than the product's HTTP client keeps them (undici: 4 s), so the client
 * never sends on a connection the server is closing — a race that loses the request on a loaded
 * machine and would make an answered send look "outcome unknown".
 */
async function startProvider(
  handle: (req: ProviderRequest, wait: (ms: number) => Promise<void>) => Promise<SimReply>,
): Promise<{ url: string; stop(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const read = async (req: IncomingMessage): Promise<ProviderRequest> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const type = req.headers["content-type"] ?? "";
    let body: Record<string, string | undefined> = {};
    if (type.includes("x-www-form-urlencoded")) body = Object.fromEntries(new URLSearchParams(raw));
    else if (raw.trim().startsWith("{")) body = JSON.parse(raw) as Record<string, string>;
    return { path: new URL(req.url ?? "/", "http://provider").pathname, body };
  };
  const server: Server = createServer((req, res) => {
    void read(req)
      .then((r) => handle(r, wait))
      .then((reply) => {
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status, { "content-type": reply.contentType ?? "application/json" });
        res.end(reply.body);
      })
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(599, { "content-type": "text/plain" });
        res.end(`provider error: ${(e as Error).message}`);
      });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Reply {
  status: number;
  body: string;
}

function httpCall(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** Retries 5xx and broken connections (the product answers 5xx for transient failures). */
async function reliably(
  what: string,
  call: () => Promise<Reply>,
  ok: (status: number) => boolean,
): Promise<Reply> {
  let last: Reply | Error | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const r = await call();
      if (ok(r.status)) return r;
      if (r.status < 500) throw new Error(`${what}: unexpected ${r.status} ${r.body.slice(0, 300)}`);
      last = r;
    } catch (e) {
      if ((e as Error).message.startsWith(what)) throw e;
      last = e as Error;
    }
    await new Promise((r) => setTimeout(r, 2 + attempt * 2));
  }
  throw new Error(
    `${what}: still failing after 40 attempts: ${last instanceof Error ? last.message : `${last?.status} ${last?.body}`}`,
  );
}

const entries = new Map<string, ProviderEntry>();
let runtimeUrl = "";
let gupshupIds = 0;

/** Our message id inside a text: every recipient's `first_name` carries it ("Asha <ref>"). */
const REF_IN_TEXT = /Asha (m[A-Za-z0-9_-]{26})/;

/**
 * The provider: answers each message per its history (custom: JSON; Gupshup: its `success | … | id` /
 * `error | code | text` lines), posting the message's early receipts first.
 */
async function provide(req: ProviderRequest, wait: (ms: number) => Promise<void>): Promise<SimReply> {
  const gupshup = req.path === "/gupshup";
  const body = req.body;
  const text = gupshup ? body.msg : body.text;
  const ref = gupshup ? REF_IN_TEXT.exec(text ?? "")?.[1] : body.ref;
  const entry = ref ? entries.get(ref) : undefined;
  if (!entry || !ref) return { status: 404, body: JSON.stringify({ error: { code: "UNKNOWN_REF" } }) };
  entry.calls++;
  if (text !== undefined) entry.text = text;
  if (gupshup) entry.providerId ??= `357666${String(++gupshupIds).padStart(8, "0")}-${gupshupIds}`;
  if (entry.early.length > 0) {
    // The receipts go first (each queued by our webhook before the next); the answer waits for them,
    // but not past half a second (the send must not time out on a loaded machine: a receipt that comes
    // just after the answer instead is the same fact at the same time). The history's step waits for them.
    pending.add(entry.appId, 1);
    const posted = (async () => {
      for (const r of entry.early) await postReceipt(entry, ref, r);
    })().finally(() => pending.add(entry.appId, -1));
    await Promise.race([posted, new Promise((r) => setTimeout(r, EARLY_RECEIPTS_MS))]);
  }
  const a = entry.answer;
  const line = (s: string): SimReply => ({ status: 200, body: s, contentType: "text/plain" });
  const accepted = (): SimReply =>
    gupshup
      ? line(`success | ${body.send_to ?? ""} | ${entry.providerId}`)
      : { status: 200, body: JSON.stringify({ id: `p-${ref}`, status: "queued" }) };
  switch (a.kind) {
    case "accepted":
      return accepted();
    case "error":
      if (gupshup) {
        // Gupshup answers 200 with an error line; without a code to give, an HTTP error instead.
        return a.code?.trim() ? line(`error | ${a.code} | Refused`) : { status: a.status, body: "" };
      }
      return {
        status: a.status,
        body: JSON.stringify(a.code === null ? { message: "refused" } : { error: { code: a.code } }),
      };
    case "drop":
      return { status: 0, body: "", drop: true };
    case "timeout":
      await wait(PROVIDER_TIMEOUT_MS + 300);
      return accepted();
    default:
      return { status: 500, body: JSON.stringify({ error: { code: "NOT_EXPECTED" } }) };
  }
}

function receiptTime(r: ReceiptSpec): string | number | undefined {
  if (r.operatorAt === null) return undefined;
  switch (r.timeFormat) {
    case "isoZ":
      return new Date(r.operatorAt).toISOString();
    case "isoOffset":
      return DateTime.fromMillis(r.operatorAt, { zone: "UTC+5:30" }).toISO() as string;
    case "epochMs":
      return r.operatorAt;
    case "epochS":
      return Math.floor(r.operatorAt / 1000);
  }
}

/** One receipt in the connector's format, through its webhook URL (retried on 5xx, as providers do). */
async function postReceipt(entry: ProviderEntry, ref: string, r: ReceiptSpec): Promise<void> {
  const time = receiptTime(r);
  let built: BuiltReceipt;
  if (entry.provider === "gupshup") {
    if (!entry.providerId)
      throw new Error(`receipt ${ref}: Gupshup never answered this message, no externalId`);
    const [getStatus, eventType] = GUPSHUP_STATUS[r.status];
    const code = r.code ?? (r.status === "DELIVERED" ? "000" : undefined);
    built =
      r.wire === "query"
        ? gupshupQueryReceipt({
            externalId: entry.providerId,
            status: getStatus,
            ...(code !== undefined ? { errCode: code } : {}),
            ...(time !== undefined ? { deliveredTS: time } : {}),
          })
        : gupshupPostReceipt(
            [
              {
                externalId: entry.providerId,
                eventType,
                ...(code !== undefined ? { errCode: code } : {}),
                ...(time !== undefined ? { eventTs: time } : {}),
              },
            ],
            { wrap: r.wire === "json" && (r.operatorAt ?? 0) % 2000 === 0, form: r.wire === "form" },
          );
  } else {
    built = customReceipt(
      RECEIPT_MAPPING,
      {
        messageId: ref,
        status: CUSTOM_STATUS[r.status],
        ...(r.code !== null ? { errorCode: r.code } : {}),
        ...(time !== undefined ? { time } : {}),
      },
      r.wire,
    );
  }
  await reliably(
    `receipt ${ref}`,
    () =>
      httpCall(
        receiptUrl(entry.hook, built),
        built.method,
        { ...built.headers, "x-model-app": entry.appId },
        built.method === "POST" ? built.body : undefined,
      ),
    (s) => s === 200,
  );
}

/** Starts the product on the embedded engine (in memory) with every function behind fault-handler.ts. */
export async function startRuntime(): Promise<Runtime> {
  const dataDir = mkdtempSync(join(process.platform === "linux" ? "/dev/shm" : "/tmp", "sms-model-"));
  const engine = await startDynoxide();
  const wrapped = Object.fromEntries(
    (Object.keys(functions) as FunctionName[]).map((name) => [
      name,
      { ...functions[name], entry: "test/model/fault-handler.ts" },
    ]),
  );
  const local = await startLocal({
    port: 0,
    dataDir,
    adminApiKey: ADMIN_KEY,
    dynamodbEndpoint: engine.endpoint,
    // Seconds of SQS visibility become 50 ms: retries happen at once on the wall clock (the virtual
    // clock decides what they see).
    queueVisibilityTimeoutSeconds: 0.05,
    queueConcurrency: 4,
    functions: wrapped,
    log: () => {},
  });
  runtimeUrl = local.url;
  setQueue(countingQueue(local.queues));
  installFaultyDynamo(local.dynamoEndpoint);
  installClock();
  const provider = await startProvider(provide);
  return {
    local,
    providerUrl: provider.url,
    engineAlive() {
      if (engine.pid === undefined) return true;
      try {
        process.kill(engine.pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      await provider.stop();
      await local.stop();
      await engine.stop();
      agent.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the product reports for one history (raw JSON of `GET …/analytics`). */
export interface Observed {
  appId: string;
  campaign: any;
  instances: Record<string, any>;
  range: any;
  rangeInstances: Record<string, any>;
  /** Problems the runner saw: dead letters, parked receipts, a message sent twice. */
  problems: string[];
  faultLog: string[];
  ms: number;
}

let appCounter = 0;

/** MODEL_PROFILE: wall time per kind of step (acting, then waiting for the queued work). */
export const stepProfile: Record<string, { n: number; act: number; idle: number }> = {};

class HistoryRun {
  readonly appId: string;
  readonly state: RunState;
  key = "";
  hook = "";
  readonly problems: string[] = [];
  private readonly refs = new Map<string, string>();

  constructor(
    readonly history: History,
    private readonly providerUrl: string,
  ) {
    appCounter++;
    this.appId = `m${process.pid}x${appCounter}`;
    this.state = {
      appId: this.appId,
      now: (history.steps[0]?.at ?? Date.parse("2027-01-01T00:00:00Z")) - 60_000,
      faults: faultState(history.faults),
      sendCrashes: new Map(),
    };
    runs.set(this.appId, this.state);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { "x-model-app": this.appId, ...extra };
  }

  private api(
    method: string,
    path: string,
    body: unknown,
    key: string,
    ok: (s: number) => boolean,
  ): Promise<Reply> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return reliably(
      `${method} ${path}`,
      () =>
        httpCall(
          `${runtimeUrl}${path}`,
          method,
          this.headers({
            authorization: `Bearer ${key}`,
            ...(text !== undefined ? { "content-type": "application/json" } : {}),
          }),
          text,
        ),
      ok,
    );
  }

  ref(instance: string, user: string): string {
    const k = `${instance}\n${user}`;
    let r = this.refs.get(k);
    if (!r) {
      r = messageIdFor(this.appId, CAMPAIGN_ID, instance, user);
      this.refs.set(k, r);
    }
    return r;
  }

  async setup(): Promise<void> {
    const h = this.history;
    const app = await this.api(
      "PUT",
      `/v1/apps/${this.appId}`,
      { name: this.appId, timezone: h.timezone, currency: h.currency },
      ADMIN_KEY,
      (s) => s === 201,
    );
    this.key = (JSON.parse(app.body) as { apiKey: string }).apiKey;
    const connector = await this.api(
      "PUT",
      `/v1/apps/${this.appId}/connectors/${CONNECTOR_ID}`,
      h.provider === "gupshup"
        ? {
            provider: "gupshup",
            timeoutMs: PROVIDER_TIMEOUT_MS,
            sendRatePerSecond: 1000,
            gupshup: {
              userId: "2000123456",
              password: "model",
              mask: "MODEL",
              baseUrl: `${this.providerUrl}/gupshup`,
            },
          }
        : {
            provider: "custom",
            deliveryTracking: h.tracked,
            timeoutMs: PROVIDER_TIMEOUT_MS,
            sendRatePerSecond: 1000,
            custom: {
              request: {
                method: "POST",
                url: `${this.providerUrl}/send`,
                body: '{"to":"{{phone}}","text":"{{message}}","ref":"{{messageId}}"}',
              },
              response: { messageIdPointer: "/id", errorCodePointer: "/error/code" },
              ...(h.tracked ? { receipt: RECEIPT_MAPPING } : {}),
            },
          },
      this.key,
      (s) => s === 201,
    );
    this.hook = (JSON.parse(connector.body) as { webhookUrl: string }).webhookUrl;
    await this.putCampaign(h.windowHours, 201);
  }

  private async putCampaign(windowHours: number, status: number): Promise<void> {
    const h = this.history;
    await this.api(
      "PUT",
      `/v1/apps/${this.appId}/campaigns/${CAMPAIGN_ID}`,
      {
        name: "Model",
        connectorId: CONNECTOR_ID,
        clickTracking: h.clickTracking,
        conversionWindowHours: windowHours,
        goals: h.goals,
      },
      this.key,
      (s) => s === status,
    );
  }

  /**
   * Plays every step: its actions at once, then waits until the app's queued work is done. Work that
   * ends in a dead-letter queue never finishes: the history stops there, with the dead letters reported.
   */
  async play(queues: LocalRuntime["queues"]): Promise<void> {
    this.state.faults.enabled = true;
    for (const [n, step] of this.history.steps.entries()) {
      this.state.now = step.at;
      const t0 = performance.now();
      await Promise.all(step.actions.map((a) => this.act(a)));
      const t1 = performance.now();
      const stuck = await pending.idle(this.appId, 120_000, () => deadLettersOf(queues, this.appId));
      if (process.env.MODEL_PROFILE) {
        const kind = step.actions.map((a) => a.kind).join("+");
        const p = stepProfile[kind] ?? { n: 0, act: 0, idle: 0 };
        stepProfile[kind] = p;
        p.n++;
        p.act += t1 - t0;
        p.idle += performance.now() - t1;
      }
      if (stuck) {
        this.problems.push(`step ${n + 1} never finished: ${stuck}`);
        return;
      }
    }
  }

  private async act(a: Action): Promise<void> {
    switch (a.kind) {
      case "send":
        return this.send(a.instance, a.recipients);
      case "receipt": {
        const ref = this.ref(a.instance, a.user);
        const entry = entries.get(ref);
        if (!entry) {
          this.problems.push(`receipt ${a.instance}/${a.user}: the message was never sent`);
          return;
        }
        await Promise.all(Array.from({ length: a.copies }, () => postReceipt(entry, ref, a.receipt)));
        return;
      }
      case "tap":
        return this.tap(a.instance, a.user, a.link, a.agent, a.glued);
      case "events":
        return this.events(a.events);
      case "settings":
        await this.putCampaign(a.windowHours, 200);
        return;
    }
  }

  private async send(instance: string, recipients: Recipient[]): Promise<void> {
    const body = (r: Recipient) => ({
      userId: r.user,
      phone:
        r.answer.kind === "invalidNumber"
          ? INVALID_PHONE
          : (this.history.users[r.user]?.phone ?? INVALID_PHONE),
      // The first name carries our message id, so that a provider that is not given it (Gupshup) can
      // still be told which message it is sending.
      ...(r.answer.kind === "missingAttribute"
        ? {}
        : { attributes: { first_name: `Asha ${this.ref(instance, r.user)}` } }),
    });
    const plain: Recipient[] = [];
    const alone: Recipient[] = [];
    for (const r of recipients) {
      const ref = this.ref(instance, r.user);
      if (!entries.has(ref)) {
        entries.set(ref, {
          appId: this.appId,
          provider: this.history.provider,
          hook: this.hook,
          answer: r.answer,
          early: r.early,
          calls: 0,
          expectCall:
            r.crash !== "afterClaim" &&
            r.answer.kind !== "invalidNumber" &&
            r.answer.kind !== "missingAttribute",
        });
        if (r.crash) this.state.sendCrashes.set(ref, r.crash);
      }
      // A recipient whose worker is to crash travels in a job of its own: its redelivery comes later.
      (r.crash ? alone : plain).push(r);
    }
    const path = `/v1/apps/${this.appId}/campaigns/${CAMPAIGN_ID}/instances/${instance}/sends`;
    const calls = [plain, ...alone.map((r) => [r])].filter((l) => l.length > 0);
    await Promise.all(
      calls.map((list) =>
        this.api("POST", path, { message: MESSAGE, recipients: list.map(body) }, this.key, (s) => s === 202),
      ),
    );
  }

  private async tap(instance: string, user: string, link: number, who: string, glued: string): Promise<void> {
    const ref = this.ref(instance, user);
    const text = entries.get(ref)?.text;
    const codes = [...(text ?? "").matchAll(/\/l\/([A-Za-z0-9]{14})/g)].map((m) => m[1] as string);
    const code = codes[link];
    if (!code) {
      this.problems.push(
        `tap ${instance}/${user} link${link}: no short link in the text sent (${JSON.stringify(text)})`,
      );
      return;
    }
    const pick = (list: string[]) => list[code.charCodeAt(0) % list.length] as string;
    const headers: Record<string, string> = { "x-model-app": this.appId };
    if (who === "browser" || who === "head") headers["user-agent"] = pick(USER_AGENTS.browser);
    if (who === "bot") headers["user-agent"] = pick(USER_AGENTS.bot);
    await reliably(
      `tap /l/${code}${glued}`,
      () => httpCall(`${runtimeUrl}/l/${code}${glued}`, who === "head" ? "HEAD" : "GET", headers),
      (s) => s === 302 || s === 410,
    );
  }

  private async events(list: EventSpec[]): Promise<void> {
    const time = (e: EventSpec) =>
      e.timeOffset === "Z"
        ? new Date(e.at).toISOString()
        : (DateTime.fromMillis(e.at, { zone: `UTC${e.timeOffset}` }).toISO() as string);
    await this.api(
      "POST",
      `/v1/apps/${this.appId}/events`,
      {
        events: list.map((e) => ({
          eventId: e.eventId,
          userId: e.user,
          name: e.name,
          time: time(e),
          attributes: e.attributes,
        })),
      },
      this.key,
      (s) => s === 202,
    );
  }

  async read(): Promise<Omit<Observed, "ms" | "faultLog">> {
    const instances = [
      ...new Set(
        this.history.steps.flatMap((s) => s.actions.flatMap((a) => (a.kind === "send" ? [a.instance] : []))),
      ),
    ].sort();
    const get = async (query: Record<string, string>) => {
      const qs = new URLSearchParams(query).toString();
      const r = await this.api(
        "GET",
        `/v1/apps/${this.appId}/campaigns/${CAMPAIGN_ID}/analytics${qs ? `?${qs}` : ""}`,
        undefined,
        this.key,
        (s) => s === 200,
      );
      return JSON.parse(r.body);
    };
    const range = this.history.range;
    const [campaign, rangeCampaign] = await Promise.all([get({}), get({ from: range.from, to: range.to })]);
    const byInstance: Record<string, any> = {};
    const rangeInstances: Record<string, any> = {};
    // Every instance, and the first one also over the range (each read costs ~7 DynamoDB requests).
    await Promise.all(
      instances.map(async (i, n) => {
        byInstance[i] = await get({ instanceId: i });
        if (n === 0) rangeInstances[i] = await get({ instanceId: i, from: range.from, to: range.to });
      }),
    );
    for (const [ref, e] of entries) {
      if (e.appId !== this.appId) continue;
      if (e.calls > 1) this.problems.push(`message ${ref} was sent ${e.calls} times`);
      if (e.calls === 0 && e.expectCall) this.problems.push(`message ${ref} never reached the provider`);
    }
    const parked = await listParked(this.appId);
    for (const p of parked.items)
      this.problems.push(`receipt parked: ${p.reason} ${JSON.stringify(p.receipt).slice(0, 400)}`);
    return {
      appId: this.appId,
      campaign,
      instances: byInstance,
      range: rangeCampaign,
      rangeInstances,
      problems: this.problems,
    };
  }

  finish(): void {
    runs.delete(this.appId);
    pending.forget(this.appId);
    for (const [ref, e] of entries) if (e.appId === this.appId) entries.delete(ref);
  }
}

/**
 * Plays histories at once (each its own app) and reads back what the product reports for each.
 * @throws when a request keeps failing or answers an unexpected status (a product bug or a broken runner)
 */
export async function runHistories(rt: Runtime, histories: History[], faultSeed = 1): Promise<Observed[]> {
  const started = performance.now();
  ambient.faults = faultState({
    seed: faultSeed,
    transientRate: Math.max(0, ...histories.map((h) => h.faults.transientRate)),
    crashRate: 0,
    maxCrashes: 0,
    lostResults: Math.max(0, ...histories.map((h) => h.faults.lostResults)),
  });
  const list = histories.map((h) => new HistoryRun(h, rt.providerUrl));
  try {
    await Promise.all(list.map((r) => r.setup()));
    ambient.faults.enabled = true;
    const timings = await Promise.all(
      list.map(async (r) => {
        const t = performance.now();
        await r.play(rt.local.queues);
        return performance.now() - t;
      }),
    );
    if (process.env.MODEL_PROFILE)
      console.log(
        Object.entries(stepProfile)
          .map(
            ([k, p]) =>
              `${k} x${p.n}: act ${(p.act / p.n).toFixed(0)} ms, idle ${(p.idle / p.n).toFixed(0)} ms`,
          )
          .join("; "),
      );
    if (process.env.MODEL_PROFILE)
      console.log(
        `play ms: ${timings.map((t, i) => `${t.toFixed(0)}(${histories[i]?.steps.length})`).join(" ")}`,
      );
    await rt.local.drain();
    const observed = await Promise.all(list.map((r) => r.read()));
    const ms = performance.now() - started;
    return observed.map((o, i) => {
      const run = list[i] as HistoryRun;
      const dead = deadLettersOf(rt.local.queues, run.appId);
      if (dead && !o.problems.some((p) => p.includes(dead))) o.problems.push(`dead letters: ${dead}`);
      return { ...o, faultLog: [...run.state.faults.log], ms };
    });
  } finally {
    ambient.faults.enabled = false;
    for (const r of list) r.finish();
  }
}

/** The app's messages in a dead-letter queue, as text; null when there are none. */
function deadLettersOf(queues: LocalRuntime["queues"], appId: string): string | null {
  const letters = (["sends", "receipts", "clicks", "events"] as const).flatMap((q) =>
    queues
      .listDeadLetters(q)
      .filter((d) => d.body.includes(`"${appId}"`))
      .map((d) => `${q} (${d.receiveCount} receives): ${d.body.slice(0, 400)}`),
  );
  return letters.length > 0 ? letters.join("; ") : null;
}
