import {
  type AppEvent,
  type Attribution,
  type AttributionCampaign,
  attributeEvent,
  attributeToWindow,
  type CountedFor,
  countedKey,
  KEEP_EVENTS_MS,
  type KeptEvent,
  nextFirsts,
  type WindowRecord,
  windowEnd,
} from "../domain/attribution.js";
import { armOf, type MessageRecord, windowStart } from "../domain/message-state.js";
import { forEachLimit } from "../platform/concurrency.js";
import { TtlCache } from "../platform/ttl-cache.js";
import { type CampaignContext, campaignContext } from "../store/campaign-context.js";
import { listCampaigns } from "../store/campaigns.js";
import { getKeptEvents, keptEventsBetween, keptEventWrite } from "../store/events.js";
import { writeFact, writeFacts } from "../store/facts.js";
import { getWindows, windowsEndingAfter, windowWrite, writeWindows } from "../store/windows.js";

/**
 * Attribution meets from both sides: an event looks for the user's open windows, and a window that
 * opens (a delivery, or a send without tracking) looks for the user's events already kept. Each side
 * first writes its own item, then reads the other with strongly consistent reads, so whichever comes
 * second sees the first; counting is idempotent, so both seeing each other counts once.
 *
 * The event side reads the windows once before keeping the event (so the common case — the window was
 * already open — costs one write) and once after (to meet a window that opened in between).
 * Every step can be re-run: a redelivered event or a redriven window completes what a crash left.
 */

const PARALLEL = 16;
const MAX_ROUNDS = 6;

function asAttributionCampaign(ctx: CampaignContext): AttributionCampaign {
  return {
    campaignId: ctx.campaign.campaignId,
    goals: ctx.campaign.goals,
    primaryGoalId: ctx.campaign.primaryGoalId,
    revenueGoalId: ctx.campaign.revenueGoalId,
    currency: ctx.app.currency,
  };
}

async function campaignsFor(
  appId: string,
  campaignIds: Iterable<string>,
  nowMs: number,
): Promise<Map<string, AttributionCampaign>> {
  const out = new Map<string, AttributionCampaign>();
  for (const id of new Set(campaignIds)) {
    const ctx = await campaignContext(appId, id, nowMs);
    if (ctx) out.set(id, asAttributionCampaign(ctx));
  }
  return out;
}

/** Event names any goal of the app's campaigns counts, per container for 30 s. */
const goalNames = new TtlCache<Set<string>>();
function goalEventNames(appId: string, nowMs: number): Promise<Set<string>> {
  return goalNames.get(appId, nowMs, async () => {
    const names = new Set<string>();
    for (const c of await listCampaigns(appId)) for (const g of c.goals) names.add(g.eventName);
    return names;
  });
}

/** Adds entries to a kept event until they stick (version CAS, re-read on a lost race). */
async function addCounted(
  event: KeptEvent,
  plan: (current: KeptEvent) => Attribution[],
  nowMs: number,
): Promise<KeptEvent> {
  let current = event;
  for (let round = 0; ; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`kept event ${event.eventId} kept moving`);
    const extra = plan(current);
    if (extra.length === 0) return current;
    const counted: Record<string, CountedFor> = { ...current.counted };
    for (const a of extra) counted[countedKey(a.campaignId, a.goalId)] = a.entry;
    const next: KeptEvent = { ...current, counted, version: current.version + 1 };
    const r = await writeFact(keptEventWrite(current, next, nowMs));
    if (r.written) return next;
    const [fresh] = await getKeptEvents([current]);
    if (!fresh) throw new Error(`kept event ${event.eventId} vanished`);
    current = fresh;
  }
}

