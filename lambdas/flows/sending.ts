import type { Context } from "aws-lambda";
import { billingOf, type MessageBilling } from "../domain/cost.js";
import { CODE_LENGTH, LINK_LIFETIME_MS, type LinkPrefix, newLinkCode, shortenUrls } from "../domain/links.js";
import { messageIdFor } from "../domain/message-id.js";
import { type MessageRecord, type SendResult, sendOutcome } from "../domain/message-state.js";
import { parsePhone } from "../domain/phone.js";
import { RateLimiter } from "../domain/rate-limit.js";
import { render } from "../domain/template.js";
import { forEachLimit } from "../platform/concurrency.js";
import { logger } from "../platform/logger.js";
import { TtlCache } from "../platform/ttl-cache.js";
import { sendWith } from "../providers/index.js";
import type { BatchOutcome, Received } from "../queue/batch.js";
import type { SendJob } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import { type CampaignContext, campaignContext, connectorById } from "../store/campaign-context.js";
import type { ConnectorRecord } from "../store/connectors.js";
import { writeFact } from "../store/facts.js";
import { linkPrefixOf, putLinks } from "../store/links.js";
import { markSending, messageWrite, putProviderRef, releaseSending } from "../store/messages.js";
import { putInboxMessage } from "../store/sandbox-inbox.js";
import { queues } from "../topology/queues.js";
import { openWindows } from "./attribution.js";
import { scheduleSandboxReceipts } from "./sandbox-receipts.js";
import { connectorWebhookUrl } from "./webhook-urls.js";

/**
 * Sending: each recipient of a job at most once. A worker first moves the message QUEUED → SENDING
 * (the at-most-once claim), then prepares links and calls the provider, then records the outcome with
 * one conditional write. A job redelivered after a crash finds every recipient already decided (and
 * re-drives the window of those sent without tracking), or one cut off mid-call: that one is decided
 * SEND_OUTCOME_UNKNOWN once the connector's timeout + 2 minutes have passed since the call began —
 * the job comes back exactly then — and never sent again.
 */

export const SEND_CHUNK = 50;
/**
 * Recipients of one job sent in parallel (under the connector's rate limit, which decides the pace):
 * enough calls in flight for 2 workers to reach ~100 SMS/s at 300 ms provider latency (docs/scale.md).
 */
const PARALLEL_SENDS = 16;
/** A SENDING mark older than the connector's timeout plus this was cut off mid-call. */
const CUT_OFF_MARGIN_MS = 120_000;

/**
 * The connector's rate is shared by at most `maxConcurrency` send workers at once (the SQS event
 * source's limit), so each worker takes its share.
 */
