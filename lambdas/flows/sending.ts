import type { Context } from "aws-lambda";
import { LINK_LIFETIME_MS, shortenUrls } from "../domain/links.js";
import { type CountedMessage, type SendResult, sendOutcomeDeltas } from "../domain/message-counters.js";
import { messageIdFor } from "../domain/message-id.js";
import { parsePhone } from "../domain/phone.js";
import { RateLimiter } from "../domain/rate-limit.js";
import { render } from "../domain/template.js";
import { forEachLimit } from "../platform/concurrency.js";
import { type ProviderName, sendWith } from "../providers/index.js";
import type { CampaignContext } from "../store/campaign-context.js";
import { connectorWebhookUrl } from "../store/connectors.js";
import { type Fact, recordFacts } from "../store/facts.js";
import { putLinks } from "../store/links.js";
import {
  type MessageRecord,
  markSending,
  putProviderRef,
  releaseSending,
  transitionFact,
} from "../store/messages.js";
import { queues } from "../topology/queues.js";
import { openWindowsFor } from "./attribution.js";

/** One queue message of the send queue: a chunk of one sends request. */
export interface SendJob {
  appId: string;
  campaignId: string;
  instanceId: string;
  message: string;
  recipients: Array<{
    userId: string;
    phone: string;
    attributes?: Record<string, string | number | boolean>;
  }>;
}

export const SEND_CHUNK = 50;
/** Recipients of one job sent in parallel (under the connector's rate limit). */
const PARALLEL_SENDS = 4;

/**
 * The connector's rate is shared by at most `maxConcurrency` send workers at once (the SQS event
 * source's limit), so each worker takes its share.
 */
