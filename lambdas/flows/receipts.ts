import { type Delta, receiptDeltas } from "../domain/message-counters.js";
import { decideReceipt, failureCode, type MessageSnapshot, receiptTime } from "../domain/message-state.js";
import { TtlCache } from "../platform/ttl-cache.js";
import {
  type NormalizedReceipt,
  type ProviderName,
  parseReceiptsFor,
  ReceiptParseError,
  type ReceiptRef,
  type ReceiptRequest,
} from "../providers/index.js";
import { type CampaignContext, campaignContext } from "../store/campaign-context.js";
import { type ConnectorRecord, getConnector } from "../store/connectors.js";
import { type Fact, recordFacts } from "../store/facts.js";
import { findByProviderRefs, getMessages, type MessageRecord, transitionFact } from "../store/messages.js";
import { parkReceipt } from "../store/parked.js";
import { openWindowsFor } from "./attribution.js";

/** What the webhook puts on the receipts queue: the authenticated request, unparsed. */
export interface RawReceipt {
  id: string;
  appId: string;
  connectorId: string;
  provider: ProviderName;
  receivedAt: number;
  request: ReceiptRequest;
}

/** A receipt that matches nothing yet is retried (its send may still be landing), then parked. */
export const PARK_AFTER_RECEIVES = 6;

/**
 * Backoff before the next try of a receipt that matched nothing yet: 1, 2, 4, 8, 16 minutes after its
 * 1st…5th receive (about half an hour in all), then it is parked.
 */
export function receiptRetryDelaySeconds(receiveCount: number): number {
  return 60 * 2 ** Math.max(0, receiveCount - 1);
}

export interface ReceiptJob {
  recordId: string;
  receiveCount: number;
  raw: RawReceipt;
}

interface Matched {
  job: ReceiptJob;
  receipt: NormalizedReceipt;
  messageId: string;
}

/** The message a reference names, given the provider ids already looked up for the batch. */
function resolve(connectorId: string, ref: ReceiptRef, providerRefs: Map<string, string>): string | null {
  return ref.kind === "ours"
    ? ref.messageId
    : (providerRefs.get(`${connectorId}\n${ref.providerMessageId}`) ?? null);
}

function snapshot(m: MessageRecord): MessageSnapshot {
  return {
    status: m.status,
    sentAt: m.sentAt,
    failedAt: m.failedAt,
    failCode: m.failCode,
    failDescription: m.failDescription,
  };
}

/**
 * Folds one message's receipts, in arrival order, through the state machine; one fact carries the net
 * change. `not-ready` when the message's send is not recorded yet.
 */
function planMessage(
  m: MessageRecord,
  receipts: Array<{ receipt: NormalizedReceipt; arrivedAt: number }>,
  tz: string,
): { fact: Fact | null; notReady: boolean; next: MessageRecord } {
  let state = snapshot(m);
  const changes: Partial<MessageRecord> = {};
  const deltas: Delta[] = [];
  let notReady = false;
  for (const { receipt, arrivedAt } of receipts) {
    const at = receiptTime(receipt.operatorTimeMs, arrivedAt, state.sentAt);
    const input = { status: receipt.status, code: receipt.code, description: receipt.description, atMs: at };
    const decision = decideReceipt(state, input);
    if (decision.kind === "not-ready") {
      notReady = true;
      continue;
    }
    if (decision.kind === "noop") continue;
    const failure = decision.to === "FAILED" ? failureCode(input) : null;
    const counted = {
      provider: m.provider,
      country: m.country,
      sentAt: state.sentAt ?? at,
      windowHours: m.windowHours,
      failedAt: state.failedAt,
      failCode: state.failCode,
      failDescription: state.failDescription,
    };
    deltas.push(...receiptDeltas(counted, decision.from, decision.to, at, failure, tz));
    const next: Partial<MessageRecord> = { status: decision.to };
    if (decision.provedSent) Object.assign(next, { notSentReason: null });
    if (decision.to === "DELIVERED") Object.assign(next, { deliveredAt: at });
    if (decision.to === "FAILED") {
      Object.assign(next, {
        failedAt: at,
        failCode: failure?.code ?? null,
        failDescription: failure?.description ?? null,
      });
    }
    Object.assign(changes, next);
    state = { ...state, ...(next as Partial<MessageSnapshot>) };
  }
  const fact = Object.keys(changes).length > 0 ? transitionFact(m, changes, deltas) : null;
  return { fact, notReady, next: { ...m, ...changes, version: fact ? m.version + 1 : m.version } };
}

const connectors = new TtlCache<ConnectorRecord | undefined>();
function connectorOf(appId: string, connectorId: string, now: number): Promise<ConnectorRecord | undefined> {
  return connectors.get(`${appId}\n${connectorId}`, now, () => getConnector(appId, connectorId));
}

const MAX_ROUNDS = 5;

/**
 * Applies a batch of raw receipts exactly once. Returns the record ids to retry: receipts whose
 * message is not known or not sent yet (until they have been received PARK_AFTER_RECEIVES times,
 * then they are parked). Unparseable receipts are parked at once with the reason.
 */