const WORKERS = queues.sends.maxConcurrency ?? 1;
const limiters = new Map<string, RateLimiter>();
/** Each instance's link prefix, per container (it never changes once set). */
const linkPrefixes = new TtlCache<LinkPrefix>(3_600_000);
function limiterFor(appId: string, connector: ConnectorRecord): RateLimiter {
  const key = `${appId}\n${connector.connectorId}\n${connector.sendRatePerSecond}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter(connector.sendRatePerSecond / WORKERS);
    limiters.set(key, limiter);
  }
  return limiter;
}

type Recipient = SendJob["recipients"][number];

/** What happened to one recipient in this run. */
type Step =
  | { kind: "recorded"; record: MessageRecord }
  | { kind: "decided"; record: MessageRecord | null }
  | { kind: "later"; atMs: number };

class BeforeProviderCallError extends Error {
  override name = "BeforeProviderCallError";
}

/** The text a message is sent: its variant's, or the job's plain message; undefined when the job lacks it. */
function variantText(job: SendJob, m: Pick<MessageRecord, "variantId">): string | undefined {
  // A plain message with a control group still names the treated users' variant (`default`).
  return job.variants ? job.variants.find((v) => v.variantId === m.variantId)?.message : job.message;
}

/**
 * `variantText`, or a failure before the provider call.
 * @throws BeforeProviderCallError when the job lacks the message's variant (a job the sends route never builds)
 */
function textOf(job: SendJob, m: MessageRecord): string {
  const text = variantText(job, m);
  if (text === undefined) {
    const cause = new Error(`send job has no text for variant ${m.variantId ?? "(none)"}`);
    throw new BeforeProviderCallError("could not prepare the message", { cause });
  }
  return text;
}

/**
 * Records a send attempt's result on the SENDING message it was read as, with the segments and frozen
 * price of the text the provider was given (`billing`, when it was called and may have sent it). When
 * the write finds the message moved on, the record as it now stands is the result: usually this very
 * outcome, written by an attempt whose answer was lost (a timeout after the write), whose follow-ups
 * (the window of an untracked send) must still run.
 */
async function record(
  m: MessageRecord,
  result: SendResult,
  country: string | null,
  billing?: MessageBilling | null,
): Promise<Step> {
  const next: MessageRecord = {
    ...m,
    ...sendOutcome(m, result, country),
    ...(billing === undefined ? {} : { billing }),
  };
  const r = await writeFact(messageWrite(m, next));
  if (r.written) return { kind: "recorded", record: { ...next, version: m.version + 1 } };
  return { kind: "recorded", record: (r.current as MessageRecord | null) ?? m };
}

/**
 * What the checks made before any provider call refuse, deterministically for a job's recipient: an
 * invalid phone number (INVALID_NUMBER), or a personalisation attribute the message's text uses and the
 * recipient lacks (PERSONALIZATION_FAILED, with the missing names). Null when they pass, or when the
 * text is not known (`undefined`: a job without the message's variant).
 */
function refusedBeforeCall(
  recipient: Recipient,
  text: string | undefined,
): { result: SendResult; country: string | null } | null {
  const phone = parsePhone(recipient.phone);
  if (!phone.ok)
    return { result: { status: "NOT_SENT", reason: "INVALID_NUMBER", code: null }, country: null };
  if (text === undefined) return null;
  const rendered = render(text, recipient.attributes ?? {});
  if (rendered.ok) return null;
  return {
    result: { status: "NOT_SENT", reason: "PERSONALIZATION_FAILED", code: null, missing: rendered.missing },
    country: phone.country,
  };
}

/**
 * The context messages claimed with `connectorId` are sent in: the campaign's, with that connector
 * (a message's `connectorId`, `provider` and `tracked` are its claim's). The campaign may have moved to
 * another connector since (same attribution basis); that one sends the messages claimed after the move.
 * An archived connector still sends what was claimed before its archiving.
 * @throws Error when the connector does not exist (connectors are never deleted); DynamoDB errors
 */
async function claimedContext(
  ctx: CampaignContext,
  connectorId: string,
  now: number,
): Promise<CampaignContext> {
  if (connectorId === ctx.connector.connectorId) return ctx;
  const connector = await connectorById(ctx.app.appId, connectorId, now);
  if (!connector) throw new Error(`connector ${connectorId} does not exist`);
  return { ...ctx, connector };
}

/** Sends to one recipient at most once and records the outcome. */
async function sendOne(
  ctx: CampaignContext,
  job: SendJob,
  recipient: Recipient,
  nowMs: () => number,
): Promise<Step> {
  const messageId = messageIdFor(job.appId, job.campaignId, job.instanceId, recipient.userId);
  // Paced by the job's connector, the one its messages were claimed with (a message claimed by an
  // earlier request, before a connector switch, also waits for its own connector's token, below).
  await limiterFor(ctx.app.appId, ctx.connector).take();
  const claim = await markSending(job.appId, messageId, nowMs());
  if (!claim.won) {
    const existing = claim.record;
    if (existing?.status !== "SENDING") return { kind: "decided", record: existing };
    // The checks before the provider call are deterministic: a recipient who fails them was never
    // sent, whatever cut the claiming worker off (SPEC §3: SEND_OUTCOME_UNKNOWN means the provider was called).
    const refused = refusedBeforeCall(recipient, variantText(job, existing));
    if (refused) return record(existing, refused.result, refused.country);
    const sentCtx = await claimedContext(ctx, existing.connectorId, nowMs());
    const cutOffAt = (existing.sendingAt ?? 0) + sentCtx.connector.timeoutMs + CUT_OFF_MARGIN_MS;
    if (nowMs() < cutOffAt) return { kind: "later", atMs: cutOffAt };
    const phone = parsePhone(recipient.phone);
    const country = phone.ok ? phone.country : existing.country;
    return record(
      existing,
      { status: "OUTCOME_UNKNOWN" },
      country,
      rebuiltBilling(sentCtx, job, existing, recipient, country),
    );
  }
  const m = claim.record;
  let sentCtx: CampaignContext;
  try {
    sentCtx = await claimedContext(ctx, m.connectorId, nowMs());
  } catch (cause) {
    await releaseSending(m);
    throw cause;
  }
  if (sentCtx !== ctx) await limiterFor(ctx.app.appId, sentCtx.connector).take();
  try {
    return await sendClaimed(sentCtx, job, recipient, m, nowMs);
  } catch (e) {
    // Failed before the provider was called (e.g. storing links): give the recipient back to the queue.
    if (e instanceof BeforeProviderCallError) {
      await releaseSending(m);
      throw e.cause;
    }
    throw e;
  }
}

/**
 * The billing of a message cut off mid-call (its text was not kept), from its text rebuilt the way it
 * was sent: personalised the same way, each URL replaced by a short link of the same length (every code
 * is CODE_LENGTH letters and digits, one GSM-7 septet each), so the segments are those of the text the
 * provider was given. Priced with the connector's pricing now (within the campaign cache's 30 s of the
 * call). Null when the text cannot be rebuilt (it then was never sent).
 */
function rebuiltBilling(
  ctx: CampaignContext,
  job: SendJob,
  m: MessageRecord,
  recipient: Recipient,
  country: string | null,
): MessageBilling | null {
  const source = variantText(job, m);
  if (source === undefined) return null;
  const rendered = render(source, recipient.attributes ?? {});
  if (!rendered.ok) return null;
  const text = ctx.campaign.clickTracking
    ? shortenUrls(rendered.text, process.env.PUBLIC_BASE_URL ?? "", () => "0".repeat(CODE_LENGTH)).text
    : rendered.text;
  return billingOf(text, ctx.connector.pricing, country);
}

async function sendClaimed(
  ctx: CampaignContext,
  job: SendJob,
  recipient: Recipient,
  m: MessageRecord,
  nowMs: () => number,
): Promise<Step> {
  const { campaign, connector } = ctx;
  const phone = parsePhone(recipient.phone);
  if (!phone.ok) return record(m, { status: "NOT_SENT", reason: "INVALID_NUMBER", code: null }, null);
  const attributes = recipient.attributes ?? {};
  const rendered = render(textOf(job, m), attributes);
  if (!rendered.ok) {
    return record(
      m,
      { status: "NOT_SENT", reason: "PERSONALIZATION_FAILED", code: null, missing: rendered.missing },
      phone.country,
    );
  }

  let text = rendered.text;
  let webhook: string;
  const sentAt = m.sendingAt ?? m.queuedAt;
  try {
    webhook = await connectorWebhookUrl(connector);
    if (campaign.clickTracking) {
      const prefix = await linkPrefixes.get(`${m.appId}\n${m.campaignId}\n${m.instanceId}`, nowMs(), () =>
        linkPrefixOf(m.appId, m.campaignId, m.instanceId),
      );
      const short = shortenUrls(text, process.env.PUBLIC_BASE_URL ?? "", () => newLinkCode(prefix));
      text = short.text;
      await putLinks(
        short.links.map((l) => ({
          ...l,
          appId: m.appId,
          campaignId: m.campaignId,
          instanceId: m.instanceId,
          userId: m.userId,
          messageId: m.messageId,
          country: phone.country,
          provider: m.provider,
          variantId: m.variantId ?? null,
          expiresAt: sentAt + LINK_LIFETIME_MS,
        })),
      );
    }
  } catch (cause) {
    throw new BeforeProviderCallError("could not prepare the message", { cause });
  }
  // Segments of the final text and the price now: what this message costs if the provider takes it.
  const billing = billingOf(text, connector.pricing, phone.country);

  const outcome = await sendWith(
    connector,
    { messageId: m.messageId, phoneE164: phone.e164, text, userId: recipient.userId, attributes },
    {
      webhookUrl: webhook,
      timeoutMs: connector.timeoutMs,
      nowMs: nowMs(),
      // The sandbox connector's way to answer later through our own webhook (flows/sandbox-receipts).
      scheduleReceipts: (receipts) => scheduleSandboxReceipts(connector.connectorId, webhook, receipts),
      // …and its simulated phone, where the delivered message's links can be tapped (flows/sandbox-inbox).
      deliverToHandset: (h) =>
        putInboxMessage({
          appId: m.appId,
          connectorId: connector.connectorId,
          campaignId: m.campaignId,
          instanceId: m.instanceId,
          userId: m.userId,
          messageId: h.messageId,
          phone: h.phoneE164,
          text: h.text,
          deliveredAt: h.deliveredAtMs,
        }),
    },
  );
  if (outcome.kind === "failed") {
    return record(
      m,
      {
        status: "NOT_SENT",
        reason: outcome.reason,
        code: outcome.reason === "PROVIDER_ERROR" ? outcome.code : null,
        missing: outcome.missing ?? null,
      },
      phone.country,
    );
  }
  if (outcome.kind === "unknown") return record(m, { status: "OUTCOME_UNKNOWN" }, phone.country, billing);
  // The index first: a receipt may arrive as soon as the provider has the message.
  if (outcome.providerMessageId) await putProviderRef(m, outcome.providerMessageId);
  return record(
    m,
    { status: "SENT", providerMessageId: outcome.providerMessageId ?? null },
    phone.country,
    billing,
  );
}

export interface SendJobResult {
  /** False when some recipients must be tried again (the job is redelivered). */
  complete: boolean;
  /** When the job should come back (epoch ms), if a recipient was cut off mid-call recently. */
  retryAtMs: number | null;
  counts: { sent: number; notSent: number; unknown: number; alreadyDecided: number };
}

/**
 * Sends one job: each recipient at most once, each outcome recorded as soon as it is known, then the
 * windows of messages sent without delivery tracking (new ones; on a redelivered job also those a
 * crash may have left opened but not counted).
 * @throws DynamoDB errors; the job is redelivered and resumes where it stopped
 */
export async function runSendJob(
  ctx: CampaignContext,
  job: SendJob,
  lambdaContext: Pick<Context, "getRemainingTimeInMillis"> | undefined,
  nowMs: () => number,
  options: { redelivered?: boolean } = {},
): Promise<SendJobResult> {
  const result: SendJobResult = {
    complete: true,
    retryAtMs: null,
    counts: { sent: 0, notSent: 0, unknown: 0, alreadyDecided: 0 },
  };
  const untracked: MessageRecord[] = [];
  const reserveMs = ctx.connector.timeoutMs + 15_000;
  try {
    await forEachLimit(job.recipients, PARALLEL_SENDS, async (recipient) => {
      if (lambdaContext && lambdaContext.getRemainingTimeInMillis() < reserveMs) {
        result.complete = false; // stop before the function times out; the redelivery picks up the rest
        return;
      }
      const step = await sendOne(ctx, job, recipient, nowMs);
      if (step.kind === "later") {
        result.complete = false;
        result.retryAtMs = Math.max(result.retryAtMs ?? 0, step.atMs);
        return;
      }
      const m = step.record;
      if (step.kind === "decided") result.counts.alreadyDecided++;
      else if (m?.status === "NOT_SENT") result.counts.notSent++;
      else if (m?.status === "OUTCOME_UNKNOWN") result.counts.unknown++;
      else result.counts.sent++;
      if (m?.status === "UNTRACKED") untracked.push(m);
    });
  } finally {
    if (untracked.length > 0)
      await openWindows(ctx, untracked, nowMs(), { redrive: options.redelivered === true });
  }
  return result;
}

/**
 * The send worker's batch: each job in turn; a job cut off by a recipient whose call was interrupted
 * comes back exactly when that recipient can be decided, one stopped by the function's time budget at
 * once (SQS ChangeMessageVisibility), failed ones with the queue's own visibility timeout.
 * @throws nothing for a job's own failures (that job is retried); the batch helper handles the rest
 */
export async function sendJobs(
  jobs: readonly Received<SendJob>[],
  lambdaContext: Pick<Context, "getRemainingTimeInMillis"> | undefined,
  nowMs: () => number,
): Promise<BatchOutcome> {
  const retry: string[] = [];
  const counts = { jobs: jobs.length, sent: 0, notSent: 0, unknown: 0, alreadyDecided: 0 };
  for (const { recordId, receiptHandle, receiveCount, body: job } of jobs) {
    try {
      const campaign = await campaignContext(job.appId, job.campaignId, nowMs());
      if (!campaign) {
        logger.error("send job for a missing campaign or connector", {
          recordId,
          campaignId: job.campaignId,
        });
        retry.push(recordId);
        continue;
      }
      // The connector the job's messages were claimed with: it paces, times and sends them.
      const ctx = await claimedContext(campaign, job.connectorId ?? campaign.connector.connectorId, nowMs());
      const result = await runSendJob(ctx, job, lambdaContext, nowMs, {
        redelivered: receiveCount > 1,
      });
      for (const k of ["sent", "notSent", "unknown", "alreadyDecided"] as const)
        counts[k] += result.counts[k];
      if (result.complete) continue;
      retry.push(recordId);
      // A recipient cut off mid-call: back when it can be decided. A job stopped because the function's
      // time ran out: back at once (its rest is ready now; the visibility timeout would idle 12 minutes).
      const seconds =
        result.retryAtMs === null ? 0 : Math.max(1, Math.ceil((result.retryAtMs - nowMs()) / 1000));
      await queue()
        .retryAfter?.("sends", receiptHandle, seconds)
        .catch((e: unknown) => logger.warn("could not delay a send job's retry", { error: e as Error }));
    } catch (e) {
      logger.error("send job failed; it is retried", { recordId, error: e as Error });
      retry.push(recordId);
    }
  }
  return { retry, counts };
}