/** The user's first conversion per goal in each window, from the events counted for it (re-drivable). */
async function updateFirsts(events: readonly KeptEvent[], nowMs: number): Promise<void> {
  type Entry = { goalId: string; eventId: string; at: number; primary: boolean };
  const byWindow = new Map<string, { ref: Parameters<typeof getWindows>[0][number]; entries: Entry[] }>();
  for (const e of events) {
    for (const [key, c] of Object.entries(e.counted)) {
      const cut = key.lastIndexOf("#");
      const campaignId = key.slice(0, cut);
      const ref = {
        appId: e.appId,
        userId: e.userId,
        endAt: c.windowEndAt,
        campaignId,
        instanceId: c.instanceId,
      };
      const id = `${campaignId}\n${c.instanceId}\n${c.windowEndAt}`;
      const slot = byWindow.get(id) ?? { ref, entries: [] };
      slot.entries.push({ goalId: key.slice(cut + 1), eventId: e.eventId, at: e.at, primary: c.primary });
      byWindow.set(id, slot);
    }
  }
  let pending = [...byWindow.values()];
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`windows kept moving: ${pending.length} left`);
    const windows = new Map(
      (await getWindows(pending.map((p) => p.ref))).map((w) => [
        `${w.campaignId}\n${w.instanceId}\n${w.endAt}`,
        w,
      ]),
    );
    const writes: Array<{ slot: (typeof pending)[number]; write: ReturnType<typeof windowWrite> }> = [];
    for (const slot of pending) {
      const w = windows.get(`${slot.ref.campaignId}\n${slot.ref.instanceId}\n${slot.ref.endAt}`);
      if (!w) continue; // cleaned up long after it closed: nothing left to count
      const firsts = nextFirsts(w, slot.entries);
      if (firsts) writes.push({ slot, write: windowWrite(w, { ...w, firsts }) });
    }
    const results = await writeWindows(writes.map((x) => x.write));
    pending = writes.filter((_, i) => !results[i]?.written).map((x) => x.slot);
  }
  void nowMs;
}

/** An event with the time the events route received it (epoch ms): its arrival for the grace rule. */
export interface ArrivedEvent {
  event: AppEvent;
  receivedAt: number;
}

/**
 * Events arrived (each claimed by this content): keep each with its user and count it for every
 * campaign whose window holds it. Events no goal of the app can ever count are not kept.
 * @throws DynamoDB errors; the whole call can be repeated
 */
export async function attributeEvents(
  appId: string,
  tz: string,
  events: readonly ArrivedEvent[],
  nowMs: number,
): Promise<void> {
  const names = await goalEventNames(appId, nowMs);
  const relevant = events.filter((a) => names.has(a.event.name));
  const byUser = new Map<string, ArrivedEvent[]>();
  for (const a of relevant) byUser.set(a.event.userId, [...(byUser.get(a.event.userId) ?? []), a]);
  await forEachLimit([...byUser], PARALLEL, async ([userId, userEvents]) => {
    const earliest = Math.min(...userEvents.map((a) => a.event.at));
    const before = await windowsEndingAfter(appId, userId, earliest);
    let campaigns = await campaignsFor(
      appId,
      before.map((w) => w.campaignId),
      nowMs,
    );
    const fresh = userEvents.map(({ event: e, receivedAt }): KeptEvent => {
      const counted: Record<string, CountedFor> = {};
      for (const a of attributeEvent(e, before, campaigns, {}, receivedAt))
        counted[countedKey(a.campaignId, a.goalId)] = a.entry;
      return { ...e, appId, tz, counted, keptAt: receivedAt, version: 1 };
    });
    const results = await writeFacts(fresh.map((k) => keptEventWrite(null, k, nowMs)));
    const kept: KeptEvent[] = [];
    for (const [i, k] of fresh.entries()) {
      const r = results[i];
      if (r?.written) kept.push(k);
      else if (r?.current) {
        // A retry: complete what the first attempt may have left out.
        const current = r.current as unknown as KeptEvent;
        kept.push(
          await addCounted(current, (c) => attributeEvent(c, before, campaigns, c.counted, c.keptAt), nowMs),
        );
      }
    }
    // Windows that opened while we wrote: they may have missed the events (see the module comment).
    const after = await windowsEndingAfter(appId, userId, earliest);
    const known = new Set(before.map((w) => `${w.campaignId}\n${w.instanceId}`));
    const added = after.filter((w) => !known.has(`${w.campaignId}\n${w.instanceId}`));
    if (added.length > 0)
      campaigns = await campaignsFor(
        appId,
        after.map((w) => w.campaignId),
        nowMs,
      );
    const final: KeptEvent[] = [];
    for (const k of kept) {
      final.push(
        added.length > 0
          ? await addCounted(
              k,
              (cur) => attributeEvent(cur, after, campaigns, cur.counted, cur.keptAt),
              nowMs,
            )
          : k,
      );
    }
    await updateFirsts(final, nowMs);
  });
}