export async function applyReceipts(
  appId: string,
  jobs: ReceiptJob[],
  now: () => number,
): Promise<Set<string>> {
  const retry = new Set<string>();
  const matched: Matched[] = [];
  const retryOrPark = async (job: ReceiptJob, reason: string): Promise<void> => {
    if (job.receiveCount >= PARK_AFTER_RECEIVES) {
      await parkReceipt({ id: job.raw.id, appId, reason, parkedAt: now(), receipt: job.raw });
    } else retry.add(job.recordId);
  };

  const parsed: Array<{ job: ReceiptJob; receipts: NormalizedReceipt[] }> = [];
  for (const job of jobs) {
    const { raw } = job;
    const connector = await connectorOf(appId, raw.connectorId, now());
    let receipts: NormalizedReceipt[];
    try {
      if (!connector) throw new ReceiptParseError(`connector ${raw.connectorId} no longer exists`);
      const custom = connector.provider === "custom" ? connector.custom : undefined;
      receipts = parseReceiptsFor(raw.provider, raw.request, custom).receipts;
    } catch (e) {
      if (!(e instanceof ReceiptParseError)) throw e;
      await parkReceipt({
        id: raw.id,
        appId,
        reason: `unparseable: ${e.message}`,
        parkedAt: now(),
        receipt: raw,
      });
      continue;
    }
    parsed.push({ job, receipts });
  }

  // Provider ids of the whole batch in one consistent batch read.
  const providerRefs = await findByProviderRefs(
    appId,
    parsed.flatMap(({ job, receipts }) =>
      receipts.flatMap((r) =>
        [r.ref, r.fallbackRef].flatMap((ref) =>
          ref?.kind === "provider"
            ? [{ connectorId: job.raw.connectorId, providerMessageId: ref.providerMessageId }]
            : [],
        ),
      ),
    ),
  );

  for (const { job, receipts } of parsed) {
    const { raw } = job;
    // Our reference can name no message (a custom provider may put its own id in the mapped field):
    // then the fallback decides. One batch read per request, only for receipts that have a fallback.
    const oursWithFallback = receipts.flatMap((r) =>
      r.ref.kind === "ours" && r.fallbackRef ? [r.ref.messageId] : [],
    );
    const known = oursWithFallback.length > 0 ? await getMessages(appId, oursWithFallback) : null;
    let unmatched = 0;
    for (const receipt of receipts) {
      let messageId = resolve(raw.connectorId, receipt.ref, providerRefs);
      if (messageId && known && receipt.fallbackRef && !known.has(messageId)) messageId = null;
      if (!messageId && receipt.fallbackRef)
        messageId = resolve(raw.connectorId, receipt.fallbackRef, providerRefs);
      if (messageId) matched.push({ job, receipt, messageId });
      else unmatched++;
    }
    if (unmatched > 0) await retryOrPark(job, `${unmatched} receipt(s) match no sent message`);
  }

  let pending = new Set(matched.map((x) => x.messageId));
  /** Messages delivered as they now stand (no second read): their windows look for kept events. */
  const delivered = new Map<string, MessageRecord>();
  for (let round = 0; pending.size > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`receipts kept racing on ${pending.size} messages`);
    const messages = await getMessages(appId, [...pending]);
    const facts: Fact[] = [];
    const applies = new Map<string, MessageRecord>();
    for (const id of pending) {
      const mine = matched.filter((x) => x.messageId === id);
      const m = messages.get(id);
      if (!m) {
        for (const x of mine) await retryOrPark(x.job, "receipt refers to an unknown message");
        continue;
      }
      const ctx: CampaignContext | null = await campaignContext(appId, m.campaignId, now());
      if (!ctx) {
        for (const x of mine) await retryOrPark(x.job, "the message's campaign no longer exists");
        continue;
      }
      const plan = planMessage(
        m,
        mine.map((x) => ({ receipt: x.receipt, arrivedAt: x.job.raw.receivedAt })),
        ctx.app.timezone,
      );
      if (plan.notReady)
        for (const x of mine) await retryOrPark(x.job, "the message's send is not recorded yet");
      if (plan.fact) {
        facts.push(plan.fact);
        applies.set(plan.fact.id, plan.next);
      } else if (plan.next.status === "DELIVERED") delivered.set(id, plan.next);
    }
    const result = await recordFacts(facts);
    for (const id of result.applied) {
      const next = applies.get(id);
      if (next?.status === "DELIVERED") delivered.set(next.messageId, next);
    }
    pending = new Set(result.rejected.flatMap((id) => applies.get(id)?.messageId ?? []));
  }

  // Windows: attribute events already kept (also after a crash that recorded the delivery but not this step).
  const byCampaign = new Map<string, MessageRecord[]>();
  for (const m of delivered.values())
    byCampaign.set(m.campaignId, [...(byCampaign.get(m.campaignId) ?? []), m]);
  for (const [campaignId, list] of byCampaign) {
    const ctx = await campaignContext(appId, campaignId, now());
    if (ctx) await openWindowsFor(ctx, list, now());
  }
  return retry;
}
