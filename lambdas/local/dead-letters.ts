import { createHash, timingSafeEqual } from "node:crypto";
import type { QueueName } from "../topology/queues.js";
import { jsonResponse, type LocalResponse } from "./http-event.js";
import type { DeadLetter } from "./queue.js";

/**
 * The local dead-letter queues as an operator sees them (`npm run ops -- dlq …`), and the two local-only
 * admin endpoints a running product answers them on. They exist only in the one-machine runtime (in AWS
 * the dead-letter queues are SQS queues: the console's "Start DLQ redrive" or `aws sqs
 * start-message-move-task` does this); they are not API routes and not in the OpenAPI document.
 */

/** One dead letter without its body unless asked: bodies carry phone numbers (send jobs) and message text. */
export interface DeadLetterView {
  messageId: string;
  /** When it was first sent to the queue, ISO 8601. */
  sentAt: string;
  /** Receives before it was dead-lettered. */
  receiveCount: number;
  /** Body size, UTF-8 bytes. */
  bytes: number;
  /** Read from the body when it is a JSON object carrying them (every queue contract does). */
  appId?: string;
  campaignId?: string;
  instanceId?: string;
  connectorId?: string;
  /** The whole body, only with `withBody`. */
  body?: string;
}

export interface DeadLetterQueues {
  listDeadLetters(queue: QueueName): DeadLetter[];
  redrive(queue: QueueName): Promise<number>;
}

const IDS = ["appId", "campaignId", "instanceId", "connectorId"] as const;

/** An operator's view of one dead letter: ids and sizes; the body (with phone numbers) only when asked. */
export function viewDeadLetter(d: DeadLetter, withBody: boolean): DeadLetterView {
  const view: DeadLetterView = {
    messageId: d.messageId,
    sentAt: new Date(d.sentTimestamp).toISOString(),
    receiveCount: d.receiveCount,
    bytes: Buffer.byteLength(d.body, "utf8"),
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(d.body);
  } catch {
    // Not JSON (such a message is why it was dead-lettered): no ids to show.
  }
  if (parsed && typeof parsed === "object") {
    for (const k of IDS) {
      const v = (parsed as Record<string, unknown>)[k];
      if (typeof v === "string" && v.length <= 200) view[k] = v;
    }
  }
  if (withBody) view.body = d.body;
  return view;
}

/** Every queue's dead letters, in the order of `queueNames`. */
export function deadLetterReport(
  queues: DeadLetterQueues,
  queueNames: readonly QueueName[],
  withBody: boolean,
): Record<string, DeadLetterView[]> {
  return Object.fromEntries(
    queueNames.map((q) => [q, queues.listDeadLetters(q).map((d) => viewDeadLetter(d, withBody))]),
  );
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

const error = (status: number, code: string, message: string): LocalResponse =>
  jsonResponse(status, { error: { code, message } });

/** Path prefix of the local-only operator endpoints. */
export const LOCAL_OPS_PREFIX = "/local/dead-letters";

/**
 * Answers the local-only operator endpoints (admin key as `Authorization: Bearer …`):
 * `GET /local/dead-letters[?body=true]` → `{ queues: { <queue>: DeadLetterView[] } }`;
 * `POST /local/dead-letters/{queue}/redrive` → `{ queue, redriven }` (every dead letter of the queue back
 * to it with a fresh receive count, as SQS's redrive does).
 * @returns undefined for any other path (the API handles it); 401 without the admin key, 404 for an
 *   unknown queue, 405 for another method, in the API's error format
 */
export async function deadLetterResponse(
  request: { method: string; url: string; authorization: string | undefined },
  adminKey: string,
  queues: DeadLetterQueues,
  queueNames: readonly QueueName[],
): Promise<LocalResponse | undefined> {
  const url = new URL(request.url, "http://local");
  if (url.pathname !== LOCAL_OPS_PREFIX && !url.pathname.startsWith(`${LOCAL_OPS_PREFIX}/`)) return undefined;
  const presented = /^Bearer\s+(.+)$/i.exec(request.authorization ?? "")?.[1]?.trim() ?? "";
  if (!timingSafeEqual(digest(presented), digest(adminKey)))
    return error(401, "UNAUTHORIZED", "The admin API key is required");
  const rest = url.pathname.slice(LOCAL_OPS_PREFIX.length);
  if (rest === "" || rest === "/") {
    if (request.method !== "GET") return error(405, "METHOD_NOT_ALLOWED", "Use GET");
    const withBody = url.searchParams.get("body") === "true";
    return jsonResponse(200, { queues: deadLetterReport(queues, queueNames, withBody) });
  }
  const m = /^\/([A-Za-z]+)\/redrive$/.exec(rest);
  const queue = queueNames.find((q) => q === m?.[1]);
  if (!queue) return error(404, "NOT_FOUND", "No such queue");
  if (request.method !== "POST") return error(405, "METHOD_NOT_ALLOWED", "Use POST");
  return jsonResponse(200, { queue, redriven: await queues.redrive(queue) });
}