/**
 * The window a message opened, as a new item: a function of the message alone, so whoever stores it
 * (the transition's writer, a redrive, a duplicate receipt) stores the same item.
 */
export function windowFor(m: MessageRecord): WindowRecord | null {
  const startAt = windowStart(m);
  // A control-group user was never sent: their "send" is the send request (SPEC §2, Experiment).
  const sentAt = m.status === "CONTROL" ? m.queuedAt : m.sentAt;
  if (startAt === null || sentAt === null) return null;
  return {
    appId: m.appId,
    userId: m.userId,
    campaignId: m.campaignId,
    instanceId: m.instanceId,
    messageId: m.messageId,
    tz: m.tz,
    startAt,
    endAt: windowEnd(startAt, m.windowHours),
    sentAt,
    arm: armOf(m),
    firsts: {},
    openedAt: m.windowOpenedAt ?? startAt,
    version: 0,
  };
}

/**
 * Messages whose window is open (delivered, or sent without tracking): store each window that is not
 * stored yet, and count the user's kept events inside it. A window that already exists was opened by
 * an earlier fact, which finished the job — unless that fact's processing was cut off, and then its
 * redelivery comes here with `redrive`, which counts the kept events again (idempotent) for every window.
 * @throws DynamoDB errors; the whole call can be repeated
 */
export async function openWindows(
  ctx: CampaignContext,
  messages: readonly MessageRecord[],
  nowMs: number,
  options: { redrive?: boolean } = {},
): Promise<void> {
  const windows = messages.map(windowFor).filter((w): w is WindowRecord => w !== null);
  if (windows.length === 0) return;
  const id = (w: WindowRecord): string => `${w.userId}\n${w.campaignId}\n${w.instanceId}\n${w.endAt}`;
  const existing = new Map((await getWindows(windows)).map((w) => [id(w), w]));
  const missing = windows.filter((w) => !existing.has(id(w)));
  const results = await writeWindows(missing.map((w) => windowWrite(null, w)));
  const opened = missing.map((w, i) => {
    const r = results[i];
    return r && !r.written && r.current ? (r.current as unknown as WindowRecord) : { ...w, version: 1 };
  });
  const toCount = options.redrive ? [...opened, ...existing.values()] : opened;
  const campaign = asAttributionCampaign(ctx);
  await forEachLimit(toCount, PARALLEL, async (w) => {
    const from = Math.max(w.startAt, nowMs - KEEP_EVENTS_MS);
    if (from >= w.endAt) return;
    const events = await keptEventsBetween(w.appId, w.userId, from, w.endAt);
    const counted: KeptEvent[] = [];
    for (const e of events) {
      const wanted = attributeToWindow(w, [e], campaign, nowMs);
      const k =
        wanted.length > 0
          ? await addCounted(e, (cur) => attributeToWindow(w, [cur], campaign, nowMs), nowMs)
          : e;
      counted.push(k);
    }
    await updateFirsts(
      counted.filter((e) => Object.values(e.counted).some((c) => c.instanceId === w.instanceId)),
      nowMs,
    );
  });
}
