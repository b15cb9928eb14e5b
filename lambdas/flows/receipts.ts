import { type ArrivedReceipt, type MessageRecord, planReceipts } from "../domain/message-state.js";
import type { NormalizedReceipt, ReceiptRef } from "../domain/receipts.js";
import { countMetric, logger } from "../platform/logger.js";
import { parseReceiptsFor, ReceiptParseError } from "../providers/index.js";
import type { BatchOutcome, Received } from "../queue/batch.js";
import type { RawReceipt } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import { campaignContext, connectorById } from "../store/campaign-context.js";
import { findByProviderRefs, getMessages, writeMessages } from "../store/messages.js";
import { parkReceipt } from "../store/parked.js";
import { openWindows } from "./attribution.js";

/**
 * Receipts: parse each queued receipt request with its provider's parser, find the message each
 * receipt names, fold a message's receipts into one net transition (one conditional write), and open
 * the conversion window of every message now delivered. Receipts that match no sent message yet are
 * retried with a growing delay (their send may still be landing), then parked for an operator.
 */

/** A receipt that matches nothing yet is retried (its send may still be landing), then parked. */
export const PARK_AFTER_RECEIVES = 6;

/**
 * Backoff before the next try of a receipt that matched nothing yet: 1, 2, 4, 8, 16 minutes after its
 * 1st…5th receive (about half an hour in all), then it is parked.
 */
export function receiptRetryDelaySeconds(receiveCount: number): number {
  return 60 * 2 ** Math.max(0, receiveCount - 1);
}

type Job = Received<RawReceipt>;

interface Matched {
  job: Job;
  receipt: NormalizedReceipt;
  messageId: string;
}

/** The message a reference names, given the provider ids already looked up for the batch. */
function resolve(connectorId: string, ref: ReceiptRef, providerRefs: Map<string, string>): string | null {
  return ref.kind === "ours"
    ? ref.messageId
    : (providerRefs.get(`${connectorId}\n${ref.providerMessageId}`) ?? null);
}

const MAX_ROUNDS = 5;

/**
 * Applies one app's batch of raw receipts exactly once. Returns the record ids to retry: receipts whose
 * message is not known or not sent yet (until they have been received PARK_AFTER_RECEIVES times, then
 * they are parked). Unparseable receipts are parked at once with the reason.
 * @throws DynamoDB errors (the batch is retried; nothing counts twice)
 */