const WORKERS = queues.sends.maxConcurrency ?? 1;
const limiters = new Map<string, RateLimiter>();
function limiterFor(ctx: CampaignContext): RateLimiter {
  const key = `${ctx.app.appId}\n${ctx.connector.connectorId}\n${ctx.connector.sendRatePerSecond}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter(ctx.connector.sendRatePerSecond / WORKERS);
    limiters.set(key, limiter);
  }
  return limiter;
}

function counted(m: MessageRecord, sentAt: number, country: string | null): CountedMessage {
  return {
    provider: m.provider,
    country,
    sentAt,
    windowHours: m.windowHours,
    failedAt: null,
    failCode: null,
    failDescription: null,
  };
}

/**
 * A SENDING message found by a redelivery: its worker died between calling the provider and recording.
 * `country` comes from the job's phone (the record has none yet), so a receipt that later proves the
 * message sent counts it in the country breakdown too.
 */
export function outcomeUnknownFact(m: MessageRecord, tz: string, country: string | null = m.country): Fact {
  const at = m.sendingAt ?? m.queuedAt;
  const result: SendResult = { status: "OUTCOME_UNKNOWN" };
  return transitionFact(
    m,
    {
      status: "OUTCOME_UNKNOWN",
      sentAt: at,
      country,
      notSentReason: "SEND_OUTCOME_UNKNOWN",
      notSentCode: null,
    },
    sendOutcomeDeltas(counted(m, at, country), result, tz),
  );
}

interface Attempt {
  fact: Fact;
  record: MessageRecord;
  status: MessageRecord["status"];
}

/** Sends to one recipient at most once and returns the fact that records the outcome (or null: nothing to do). */
async function sendOne(
  ctx: CampaignContext,
  job: SendJob,
  recipient: SendJob["recipients"][number],
  now: () => number,
): Promise<Attempt | "retry-later" | null> {
  const { app, connector } = ctx;
  const tz = app.timezone;
  const messageId = messageIdFor(job.appId, job.campaignId, job.instanceId, recipient.userId);
  await limiterFor(ctx).take();
  const claim = await markSending(job.appId, messageId, now());
  if (!claim.won) {
    const existing = claim.record;
    if (existing?.status !== "SENDING") return null; // already decided (or never claimed): nothing to send
    const staleAfter = connector.timeoutMs + 120_000;
    if (now() - (existing.sendingAt ?? 0) < staleAfter) return "retry-later";
    const phone = parsePhone(recipient.phone);
    const fact = outcomeUnknownFact(existing, tz, phone.ok ? phone.country : existing.country);
    return { fact, record: existing, status: "OUTCOME_UNKNOWN" };
  }
  const m = claim.record;
  const sentAt = m.sendingAt ?? now();
  const notSent = (reason: string, code: string | null, missing: string[] | null = null): Attempt => ({
    record: m,
    status: "NOT_SENT",
    fact: transitionFact(
      m,
      { status: "NOT_SENT", sentAt, notSentReason: reason, notSentCode: code, missing },
      sendOutcomeDeltas(counted(m, sentAt, null), { status: "NOT_SENT", reason, code }, tz),
    ),
  });

  try {
    return await sendClaimed(ctx, job, recipient, m, sentAt, notSent);
  } catch (e) {
    // Failed before the provider was called (e.g. storing links): give the recipient back to the queue.
    if (e instanceof BeforeProviderCallError) {
      await releaseSending(m);
      throw e.cause;
    }
    throw e;
  }
}

class BeforeProviderCallError extends Error {
  override name = "BeforeProviderCallError";
}

async function sendClaimed(
  ctx: CampaignContext,
  job: SendJob,
  recipient: SendJob["recipients"][number],
  m: MessageRecord,
  sentAt: number,
  notSent: (reason: string, code: string | null, missing?: string[] | null) => Attempt,
): Promise<Attempt> {
  const { app, campaign, connector } = ctx;
  const tz = app.timezone;
  const messageId = m.messageId;
  const phone = parsePhone(recipient.phone);
  if (!phone.ok) return notSent("INVALID_NUMBER", null);
  const attributes = recipient.attributes ?? {};
  const rendered = render(job.message, attributes);
  if (!rendered.ok) return notSent("PERSONALIZATION_FAILED", null, rendered.missing);

  let text = rendered.text;
  let webhook: string;
  try {
    webhook = await connectorWebhookUrl(connector);
    if (campaign.clickTracking) {
      const base = process.env.PUBLIC_BASE_URL ?? "";
      const short = shortenUrls(text, base);
      text = short.text;
      await putLinks(
        short.links.map((l) => ({
          ...l,
          appId: m.appId,
          campaignId: m.campaignId,
          instanceId: m.instanceId,
          userId: m.userId,
          messageId,
          country: phone.country,
          provider: m.provider,
          expiresAt: sentAt + LINK_LIFETIME_MS,
        })),
      );
    }
  } catch (cause) {
    throw new BeforeProviderCallError("could not prepare the message", { cause });
  }

  const provider = connector.provider as ProviderName;
  const config = (connector as unknown as Record<string, unknown>)[provider] as never;
  const outcome = await sendWith(
    provider,
    config,
    { messageId, phoneE164: phone.e164, text, userId: recipient.userId, attributes },
    { webhookUrl: webhook, timeoutMs: connector.timeoutMs },
  );

  if (outcome.kind === "failed") {
    return notSent(
      outcome.reason,
      outcome.reason === "PROVIDER_ERROR" ? outcome.code : null,
      outcome.missing ?? null,
    );
  }
  if (outcome.kind === "unknown") {
    return {
      record: m,
      status: "OUTCOME_UNKNOWN",
      fact: transitionFact(
        m,
        { status: "OUTCOME_UNKNOWN", sentAt, country: phone.country, notSentReason: "SEND_OUTCOME_UNKNOWN" },
        sendOutcomeDeltas(counted(m, sentAt, phone.country), { status: "OUTCOME_UNKNOWN" }, tz),
      ),
    };
  }
  if (outcome.providerMessageId) await putProviderRef(m, outcome.providerMessageId);
  const status = m.tracked ? "SENT" : "UNTRACKED";
  return {
    record: { ...m, status, sentAt, country: phone.country },
    status,
    fact: transitionFact(
      m,
      { status, sentAt, country: phone.country, providerMessageId: outcome.providerMessageId ?? null },
      sendOutcomeDeltas(counted(m, sentAt, phone.country), { status }, tz),
    ),
  };
}

/**
 * Sends one job: each recipient at most once, then records every outcome exactly once through the
 * counting core. Returns false when some recipients must be retried later (the job is redelivered;
 * recipients already decided are skipped then).
 */
export async function runSendJob(
  ctx: CampaignContext,
  job: SendJob,
  lambdaContext: Pick<Context, "getRemainingTimeInMillis"> | undefined,
  now: () => number,
): Promise<boolean> {
  const attempts: Attempt[] = [];
  let complete = true;
  const reserveMs = ctx.connector.timeoutMs + 15_000;
  try {
    await forEachLimit(job.recipients, PARALLEL_SENDS, async (recipient) => {
      if (lambdaContext && lambdaContext.getRemainingTimeInMillis() < reserveMs) {
        complete = false; // stop before the function times out; the redelivery picks up the rest
        return;
      }
      const attempt = await sendOne(ctx, job, recipient, now);
      if (attempt === "retry-later") complete = false;
      else if (attempt) attempts.push(attempt);
    });
  } finally {
    // Record what was sent even if a later recipient failed: an unrecorded send becomes "outcome unknown".
    if (attempts.length > 0) await recordFacts(attempts.map((a) => a.fact));
  }
  const untracked = attempts.filter((a) => a.status === "UNTRACKED").map((a) => a.record);
  if (untracked.length > 0) await openWindowsFor(ctx, untracked, now());
  return complete;
}
