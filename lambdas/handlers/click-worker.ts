import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import {
  type ClickerState,
  type ClickMessage,
  type ClickPlan,
  parseClickMessage,
  planClicks,
  planDays,
} from "../domain/clicks.js";
import { getApp } from "../store/apps.js";
import { type ClickerId, clickerKey, clickerWrite, readClickers } from "../store/clicks.js";
import { type Fact, recordFacts } from "../store/facts.js";

/**
 * Counts queued taps exactly once. Taps are grouped by clicker (user × instance); each group becomes ONE
 * fact whose step is a conditional write of the clicker item (create-if-absent, or replace-if-version-
 * unchanged) carrying the group's counter deltas, so a tap counts exactly when its id enters the item.
 * A fact rejected because someone else moved the item is re-read and re-planned; what still fails after
 * a few rounds is handed back to SQS (and, after its retries, to the DLQ).
 */

const ROUNDS = 5;
/** A fact is one transaction of ≤ 100 items: the clicker item + 2 counter items per day. Stay well below. */
const MAX_DAYS_PER_FACT = 40;

interface Group {
  id: ClickerId;
  /** Clicks not yet counted, by click id (duplicated messages collapse here). */
  pending: Map<string, ClickMessage>;
  /** Click id → SQS message ids carrying it. */
  carriers: Map<string, string[]>;
}

function groupKey(c: ClickerId): string {
  return clickerKey(c).pk;
}

/** The largest earliest-first prefix of the group's clicks whose plan stays within the day limit. */
function planGroup(state: ClickerState, clicks: ClickMessage[], timezone: string): ClickPlan {
  const ordered = [...clicks].sort((a, b) => a.at - b.at);
  let n = ordered.length;
  for (;;) {
    const plan = planClicks(state, ordered.slice(0, n), timezone);
    if (planDays(plan) <= MAX_DAYS_PER_FACT || n === 1) return plan;
    n = Math.ceil(n / 2);
  }
}

async function timezones(appIds: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  await Promise.all(
    appIds.map(async (appId) => {
      const app = await getApp(appId);
      out.set(appId, app?.timezone ?? null);
    }),
  );
  return out;
}

/** One planning-and-writing round over the groups that still have clicks; removes what got counted. */
async function round(groups: Group[], tz: Map<string, string | null>): Promise<void> {
  const states = await readClickers(groups.map((g) => g.id));
  const facts: Fact[] = [];
  const planned = new Map<string, { group: Group; plan: ClickPlan }>();
  for (const group of groups) {
    const key = groupKey(group.id);
    const state = states.get(key);
    const timezone = tz.get(group.id.appId);
    if (!state || !timezone) continue;
    // Already counted (a redelivery): nothing to write.
    for (const id of group.pending.keys()) if (state.clickIds.has(id)) group.pending.delete(id);
    if (group.pending.size === 0) continue;
    const plan = planGroup(state, [...group.pending.values()], timezone);
    const expiresAt = Math.max(...[...group.pending.values()].map((c) => c.expiresAt));
    const { appId, campaignId, instanceId } = group.id;
    facts.push({
      id: key,
      steps: [
        {
          write: clickerWrite(group.id, state.version, plan.next, expiresAt),
          counters: plan.deltas.map((d) => ({ appId, campaignId, instanceId, ...d })),
        },
      ],
    });
    planned.set(key, { group, plan });
  }
  if (facts.length === 0) return;
  const result = await recordFacts(facts);
  for (const id of result.applied) {
    const entry = planned.get(id);
    if (entry) for (const clickId of entry.plan.counted) entry.group.pending.delete(clickId);
  }
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures = new Set<string>();
  const groups = new Map<string, Group>();
  for (const record of event.Records) {
    const click = parseClickMessage(record.body);
    if (!click) {
      // Not a click the redirect could have sent: let it go to the DLQ for an operator to look at.
      console.error(
        JSON.stringify({ level: "error", marker: "CLICK_UNPARSEABLE", messageId: record.messageId }),
      );
      failures.add(record.messageId);
      continue;
    }
    const id: ClickerId = {
      appId: click.appId,
      campaignId: click.campaignId,
      instanceId: click.instanceId,
      userId: click.userId,
    };
    const key = groupKey(id);
    let group = groups.get(key);
    if (!group) {
      group = { id, pending: new Map(), carriers: new Map() };
      groups.set(key, group);
    }
    group.pending.set(click.id, click);
    group.carriers.set(click.id, [...(group.carriers.get(click.id) ?? []), record.messageId]);
  }

  try {
    const tz = await timezones([...new Set([...groups.values()].map((g) => g.id.appId))]);
    for (const [appId, zone] of tz) {
      if (!zone) console.error(JSON.stringify({ level: "error", marker: "CLICK_APP_UNKNOWN", appId }));
    }
    for (let r = 0; r < ROUNDS; r++) {
      const open = [...groups.values()].filter((g) => g.pending.size > 0 && tz.get(g.id.appId));
      if (open.length === 0) break;
      await round(open, tz);
    }
  } catch (err) {
    // Whatever was applied stays applied; the rest is retried by SQS and found counted or not by its id.
    console.error(
      JSON.stringify({ level: "error", marker: "CLICK_WORKER_FAILED", error: (err as Error).name }),
    );
  }

  for (const group of groups.values()) {
    for (const clickId of group.pending.keys()) {
      for (const messageId of group.carriers.get(clickId) ?? []) failures.add(messageId);
    }
  }
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
};
