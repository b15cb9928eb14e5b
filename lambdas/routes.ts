/**
 * The one table of functions, routes and queues. The CDK stack and the local runtime both read it,
 * so a route that works locally is the route that deploys.
 */

export type FunctionName =
  | "management"
  | "sends"
  | "events"
  | "analytics"
  | "webhook"
  | "redirect"
  | "public"
  | "parkedReceipts"
  | "sendWorker"
  | "deliveryWorker"
  | "clickWorker"
  | "attributionWorker";

export type QueueName = "sends" | "receipts" | "clicks" | "events";

export interface FunctionSpec {
  /** Source file, relative to the repository root; it exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Queues this function may send to. */
  sendsTo: QueueName[];
  /** Table access: readers never get write permissions. */
  table: "read" | "readWrite";
  /** Secrets it reads: the operator's admin key, the server secret (derives webhook tokens). */
  secrets: Array<"adminKey" | "serverSecret">;
}

export const functions: Record<FunctionName, FunctionSpec> = {
  management: {
    entry: "lambdas/handlers/management.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    sendsTo: [],
    table: "readWrite",
    secrets: ["adminKey", "serverSecret"],
  },
  sends: {
    entry: "lambdas/handlers/sends.ts",
    memoryMb: 512,
    timeoutSeconds: 29,
    sendsTo: ["sends"],
    table: "readWrite",
    secrets: [],
  },
  events: {
    entry: "lambdas/handlers/events.ts",
    memoryMb: 512,
    timeoutSeconds: 29,
    sendsTo: ["events"],
    table: "readWrite",
    secrets: [],
  },
  analytics: {
    entry: "lambdas/handlers/analytics.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    sendsTo: [],
    table: "read",
    secrets: [],
  },
  webhook: {
    entry: "lambdas/handlers/webhook.ts",
    memoryMb: 256,
    timeoutSeconds: 10,
    sendsTo: ["receipts"],
    table: "read",
    secrets: [],
  },
  redirect: {
    entry: "lambdas/handlers/redirect.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    sendsTo: ["clicks"],
    table: "read",
    secrets: [],
  },
  public: {
    entry: "lambdas/handlers/public.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    sendsTo: [],
    table: "read",
    secrets: [],
  },
  parkedReceipts: {
    entry: "lambdas/handlers/parked-receipts.ts",
    memoryMb: 256,
    timeoutSeconds: 29,
    sendsTo: ["receipts"],
    table: "readWrite",
    secrets: ["adminKey"],
  },
  sendWorker: {
    entry: "lambdas/handlers/send-worker.ts",
    memoryMb: 512,
    timeoutSeconds: 120,
    sendsTo: [],
    table: "readWrite",
    secrets: ["serverSecret"],
  },
  deliveryWorker: {
    entry: "lambdas/handlers/delivery-worker.ts",
    memoryMb: 512,
    timeoutSeconds: 60,
    sendsTo: [],
    table: "readWrite",
    secrets: [],
  },
  clickWorker: {
    entry: "lambdas/handlers/click-worker.ts",
    memoryMb: 256,
    timeoutSeconds: 60,
    sendsTo: [],
    table: "readWrite",
    secrets: [],
  },
  attributionWorker: {
    entry: "lambdas/handlers/attribution-worker.ts",
    memoryMb: 512,
    timeoutSeconds: 60,
    sendsTo: [],
    table: "readWrite",
    secrets: [],
  },
};

export type RouteAuth = "admin" | "app" | "public" | "token";

export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "HEAD";
  /**
   * API Gateway HTTP API path syntax: `{name}` is one segment; a final `{name+}` (greedy path
   * variable) is the rest of the path, one or more segments.
   */
  path: string;
  fn: FunctionName;
  auth: RouteAuth;
  /** Steady-state requests per second allowed on this route (API Gateway throttling). */
  rateLimit: number;
}

export const routes: RouteSpec[] = [
  { method: "GET", path: "/health", fn: "public", auth: "public", rateLimit: 50 },
  { method: "GET", path: "/openapi.json", fn: "public", auth: "public", rateLimit: 50 },
  { method: "PUT", path: "/v1/apps/{appId}", fn: "management", auth: "admin", rateLimit: 20 },
  {
    method: "PUT",
    path: "/v1/apps/{appId}/connectors/{connectorId}",
    fn: "management",
    auth: "app",
    rateLimit: 20,
  },
  {
    method: "PUT",
    path: "/v1/apps/{appId}/campaigns/{campaignId}",
    fn: "management",
    auth: "app",
    rateLimit: 20,
  },
  { method: "GET", path: "/v1/apps/{appId}/campaigns", fn: "management", auth: "app", rateLimit: 50 },
  {
    method: "POST",
    path: "/v1/apps/{appId}/campaigns/{campaignId}/instances/{instanceId}/sends",
    fn: "sends",
    auth: "app",
    rateLimit: 20,
  },
  { method: "POST", path: "/v1/apps/{appId}/events", fn: "events", auth: "app", rateLimit: 200 },
  {
    method: "GET",
    path: "/webhooks/dlr/{connectorId}/{token}",
    fn: "webhook",
    auth: "token",
    rateLimit: 500,
  },
  {
    method: "POST",
    path: "/webhooks/dlr/{connectorId}/{token}",
    fn: "webhook",
    auth: "token",
    rateLimit: 500,
  },
  // Greedy: SMS and chat apps glue characters to a tapped link (`/l/{code}/`, `/l/{code}%E3%80%82`);
  // the redirect finds the code in front of them (`linkCodeFrom`).
  { method: "GET", path: "/l/{code+}", fn: "redirect", auth: "public", rateLimit: 1000 },
  { method: "HEAD", path: "/l/{code+}", fn: "redirect", auth: "public", rateLimit: 1000 },
  {
    method: "GET",
    path: "/v1/apps/{appId}/parked-receipts",
    fn: "parkedReceipts",
    auth: "admin",
    rateLimit: 10,
  },
  {
    method: "POST",
    path: "/v1/apps/{appId}/parked-receipts/replay",
    fn: "parkedReceipts",
    auth: "admin",
    rateLimit: 5,
  },
  {
    method: "GET",
    path: "/v1/apps/{appId}/campaigns/{campaignId}/analytics",
    fn: "analytics",
    auth: "app",
    rateLimit: 100,
  },
];

export interface QueueSpec {
  consumer: FunctionName;
  batchSize: number;
  /** Longer than the consumer's timeout, as SQS requires for Lambda event sources. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  /** At most this many concurrent consumer invocations (SQS event source maximum concurrency, ≥ 2). */
  maxConcurrency?: number;
}

export const queues: Record<QueueName, QueueSpec> = {
  sends: {
    consumer: "sendWorker",
    batchSize: 5,
    visibilityTimeoutSeconds: 720,
    maxReceiveCount: 3,
    maxConcurrency: 2,
  },
  receipts: { consumer: "deliveryWorker", batchSize: 100, visibilityTimeoutSeconds: 360, maxReceiveCount: 8 },
  clicks: { consumer: "clickWorker", batchSize: 100, visibilityTimeoutSeconds: 360, maxReceiveCount: 5 },
  events: {
    consumer: "attributionWorker",
    batchSize: 100,
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 5,
  },
};

/** Environment variable that carries a queue's URL into the functions that send to it. */
export function queueUrlEnv(name: QueueName): string {
  return `${name.toUpperCase()}_QUEUE_URL`;
}
