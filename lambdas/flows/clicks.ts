import { type ClickerId, type ClickMessage, planClicks, type TapRecord } from "../domain/clicks.js";
import { type MessageRecord, planTap, windowStart } from "../domain/message-state.js";
import { logger } from "../platform/logger.js";
import { TtlCache } from "../platform/ttl-cache.js";
import type { BatchOutcome, Received } from "../queue/batch.js";
import { getApp } from "../store/apps.js";
import { campaignContext } from "../store/campaign-context.js";
import { clickerKey, clickerWrite, readClickers, recordedTaps, tapWrite } from "../store/clicks.js";
import { type FactWrite, writeFacts, writeFactsTogether } from "../store/facts.js";
import { getMessages, writeMessages } from "../store/messages.js";
import { openWindows } from "./attribution.js";

/**
 * Clicks: counts queued taps exactly once. Taps are grouped by clicker (user × instance). A tap that
 * is the user's earliest (overall or on its URL) goes into the clicker item with a conditional write;
 * any other tap is written as an item of its own. The rare tap that takes a slot from an already stored
 * one moves that one to an item of its own in the same transaction. Ids already recorded count nothing.
 * A tap also proves its message was sent, and a person's tap that it was delivered (`planTap`).
 */

const ROUNDS = 5;

interface Group {
  id: ClickerId;
  /** Taps not yet recorded, by click id (duplicated queue messages collapse here). */
  pending: Map<string, ClickMessage>;
  /** Click id → queue record ids carrying it. */
  carriers: Map<string, string[]>;
}

const zones = new TtlCache<string | null>();
function timezoneOf(appId: string, nowMs: number): Promise<string | null> {
  return zones.get(appId, nowMs, async () => (await getApp(appId))?.timezone ?? null);
}

/**
 * One planning-and-writing round over the groups that still have taps; removes what got recorded.
 * The clicker change goes first (one conditional write, or a transaction when it displaces stored
 * taps), and a group's other taps are written as items of their own only once the clicker version they
 * were planned against is known to stand (its write landed, or the plan changed nothing). Slots only
 * move to earlier taps, so a tap no slot of that version takes can never be taken by a later one.
 * Writing tap items first would race a worker that read the same version and holds one of those taps
 * in the clicker: the tap would be stored twice, counted twice, and the first worker's displacing
 * transaction would fail on that tap item for ever.
 */
async function round(groups: Group[], tz: Map<string, string>): Promise<void> {
  const clickers = await readClickers(groups.map((g) => ({ ...g.id, tz: tz.get(g.id.appId) as string })));
  // The held taps too: one that also has an item of its own (left by the race below, before it was
  // closed) leaves the clicker without a second item (planClicks).
  const held = groups.flatMap((g) => Object.keys(clickers.get(clickerKey(g.id).pk)?.taps ?? {}));
  const known = await recordedTaps([...new Set([...groups.flatMap((g) => [...g.pending.keys()]), ...held])]);
  const plans: Array<{
    group: Group;
    clicker: FactWrite[];
    held: string[];
    taps: TapRecord[];
    expiresAt: number;
  }> = [];
  for (const group of groups) {
    const stored = clickers.get(clickerKey(group.id).pk);
    if (!stored) continue;
    for (const id of group.pending.keys()) {
      if (known.has(id) || Object.hasOwn(stored.taps, id)) group.pending.delete(id);
    }
    if (group.pending.size === 0) continue;
    const taps = [...group.pending.values()];
    const plan = planClicks(stored, taps, known);
    const expiresAt = Math.max(...taps.map((c) => c.expiresAt));
    plans.push({
      group,
      clicker: plan.clicker
        ? [
            ...plan.displaced.map((t) => tapWrite(t, expiresAt)),
            clickerWrite(stored, plan.clicker, expiresAt),
          ]
        : [],
      held: plan.counted.filter((id) => !plan.tapItems.some((t) => t.id === id)),
      taps: plan.tapItems,
      expiresAt,
    });
  }
  const single = plans.filter((p) => p.clicker.length === 1);
  const results = await writeFacts(single.map((p) => p.clicker[0] as FactWrite));
  const standing = plans.filter((p) => p.clicker.length === 0);
  single.forEach((p, i) => {
    if (results[i]?.written) standing.push(p);
  });
  for (const p of plans.filter((p) => p.clicker.length > 1)) {
    if (await writeFactsTogether(p.clicker)) standing.push(p);
  }
  for (const p of standing) for (const id of p.held) p.group.pending.delete(id);
  const tapItems = standing.flatMap((p) => p.taps.map((tap) => ({ ...p, tap })));
  // A tap item that already exists was recorded before: counted either way.
  await writeFacts(tapItems.map((t) => tapWrite(t.tap, t.expiresAt)));
  for (const t of tapItems) t.group.pending.delete(t.tap.id);
}

