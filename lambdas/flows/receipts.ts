import { type Delta, receiptDeltas } from "../domain/message-counters.js";
import { decideReceipt, failureCode, type MessageSnapshot, receiptTime } from "../domain/message-state.js";
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
): { fact: Fact | null; notReady: boolean; delivered: boolean } {
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
  return { fact, notReady, delivered: state.status === "DELIVERED" };
}

const connectorCache = new Map<string, Promise<ConnectorRecord | undefined>>();
function connectorOf(appId: string, connectorId: string): Promise<ConnectorRecord | undefined> {
  const key = `${appId}\n${connectorId}`;
  let c = connectorCache.get(key);
  if (!c) {
    c = getConnector(appId, connectorId);
    connectorCache.set(key, c);
    setTimeout(() => connectorCache.delete(key), 30_000).unref();
  }
  return c;
}

const MAX_ROUNDS = 5;

/**
 * Applies a batch of raw receipts exactly once. Returns the record ids to retry: receipts whose
 * message is not known or not sent yet (until they have been received PARK_AFTER_RECEIVES times,
 * then they are parked). Unparseable receipts are parked at once with the reason.
 */
export async function applyReceipts(jobs: ReceiptJob[], now: () => number): Promise<Set<string>> {
  const retry = new Set<string>();
  const matched: Matched[] = [];
  const retryOrPark = async (job: ReceiptJob, reason: string): Promise<void> => {
    if (job.receiveCount >= PARK_AFTER_RECEIVES) {
      await parkReceipt({ id: job.raw.id, appId: job.raw.appId, reason, parkedAt: now(), receipt: job.raw });
    } else retry.add(job.recordId);
  };

  const parsed: Array<{ job: ReceiptJob; receipts: NormalizedReceipt[] }> = [];
  for (const job of jobs) {
    const { raw } = job;
    const connector = await connectorOf(raw.appId, raw.connectorId);
    let receipts: NormalizedReceipt[];
    try {
      if (!connector) throw new ReceiptParseError(`connector ${raw.connectorId} no longer exists`);
      const custom = connector.provider === "custom" ? connector.custom : undefined;
      receipts = parseReceiptsFor(raw.provider, raw.request, custom).receipts;
    } catch (e) {
      if (!(e instanceof ReceiptParseError)) throw e;
      await parkReceipt({
        id: raw.id,
        appId: raw.appId,
        reason: `unparseable: ${e.message}`,
        parkedAt: now(),
        receipt: raw,
      });
      continue;
    }
    parsed.push({ job, receipts });
  }

  // Provider ids of the whole batch in one consistent batch read (per app).
  const providerRefs = new Map<string, string>();
  const wanted = new Map<string, Array<{ connectorId: string; providerMessageId: string }>>();
  for (const { job, receipts } of parsed) {
    for (const r of receipts) {
      for (const ref of [r.ref, r.fallbackRef]) {
        if (ref?.kind !== "provider") continue;
        const list = wanted.get(job.raw.appId) ?? [];
        list.push({ connectorId: job.raw.connectorId, providerMessageId: ref.providerMessageId });
        wanted.set(job.raw.appId, list);
      }
    }
  }
  for (const [app, refs] of wanted) {
    for (const [k, v] of await findByProviderRefs(app, refs)) providerRefs.set(k, v);
  }

  for (const { job, receipts } of parsed) {
    const { raw } = job;
    // Our reference can name no message (a custom provider may put its own id in the mapped field):
    // then the fallback decides. One batch read per request, only for receipts that have a fallback.
    const oursWithFallback = receipts.flatMap((r) =>
      r.ref.kind === "ours" && r.fallbackRef ? [r.ref.messageId] : [],
    );
    const known = oursWithFallback.length > 0 ? await getMessages(raw.appId, oursWithFallback) : null;
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

  let pendingIds = [...new Set(matched.map((x) => x.messageId))];
  const appId = jobs[0]?.raw.appId;
  const delivered = new Map<string, MessageRecord>();
  for (let round = 0; pendingIds.length > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`receipts kept racing on ${pendingIds.length} messages`);
    const byApp = new Map<string, string[]>();
    for (const x of matched) {
      if (!pendingIds.includes(x.messageId)) continue;
      byApp.set(x.job.raw.appId, [...(byApp.get(x.job.raw.appId) ?? []), x.messageId]);
    }
    const facts: Fact[] = [];
    const factMessage = new Map<string, MessageRecord>();
    for (const [app, ids] of byApp) {
      const messages = await getMessages(app, ids);
      for (const id of new Set(ids)) {
        const mine = matched.filter((x) => x.messageId === id && x.job.raw.appId === app);
        const m = messages.get(id);
        if (!m) {
          for (const x of mine) await retryOrPark(x.job, "receipt refers to an unknown message");
          continue;
        }
        const ctx: CampaignContext | null = await campaignContext(app, m.campaignId, now());
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
          factMessage.set(plan.fact.id, m);
        } else if (plan.delivered) delivered.set(id, m);
      }
    }
    const result = await recordFacts(facts);
    for (const id of result.applied) {
      const m = factMessage.get(id);
      if (m) delivered.set(m.messageId, m);
    }
    pendingIds = result.rejected.map((id) => factMessage.get(id)?.messageId).filter((x): x is string => !!x);
  }

  // Windows: attribute events already kept (also after a crash that recorded the delivery but not this step).
  if (appId !== undefined && delivered.size > 0) {
    const fresh = await getMessages(appId, [...delivered.keys()]);
    const byCampaign = new Map<string, MessageRecord[]>();
    for (const m of fresh.values()) {
      if (m.status !== "DELIVERED") continue;
      byCampaign.set(`${m.appId}\n${m.campaignId}`, [
        ...(byCampaign.get(`${m.appId}\n${m.campaignId}`) ?? []),
        m,
      ]);
    }
    for (const list of byCampaign.values()) {
      const first = list[0] as MessageRecord;
      const ctx = await campaignContext(first.appId, first.campaignId, now());
      if (ctx) await openWindowsFor(ctx, list, now());
    }
  }
  return retry;
}
