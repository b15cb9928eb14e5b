import { forEachLimit } from "../platform/concurrency.js";
import { countMetric, logger } from "../platform/logger.js";
import type { ScheduledReceipt } from "../providers/index.js";
import type { BatchOutcome, Received } from "../queue/batch.js";
import type { ScheduledReceiptMessage } from "../queue/contracts.js";
import { MAX_DELAY_SECONDS, type QueueMessage, queue } from "../queue/index.js";

/**
 * The sandbox connector's receipts (providers/sandbox.ts): scheduled when the send happens, each on the
 * `sandboxReceipts` queue with an SQS message delay until it is due, then POSTed to the connector's own
 * webhook URL by the deliverer — so they are authenticated, queued, parsed and counted exactly like a
 * real provider's callbacks. A delay longer than one SQS delay (15 min) is taken in hops.
 */

/** Receipts of one batch POSTed at the same time. */
const PARALLEL_POSTS = 8;
/** How long one POST to the webhook may take (the deliverer's timeout is 30 s). */
const POST_TIMEOUT_MS = 10_000;

/** The next hop of a wait of `seconds`: the part one SQS delay covers, and what is left after it. */
export function nextHop(seconds: number): { delaySeconds: number; laterSeconds: number } {
  const total = Math.max(0, Math.ceil(seconds));
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, total);
  return { delaySeconds, laterSeconds: total - delaySeconds };
}

function hop(message: Omit<ScheduledReceiptMessage, "laterSeconds">, seconds: number): QueueMessage {
  const { delaySeconds, laterSeconds } = nextHop(seconds);
  const body: ScheduledReceiptMessage = { ...message, laterSeconds };
  return { body: JSON.stringify(body), delaySeconds };
}

/**
 * Schedules receipts for the connector's webhook: one durable queue write for all of them, each
 * message delayed until its receipt is due (or for the first 15 minutes of a longer wait).
 * @param webhookUrl the connector's receipt URL (holds its token; it travels in the queue message only)
 * @throws Error when the queue refuses them (the sandbox then answers the send as unknown), or for a
 *   request that is neither a GET nor a POST
 */
export async function scheduleSandboxReceipts(
  connectorId: string,
  webhookUrl: string,
  receipts: readonly ScheduledReceipt[],
): Promise<void> {
  if (receipts.length === 0) return;
  const messages = receipts.map(({ request, delaySeconds }) => {
    const { method } = request;
    if (method !== "GET" && method !== "POST") throw new Error(`a receipt is a GET or a POST, not ${method}`);
    return hop({ connectorId, url: webhookUrl, request: { ...request, method } }, delaySeconds);
  });
  await queue().send("sandboxReceipts", messages);
}

/** Only this API's own receipt webhook is ever called: a message naming anything else is refused. */
function isOwnWebhook(url: string, baseUrl: string | undefined): boolean {
  if (!baseUrl) return false;
  return url.startsWith(`${baseUrl.replace(/\/+$/, "")}/webhooks/dlr/`);
}

function withQuery(url: string, query: Record<string, string>): string {
  const entries = Object.entries(query);
  if (entries.length === 0) return url;
  const u = new URL(url);
  for (const [k, v] of entries) u.searchParams.append(k, v);
  return u.toString();
}

type Posted = "posted" | "retry" | "dropped";

/**
 * One receipt POSTed as the provider would: a 2xx is done; 429, 5xx and network errors are retried
 * (the queue redelivers); any other 4xx is dropped, as Sinch drops callbacks answered with a 4xx
 * (PROVIDERS.md, Sinch "Retries").
 */
async function post(message: ScheduledReceiptMessage, doFetch: typeof fetch): Promise<Posted> {
  const { connectorId, request } = message;
  let status: number;
  try {
    const res = await doFetch(withQuery(message.url, request.query), {
      method: request.method,
      headers: request.headers,
      body: request.method === "GET" ? undefined : request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    status = res.status;
  } catch (e) {
    // Never the error message: it may carry the URL (and so the token).
    const code = (e as { cause?: { code?: unknown } })?.cause?.code;
    logger.warn("sandbox receipt not delivered; retried", {
      connectorId,
      error: e instanceof Error ? e.name : "error",
      ...(typeof code === "string" ? { code } : {}),
    });
    return "retry";
  }
  if (status >= 200 && status < 300) return "posted";
  if (status >= 400 && status < 500 && status !== 429) {
    logger.warn("sandbox receipt refused by the webhook; dropped as the provider would", {
      connectorId,
      status,
    });
    countMetric("SandboxReceiptDropped");
    return "dropped";
  }
  logger.warn("sandbox receipt not accepted; retried", { connectorId, status });
  return "retry";
}

export interface DeliverOptions {
  /** The API's public base URL (`PUBLIC_BASE_URL`): the only place receipts are sent. */
  baseUrl: string | undefined;
  fetch?: typeof fetch;
}

/**
 * The deliverer's batch: a receipt with time still to wait goes back on the queue for its next hop;
 * a due one is POSTed to its webhook URL. Failed POSTs are retried by the queue (visibility timeout,
 * then the dead-letter queue); a URL outside this API's webhook path is refused and dead-lettered.
 * @throws nothing for one receipt's failure (it is retried alone)
 */
export async function deliverSandboxReceipts(
  jobs: readonly Received<ScheduledReceiptMessage>[],
  options: DeliverOptions,
): Promise<BatchOutcome> {
  const doFetch = options.fetch ?? fetch;
  const retry: string[] = [];
  // `retried` of the batch line covers the failed posts, reschedules and refusals together.
  const counts = { posted: 0, rescheduled: 0, dropped: 0, postFailed: 0, refused: 0 };
  await forEachLimit(jobs, PARALLEL_POSTS, async ({ recordId, body: message }) => {
    if (message.laterSeconds > 0) {
      const { laterSeconds: _, ...rest } = message;
      try {
        await queue().send("sandboxReceipts", [hop(rest, message.laterSeconds)]);
        counts.rescheduled++;
      } catch (e) {
        logger.warn("sandbox receipt not rescheduled; retried", {
          connectorId: message.connectorId,
          error: e as Error,
        });
        retry.push(recordId);
      }
      return;
    }
    if (!isOwnWebhook(message.url, options.baseUrl)) {
      logger.error("sandbox receipt names a URL outside this API's webhooks; refused", {
        connectorId: message.connectorId,
      });
      counts.refused++;
      retry.push(recordId);
      return;
    }
    const result = await post(message, doFetch);
    if (result === "retry") {
      counts.postFailed++;
      retry.push(recordId);
    } else counts[result]++;
  });
  return { retry, counts };
}