/**
 * What the taps prove about their messages: each message moves as `planTap` says (one conditional
 * write, re-planned when a receipt moved it meanwhile), and a window it opens is stored and counted.
 * Idempotent; a redelivered tap re-drives the window of a message it finds open (a crash may have cut
 * the first run after the message write).
 * @throws DynamoDB errors (the batch is retried)
 */
async function applyTapProofs(taps: readonly Received<ClickMessage>[], nowMs: number): Promise<void> {
  const byApp = new Map<string, Received<ClickMessage>[]>();
  for (const t of taps)
    if (t.body.messageId) byApp.set(t.body.appId, [...(byApp.get(t.body.appId) ?? []), t]);
  for (const [appId, list] of byApp) {
    const tapsOf = new Map<string, ClickMessage[]>();
    for (const { body } of [...list].sort((a, b) => a.body.at - b.body.at))
      tapsOf.set(body.messageId as string, [...(tapsOf.get(body.messageId as string) ?? []), body]);
    const redelivered = new Set(list.filter((t) => t.receiveCount > 1).map((t) => t.body.messageId));
    const opened: MessageRecord[] = [];
    const redrive: MessageRecord[] = [];
    let pending = new Set(tapsOf.keys());
    for (let r = 0; pending.size > 0; r++) {
      if (r >= ROUNDS) throw new Error(`tapped messages kept moving: ${pending.size} left`);
      const messages = await getMessages(appId, [...pending]);
      const changes: Array<{ read: MessageRecord; next: MessageRecord }> = [];
      for (const id of pending) {
        const read = messages.get(id);
        if (!read) continue; // cleaned up long after its send: nothing left to prove
        let next = read;
        for (const tap of tapsOf.get(id) ?? []) next = { ...next, ...planTap(next, tap) };
        if (next.status !== read.status) changes.push({ read, next });
        else if (redelivered.has(id) && windowStart(read) !== null) redrive.push(read);
      }
      const lost = await writeMessages(changes);
      for (const c of changes)
        if (!lost.has(c.read.messageId) && windowStart(c.next) !== null && windowStart(c.read) === null)
          opened.push(c.next);
      pending = lost;
    }
    for (const [list, options] of [
      [opened, {}],
      [redrive, { redrive: true }],
    ] as const) {
      const byCampaign = new Map<string, MessageRecord[]>();
      for (const m of list) byCampaign.set(m.campaignId, [...(byCampaign.get(m.campaignId) ?? []), m]);
      for (const [campaignId, messages] of byCampaign) {
        const ctx = await campaignContext(appId, campaignId, nowMs);
        if (ctx) await openWindows(ctx, messages, nowMs, options);
      }
    }
  }
}

/**
 * Counts a batch of queued taps. Returns the queue records whose taps could not be recorded in a few
 * rounds (handed back to the queue; after their retries, the dead-letter queue).
 * @throws DynamoDB errors (the batch is retried; each tap still counts once)
 */
export async function countTaps(
  messages: readonly Received<ClickMessage>[],
  nowMs: number,
): Promise<BatchOutcome> {
  const groups = new Map<string, Group>();
  for (const { recordId, body: click } of messages) {
    const id: ClickerId = {
      appId: click.appId,
      campaignId: click.campaignId,
      instanceId: click.instanceId,
      userId: click.userId,
    };
    const key = clickerKey(id).pk;
    let group = groups.get(key);
    if (!group) {
      group = { id, pending: new Map(), carriers: new Map() };
      groups.set(key, group);
    }
    group.pending.set(click.id, click);
    group.carriers.set(click.id, [...(group.carriers.get(click.id) ?? []), recordId]);
  }
  const tz = new Map<string, string>();
  for (const appId of new Set([...groups.values()].map((g) => g.id.appId))) {
    const zone = await timezoneOf(appId, nowMs);
    if (zone) tz.set(appId, zone);
    else logger.error("taps for an app that does not exist", { appId });
  }
  for (let r = 0; r < ROUNDS; r++) {
    const open = [...groups.values()].filter((g) => g.pending.size > 0 && tz.has(g.id.appId));
    if (open.length === 0) break;
    await round(open, tz);
  }
  await applyTapProofs(messages, nowMs);
  const retry = new Set<string>();
  for (const group of groups.values()) {
    for (const clickId of group.pending.keys())
      for (const id of group.carriers.get(clickId) ?? []) retry.add(id);
  }
  return { retry, counts: { taps: messages.length } };
}
