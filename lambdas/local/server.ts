import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { matchRoute } from "../http/route-match.js";
import { type LogLevel, logger, logsAt, setLogSink } from "../platform/logger.js";
import { setQueue } from "../queue/index.js";
import {
  functions as defaultFunctions,
  type FunctionName,
  type FunctionSpec,
} from "../topology/functions.js";
import { queues as defaultQueues, type QueueName, type QueueSpec } from "../topology/queues.js";
import {
  DEFAULT_ROUTE_KEY,
  routes as defaultRoutes,
  type RouteSpec,
  unmatchedRoutes,
} from "../topology/routes.js";
import { tableStream } from "../topology/streams.js";
import { loadOrCreateSecret } from "./admin-key.js";
import { dashboardResponse } from "./dashboard.js";
import { deadLetterResponse } from "./dead-letters.js";
import { ensureTable, type LocalDynamo, startDynoxide } from "./dynamo.js";
import { forgetEngine, recordEngine, stopOrphanedEngine } from "./engine-pidfile.js";
import {
  fromApiGatewayResult,
  INTERNAL_ERROR,
  type LocalResponse,
  MAX_BODY_BYTES,
  PAYLOAD_TOO_LARGE,
  TIMED_OUT,
  toApiGatewayEvent,
} from "./http-event.js";
import { FunctionInvoker, FunctionTimeoutError } from "./invoker.js";
import { printLine, readableSink } from "./log-sink.js";
import { LocalQueues } from "./queue.js";
import { claimDataDir } from "./runtime-lock.js";
import { LocalStream } from "./stream.js";

export const LOCAL_TABLE_NAME = "sms-analytics";

export interface LocalOptions {
  /** 0 picks a free port. Default 3000. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  dataDir: string;
  adminApiKey: string;
  /** Default `http://localhost:<port>`. */
  publicBaseUrl?: string;
  /** Use this DynamoDB-compatible endpoint instead of starting the embedded engine. */
  dynamodbEndpoint?: string;
  /** Overrides every queue's visibility timeout (tests: seconds instead of minutes before a retry). */
  queueVisibilityTimeoutSeconds?: number;
  /** Batches in flight per queue. Default 2. */
  queueConcurrency?: number;
  /** Virtual shards of the table's change stream (fixed per data directory once chosen). Default 4. */
  streamLanes?: number;
  log?: (line: string) => void;
  /**
   * The functions' log level (default: `LOG_LEVEL`/`POWERTOOLS_LOG_LEVEL`, else INFO). The runtime's
   * access lines are INFO; its own warnings (a dead-lettered message, a failed consumer) always print.
   */
  logLevel?: LogLevel;
  /** Derives webhook tokens. Default: generated once and kept in `<dataDir>/server-secret` (mode 0600). */
  serverSecret?: string;
  /** Tests only: replace entries of the function table (e.g. point a function at a test handler). */
  functions?: Partial<Record<FunctionName, FunctionSpec>>;
  /** Tests only: replace the route table. */
  routes?: RouteSpec[];
  /** Tests only: replace the queue table. */
  queueSpecs?: Record<QueueName, QueueSpec>;
}

