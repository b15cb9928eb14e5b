import {
  type AppEvent,
  type Attributed,
  inWindow,
  matchingGoals,
  planConversion,
  windowOf,
} from "../domain/attribution.js";
import { forEachLimit } from "../platform/concurrency.js";
import { type CampaignContext, campaignContext } from "../store/campaign-context.js";
import { type ConversionKey, conversionFact, conversionId, getConversions } from "../store/conversions.js";
import { putUserEvent, userEventsBetween, userMessageIds } from "../store/events.js";
import { type Fact, recordFacts } from "../store/facts.js";
import { getMessages, type MessageRecord } from "../store/messages.js";

/**
 * Attribution meets from both sides: an event looks for the user's open windows, and a window that
 * opens (a delivery, or a send without tracking) looks for the user's events already kept. Each side
 * first writes its own fact, then reads the other with strongly consistent reads, so whichever comes
 * second sees the first; conversions are idempotent, so both seeing each other counts once.
 */

interface Work {
  key: ConversionKey;
  ctx: CampaignContext;
  goalId: string;
  items: Attributed[];
}

/**
 * Attributes events to one campaign given the user's messages of that campaign that opened windows:
 * each event goes to one instance — the one whose window holds it and started last — so it counts
 * once for the campaign however many instances' windows overlap.
 */
function addWork(
  work: Map<string, Work>,
  ctx: CampaignContext,
  messages: MessageRecord[],
  events: AppEvent[],
): void {
  const windows = messages
    .map((m) => ({ m, w: windowOf(m) }))
    .filter((x): x is { m: MessageRecord; w: NonNullable<ReturnType<typeof windowOf>> } => x.w !== null);
  for (const e of events) {
    const holder = windows.filter((x) => inWindow(x.w, e.at)).sort((a, b) => b.w.start - a.w.start)[0];
    if (!holder) continue;
    const m = holder.m;
    for (const goal of matchingGoals(ctx.campaign.goals, e)) {
      const key: ConversionKey = {
        appId: m.appId,
        campaignId: m.campaignId,
        goalId: goal.goalId,
        userId: m.userId,
      };
      const id = conversionId(key);
      const w = work.get(id) ?? { key, ctx, goalId: goal.goalId, items: [] };
      w.items.push({ event: e, instanceId: m.instanceId, sentAt: m.sentAt ?? holder.w.start });
      work.set(id, w);
    }
  }
}

const MAX_ROUNDS = 6;
/** Independent reads and puts of one batch in flight at once. */
const PARALLEL = 16;

/** Records the conversions of the gathered work; re-reads and re-plans those that raced with another writer. */
async function recordConversions(work: Map<string, Work>): Promise<void> {
  let pending = [...work.values()];
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`conversions kept racing: ${pending.length} left`);
    const states = await getConversions(pending.map((w) => w.key));
    const facts: Fact[] = [];
    const byFact = new Map<string, Work>();
    for (const w of pending) {
      const id = conversionId(w.key);
      const state = states.get(id) ?? null;
      const goal = w.ctx.campaign.goals.find((g) => g.goalId === w.goalId);
      if (!goal) continue;
      const plan = planConversion(state, w.items, goal, {
        isPrimary: w.goalId === w.ctx.campaign.primaryGoalId,
        isRevenue: w.goalId === w.ctx.campaign.revenueGoalId,
        tz: w.ctx.app.timezone,
      });
      if (!plan) continue;
      const fact = conversionFact(w.key, state, plan);
      facts.push(fact);
      byFact.set(fact.id, w);
    }
    const result = await recordFacts(facts);
    pending = result.rejected.map((id) => byFact.get(id)).filter((w): w is Work => w !== undefined);
  }
}

/** A window opened (delivery, or send without tracking): attribute the user's events already inside it. */
export async function openWindowsFor(
  ctx: CampaignContext,
  messages: MessageRecord[],
  _now: number,
): Promise<void> {
  const work = new Map<string, Work>();
  await forEachLimit(messages, PARALLEL, async (m) => {
    const window = windowOf(m);
    if (!window) return;
    const events = await userEventsBetween(m.appId, m.userId, window.start, window.end);
    addWork(work, ctx, [m], events);
  });
  await recordConversions(work);
}

/** An event arrived: keep it with its user, then attribute it to every window of theirs it falls in. */
export async function attributeEvents(appId: string, events: AppEvent[], now: number): Promise<void> {
  const work = new Map<string, Work>();
  await forEachLimit(events, PARALLEL, (e) => putUserEvent(appId, e, now));
  const byUser = new Map<string, AppEvent[]>();
  for (const e of events) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
  await forEachLimit([...byUser], PARALLEL, async ([userId, userEvents]) => {
    const messages = await getMessages(appId, await userMessageIds(appId, userId));
    const byCampaign = new Map<string, MessageRecord[]>();
    for (const m of messages.values()) {
      if (windowOf(m)) byCampaign.set(m.campaignId, [...(byCampaign.get(m.campaignId) ?? []), m]);
    }
    for (const [campaignId, campaignMessages] of byCampaign) {
      const ctx = await campaignContext(appId, campaignId, now);
      if (ctx) addWork(work, ctx, campaignMessages, userEvents);
    }
  });
  await recordConversions(work);
}
