/**
 * Shared machinery of the provider simulators: a loopback HTTP server that records every request
 * and answers per a script keyed by phone number.
 */

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  rawBody: string;
  /** JSON when the body is JSON, form fields when it is a form, else the raw string. */
  body: unknown;
  receivedAtMs: number;
}

export interface SimReply {
  status: number;
  body: string;
  contentType?: string;
  /** Close the connection without answering (the request did arrive). */
  drop?: boolean;
}

/** Rules every simulator understands, next to its provider-specific error shapes. */
export type CommonRule =
  | { kind: "success" }
  /** Answers after `ms` (longer than the client's timeout to provoke one), then per `then` (default success). */
  | { kind: "delay"; ms: number; then?: CommonRule }
  /** A raw HTTP answer, e.g. `{ kind: "http", status: 500 }`. */
  | { kind: "http"; status: number; body?: string; contentType?: string }
  /** Reads the request, then closes the connection without an answer. */
  | { kind: "drop" };

export function digits(phone: string): string {
  return phone.replace(/\D/g, "");
}

function parseBody(raw: string, contentType: string): unknown {
  if (raw === "") return undefined;
  if (contentType.includes("json") || /^\s*[[{]/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (contentType.includes("x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Rules keyed by phone digits, with a default for every other number. */
export class Script<R> {
  private readonly rules = new Map<string, R>();

  constructor(private fallback: R) {}

  set(phone: string, rule: R): void {
    this.rules.set(digits(phone), rule);
  }

  setDefault(rule: R): void {
    this.fallback = rule;
  }

  clear(): void {
    this.rules.clear();
  }

  ruleFor(phone: string | undefined): R {
    return (phone !== undefined ? this.rules.get(digits(phone)) : undefined) ?? this.fallback;
  }
}

export interface HttpSimulator {
  url: string;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * Starts a loopback server on a free port. `handle` returns the reply; `wait(ms)` lets it delay an
 * answer in a way `stop()` cancels.
 */
export async function startHttpSimulator(
  handle: (req: RecordedRequest, wait: (ms: number) => Promise<void>) => Promise<SimReply> | SimReply,
): Promise<HttpSimulator> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const rawBody = await readBody(req);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        rawBody,
        body: parseBody(rawBody, headers["content-type"] ?? ""),
        receivedAtMs: Date.now(),
      };
      requests.push(recorded);
      const reply = await handle(recorded, wait);
      if (res.destroyed) return;
      if (reply.drop) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { "content-type": reply.contentType ?? "application/json" });
      res.end(reply.body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(599, { "content-type": "text/plain" });
      res.end(`simulator error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async stop(): Promise<void> {
      for (const t of timers) {
        clearTimeout(t.timer);
        t.resolve();
      }
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Applies the common rules; provider-specific ones go to `specific`. A delayed reply is produced
 * after the wait even if the client has gone (the write is then skipped).
 */
export async function applyRule<R extends { kind: string }>(
  rule: CommonRule | R,
  wait: (ms: number) => Promise<void>,
  success: () => SimReply,
  specific: (rule: R) => SimReply,
): Promise<SimReply> {
  switch (rule.kind) {
    case "success":
      return success();
    case "delay": {
      const r = rule as Extract<CommonRule, { kind: "delay" }>;
      await wait(r.ms);
      return applyRule<R>(r.then ?? { kind: "success" }, wait, success, specific);
    }
    case "http": {
      const r = rule as Extract<CommonRule, { kind: "http" }>;
      return { status: r.status, body: r.body ?? "", contentType: r.contentType ?? "text/plain" };
    }
    case "drop":
      return { status: 0, body: "", drop: true };
    default:
      return specific(rule as R);
  }
}

/** Ids unique across simulator instances (a per-instance token) and ordered within one. */
export function idSequence(prefix: string): () => string {
  const instance = randomUUID().replace(/-/g, "").slice(0, 8).toUpperCase();
  let n = 0;
  return () => {
    n += 1;
    return `${prefix}${instance}${String(n).padStart(6, "0")}`;
  };
}