export interface LocalRuntime {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:3000`. */
  url: string;
  port: number;
  queues: LocalQueues;
  dynamoEndpoint: string;
  /** Resolves once every queue is empty and every change on the table's stream has been counted. */
  drain(): Promise<void>;
  /** Stops accepting requests, finishes requests and batches in flight, stops the engine. */
  stop(): Promise<void>;
}

/** API Gateway's request ids look like this (`JKJaXmPLvHcESHA=`). */
function apiGatewayRequestId(): string {
  return randomBytes(10).toString("base64");
}

function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        chunks.length = 0;
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  response: LocalResponse,
  requestId: string,
  head: boolean,
  close = false,
): void {
  const headers: Record<string, string | string[]> = { ...response.headers, "apigw-requestid": requestId };
  headers["content-length"] = String(response.body.length);
  if (close) headers.connection = "close";
  res.writeHead(response.statusCode, headers);
  res.end(head ? undefined : response.body);
}

function sourceIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? "127.0.0.1";
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}

/**
 * Starts the one-machine runtime: the embedded DynamoDB engine (unless an endpoint is given), the
 * durable in-process queues with their pollers, and an HTTP server that turns requests into HTTP API
 * (payload 2.0) events for the same handlers that run on Lambda.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const log = options.log ?? printLine;
  setLogSink(readableSink(log));
  if (options.logLevel) logger.setLogLevel(options.logLevel);
  /** One line per API request (INFO: `LOG_LEVEL=warn` silences them). */
  const access = (line: string): void => {
    if (logsAt("INFO")) log(line);
  };
  const fnSpecs = { ...defaultFunctions, ...options.functions } as Record<FunctionName, FunctionSpec>;
  const routeTable = options.routes ?? defaultRoutes;
  mkdirSync(options.dataDir, { recursive: true });
  // Before the engine or a journal is touched: one process per DATA_DIR (the ops CLI reads who and where).
  const claim = claimDataDir(options.dataDir, "product");

  // Stop order: HTTP first (requests in flight may still enqueue), then the queues (batches in flight
  // still write to the table), then the engine.
  let stopServer: (() => Promise<void>) | undefined;
  let stopQueues: (() => Promise<void>) | undefined;
  let stopStream: (() => Promise<void>) | undefined;
  let stopEngine: (() => Promise<void>) | undefined;
  let stopping: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    stopping ??= (async () => {
      for (const step of [stopServer, stopQueues, stopStream, stopEngine]) {
        await step?.().catch((e: unknown) => log(`local runtime: stop step failed: ${(e as Error).message}`));
      }
      claim.release();
    })();
    return stopping;
  };

  try {
    let dynamoEndpoint = options.dynamodbEndpoint;
    if (!dynamoEndpoint) {
      const dbPath = join(options.dataDir, "dynamodb.sqlite");
      const pidFile = join(options.dataDir, "dynamodb.pid");
      if (await stopOrphanedEngine(pidFile, dbPath))
        log("stopped an engine left running by a killed runtime");
      const engine: LocalDynamo = await startDynoxide(dbPath);
      recordEngine(pidFile, engine.pid);
      stopEngine = async () => {
        await engine.stop();
        forgetEngine(pidFile);
      };
      dynamoEndpoint = engine.endpoint;
    }
    await ensureTable(dynamoEndpoint, LOCAL_TABLE_NAME);

    const invoker = new FunctionInvoker(fnSpecs);
    let ready: (() => void) | undefined;
    const isReady = new Promise<void>((r) => {
      ready = r;
    });
    const server: Server = createServer((req, res) => {
      isReady
        .then(() => handle(req, res))
        .catch((e: unknown) => {
          log(`local server: ${(e as Error).message}`);
          if (!res.headersSent) send(res, INTERNAL_ERROR(), apiGatewayRequestId(), false, true);
        });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 3000, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    stopServer = () => closeServer(server);
    const port = (server.address() as AddressInfo).port;

    // Handlers read these when first imported and on first client use: set before any handler loads.
    process.env.TABLE_NAME = LOCAL_TABLE_NAME;
    process.env.DYNAMODB_ENDPOINT = dynamoEndpoint;
    process.env.AWS_REGION = "local";
    process.env.PUBLIC_BASE_URL = options.publicBaseUrl ?? `http://localhost:${port}`;
    process.env.ADMIN_API_KEY = options.adminApiKey;
    const serverSecret =
      options.serverSecret ?? loadOrCreateSecret(join(options.dataDir, "server-secret")).value;
    process.env.SERVER_SECRET = serverSecret;
    // The name `lambdas/store/connectors.ts` reads today; same secret (kept until the names are unified).
    process.env.WEBHOOK_TOKEN_SECRET = serverSecret;