export async function applyReceipts(
  appId: string,
  jobs: readonly Job[],
  now: () => number,
): Promise<BatchOutcome> {
  const retry = new Set<string>();
  const parked = new Set<string>();
  // Per receipt (one request may carry several): receipts read, message changes written, unmatched.
  const counts = { receipts: 0, changed: 0, unmatched: 0 };
  const matched: Matched[] = [];
  const retryOrPark = async (job: Job, reason: string): Promise<void> => {
    if (job.receiveCount >= PARK_AFTER_RECEIVES) {
      await parkReceipt({ id: job.body.id, appId, reason, parkedAt: now(), receipt: job.body });
      parked.add(job.recordId);
    } else retry.add(job.recordId);
  };

  const parsed: Array<{ job: Job; receipts: NormalizedReceipt[] }> = [];
  for (const job of jobs) {
    const raw = job.body;
    const connector = await connectorById(appId, raw.connectorId, now());
    let receipts: NormalizedReceipt[];
    try {
      if (!connector) throw new ReceiptParseError(`connector ${raw.connectorId} no longer exists`);
      receipts = parseReceiptsFor(connector, raw.request).receipts;
    } catch (e) {
      if (!(e instanceof ReceiptParseError)) throw e;
      await parkReceipt({
        id: raw.id,
        appId,
        reason: `unparseable: ${e.message}`,
        parkedAt: now(),
        receipt: raw,
      });
      parked.add(job.recordId);
      continue;
    }
    for (const r of receipts) {
      if (r.unmappedStatus !== undefined) {
        // Not a failure: the message stays in transit. The operator sees which status the mapping lacks.
        logger.warn("receipt status not in the connector's receipt mapping; counted as in transit", {
          appId,
          connectorId: raw.connectorId,
          status: r.unmappedStatus,
        });
        countMetric("UnmappedReceiptStatus");
      }
    }
    counts.receipts += receipts.length;
    parsed.push({ job, receipts });
  }

  // Provider ids of the whole batch in one consistent batch read.
  const providerRefs = await findByProviderRefs(
    appId,
    parsed.flatMap(({ job, receipts }) =>
      receipts.flatMap((r) =>
        [r.ref, r.fallbackRef].flatMap((ref) =>
          ref?.kind === "provider"
            ? [{ connectorId: job.body.connectorId, providerMessageId: ref.providerMessageId }]
            : [],
        ),
      ),
    ),
  );

  for (const { job, receipts } of parsed) {
    const { connectorId } = job.body;
    // Our reference can name no message (a custom provider may put its own id in the mapped field):
    // then the fallback decides. One batch read per request, only for receipts that have a fallback.
    const oursWithFallback = receipts.flatMap((r) =>
      r.ref.kind === "ours" && r.fallbackRef ? [r.ref.messageId] : [],
    );
    const known = oursWithFallback.length > 0 ? await getMessages(appId, oursWithFallback) : null;
    let unmatched = 0;
    for (const receipt of receipts) {
      let messageId = resolve(connectorId, receipt.ref, providerRefs);
      if (messageId && known && receipt.fallbackRef && !known.has(messageId)) messageId = null;
      if (!messageId && receipt.fallbackRef)
        messageId = resolve(connectorId, receipt.fallbackRef, providerRefs);
      if (messageId) matched.push({ job, receipt, messageId });
      else unmatched++;
    }
    if (unmatched > 0) {
      counts.unmatched += unmatched;
      await retryOrPark(job, `${unmatched} receipt(s) match no sent message`);
    }
  }

  let pending = new Set(matched.map((x) => x.messageId));
  /** Messages some redelivered receipt names: their follow-ups are re-driven (a crash may have cut them). */
  const redelivered = new Set(matched.filter((x) => x.job.receiveCount > 1).map((x) => x.messageId));
  /** Messages now delivered or found delivered: their windows are opened (or re-driven). */
  const delivered = new Map<string, MessageRecord>();
  for (let round = 0; pending.size > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`receipts kept racing on ${pending.size} messages`);
    const messages = await getMessages(appId, [...pending]);
    const changes: Array<{ read: MessageRecord; next: MessageRecord }> = [];
    for (const id of pending) {
      const mine = matched.filter((x) => x.messageId === id);
      const m = messages.get(id);
      if (!m) {
        for (const x of mine) await retryOrPark(x.job, "receipt refers to an unknown message");
        continue;
      }
      const arrived: ArrivedReceipt[] = mine.map((x) => ({ ...x.receipt, arrivedAt: x.job.body.receivedAt }));
      const plan = planReceipts(m, arrived);
      if (plan.notReady)
        for (const x of mine) await retryOrPark(x.job, "the message's send is not recorded yet");
      if (plan.changes) changes.push({ read: m, next: { ...m, ...plan.changes } });
      else if (m.status === "DELIVERED") delivered.set(id, m);
    }
    const lost = await writeMessages(changes);
    for (const c of changes) {
      if (lost.has(c.read.messageId)) continue;
      counts.changed++;
      if (c.next.status === "DELIVERED") delivered.set(c.next.messageId, c.next);
    }
    pending = lost;
  }

  // Windows: opened for new deliveries; for messages found delivered, opened if missing and, when a
  // receipt is redelivered, re-driven (a crash may have recorded the delivery but not all that follows).
  const byCampaign = new Map<string, MessageRecord[]>();
  for (const m of delivered.values())
    byCampaign.set(m.campaignId, [...(byCampaign.get(m.campaignId) ?? []), m]);
  for (const [campaignId, list] of byCampaign) {
    const ctx = await campaignContext(appId, campaignId, now());
    if (!ctx) continue;
    const first = list.filter((m) => !redelivered.has(m.messageId));
    const redrive = list.filter((m) => redelivered.has(m.messageId));
    if (first.length > 0) await openWindows(ctx, first, now());
    if (redrive.length > 0) await openWindows(ctx, redrive, now(), { redrive: true });
  }
  return { retry, parked, counts };
}

/**
 * The delivery worker's batch: one app at a time; receipts to retry come back after a growing delay
 * (SQS ChangeMessageVisibility), so a receipt that outran its send is matched once the send lands.
 * @throws nothing for one app's failures (its records are retried)
 */
export async function applyReceiptBatch(jobs: readonly Job[], now: () => number): Promise<BatchOutcome> {
  const byApp = new Map<string, Job[]>();
  for (const j of jobs) byApp.set(j.body.appId, [...(byApp.get(j.body.appId) ?? []), j]);
  const retry = new Set<string>();
  const parked = new Set<string>();
  const counts: Record<string, number> = {};
  for (const [appId, list] of byApp) {
    try {
      const outcome = await applyReceipts(appId, list, now);
      for (const id of outcome.retry) retry.add(id);
      for (const id of outcome.parked ?? []) parked.add(id);
      for (const [k, v] of Object.entries(outcome.counts ?? {})) counts[k] = (counts[k] ?? 0) + v;
    } catch (e) {
      logger.error("receipt batch failed; it is retried", { appId, error: e as Error });
      for (const j of list) retry.add(j.recordId);
    }
  }
  const port = queue();
  for (const j of jobs) {
    if (!retry.has(j.recordId) || !port.retryAfter) continue;
    await port
      .retryAfter("receipts", j.receiptHandle, receiptRetryDelaySeconds(j.receiveCount))
      // The queue's own visibility timeout still brings it back.
      .catch((e: unknown) => logger.warn("could not delay a receipt retry", { error: e as Error }));
  }
  return { retry, parked, counts };
}