    const queueSpecs = options.queueSpecs ?? defaultQueues;
    const localQueues = await LocalQueues.open({
      dataDir: options.dataDir,
      specs: queueSpecs,
      consume: (queue, event) => invoker.invoke(queueSpecs[queue].consumer, event),
      consumerTimeoutMs: (queue) => fnSpecs[queueSpecs[queue].consumer].timeoutSeconds * 1000,
      ...(options.queueVisibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.queueVisibilityTimeoutSeconds }),
      ...(options.queueConcurrency === undefined ? {} : { concurrency: options.queueConcurrency }),
      log,
    });
    stopQueues = () => localQueues.stop();
    setQueue(localQueues);
    const stream = LocalStream.start({
      endpoint: dynamoEndpoint,
      tableName: LOCAL_TABLE_NAME,
      positionFile: join(options.dataDir, "stream", "position.json"),
      ...(options.streamLanes === undefined ? {} : { lanes: options.streamLanes }),
      consume: (event) => invoker.invoke(tableStream.consumer, event),
      log,
    });
    stopStream = () => stream.stop();
    const drain = async (): Promise<void> => {
      // Workers write facts (the stream counts them); nothing on the stream path enqueues work.
      await localQueues.drain();
      await stream.drain();
    };
    claim.publish(`http://${reachableHost(options.host)}:${port}`);
    ready?.();

    async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const startedAt = performance.now();
      const requestId = apiGatewayRequestId();
      const method = (req.method ?? "GET").toUpperCase();
      const head = method === "HEAD";
      const url = req.url ?? "/";
      const ops = await deadLetterResponse(
        { method, url, authorization: req.headers.authorization },
        options.adminApiKey,
        localQueues,
        Object.keys(queueSpecs) as QueueName[],
      );
      if (ops) {
        req.resume();
        send(res, ops, requestId, head);
        access(`HTTP ${method} /local/dead-letters ${res.statusCode} ${elapsed(startedAt)}ms`);
        return;
      }
      const dashboard = await dashboardResponse(method, url.split("?")[0] ?? "/");
      if (dashboard) {
        req.resume();
        return send(res, dashboard, requestId, head);
      }
      // No route: API Gateway's `$default` route, answered by its function (404 or 405 in our format).
      const match = matchRoute(method, url.split("?")[0] ?? "/", routeTable) ?? {
        route: {
          method: method as RouteSpec["method"],
          path: DEFAULT_ROUTE_KEY,
          auth: "public" as const,
          ...unmatchedRoutes,
        },
        routeKey: DEFAULT_ROUTE_KEY,
        pathParameters: {},
      };
      const body = await readBody(req);
      if (body === "too-large") {
        // Answer without reading the rest, then drop the connection rather than swallow 10 MB+.
        send(res, PAYLOAD_TOO_LARGE(), requestId, head, true);
        res.on("finish", () => req.destroy());
        return;
      }
      const hostHeader = req.headers.host ?? "localhost";
      const event = toApiGatewayEvent(
        {
          method,
          url,
          rawHeaders: [
            ...req.rawHeaders,
            // API Gateway adds these; handlers may read the client address from them.
            "X-Forwarded-For",
            sourceIp(req),
            "X-Forwarded-Port",
            String(port),
            "X-Forwarded-Proto",
            "http",
          ],
          body,
          sourceIp: sourceIp(req),
          protocol: `HTTP/${req.httpVersion}`,
          requestId,
          timeEpoch: Date.now(),
        },
        match,
        hostHeader.replace(/:\d+$/, ""),
      );
      let response: LocalResponse;
      try {
        response = fromApiGatewayResult(await invoker.invoke(match.route.fn, event));
      } catch (e) {
        const timedOut = e instanceof FunctionTimeoutError;
        log(
          `${match.routeKey} ${requestId}: ${timedOut ? "" : "handler failed: "}${(e as Error)?.message ?? e}`,
        );
        response = timedOut ? TIMED_OUT() : INTERNAL_ERROR();
      }
      try {
        send(res, response, requestId, head);
      } catch (e) {
        // E.g. a header value Node refuses: the client still gets an answer.
        log(`${match.routeKey} ${requestId}: invalid response: ${(e as Error).message}`);
        if (!res.headersSent) send(res, INTERNAL_ERROR(), requestId, head);
      } // One line per API request, as API Gateway's access log has it: the route template, never the path
      // (paths carry ids and short codes).
      const route = match.routeKey === DEFAULT_ROUTE_KEY ? "(no route)" : match.route.path;
      access(`HTTP ${method} ${route} ${res.statusCode} ${elapsed(startedAt)}ms`);
    }

    return {
      url: `http://${reachableHost(options.host)}:${port}`,
      port,
      queues: localQueues,
      dynamoEndpoint,
      drain,
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The host part of a URL that reaches a server listening on `host` from this machine. */
function reachableHost(host = "127.0.0.1"): string {
  const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return reachable.includes(":") ? `[${reachable}]` : reachable;
}

const elapsed = (startedAt: number): number => Math.round(performance.now() - startedAt);

/** Stops accepting, lets requests in flight finish (up to 10 s), and closes idle keep-alive connections. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
