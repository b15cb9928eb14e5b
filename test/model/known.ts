/**
 * Disagreements between the product and the model where the product is wrong (against SPEC or its own
 * documentation) and the bug is reported, not yet fixed. While one is open, the CI run plays each
 * history with the trigger taken out (`avoid`), so the rest of the history is still checked and the
 * suite stays green; `npm run test:model -- --known` plays them as generated, to see them fail.
 * Remove an entry once the product is fixed.
 */
import type { EventSpec, History, Recipient } from "./history.js";

export interface KnownDifference {
  id: string;
  /** What the product does, what SPEC says, and a counterexample (the report text). */
  report: string;
  /** Whether a history can show the difference. */
  applies(h: History): boolean;
  /** The history without the trigger. */
  avoid(h: History): History;
}

function mapEvents(h: History, f: (e: EventSpec) => EventSpec): History {
  return {
    ...h,
    steps: h.steps.map((s) => ({
      ...s,
      actions: s.actions.map((a) => (a.kind === "events" ? { ...a, events: a.events.map(f) } : a)),
    })),
  };
}

function mapRecipients(h: History, f: (r: Recipient) => Recipient): History {
  return {
    ...h,
    steps: h.steps.map((s) => ({
      ...s,
      actions: s.actions.map((a) => (a.kind === "send" ? { ...a, recipients: a.recipients.map(f) } : a)),
    })),
  };
}

const revenueAttribute = (h: History) => h.goals.find((g) => g.revenueAttribute)?.revenueAttribute;

const negative = (h: History, e: EventSpec): boolean => {
  const attr = revenueAttribute(h);
  const v = attr === undefined ? undefined : e.attributes[attr];
  return (typeof v === "number" && v < 0) || (typeof v === "string" && /^-\d/.test(v));
};

/** A revenue value the model counts as "not a number" (not missing): strings that are not plain decimals, booleans. */
const unreadable = (h: History, e: EventSpec): boolean => {
  const attr = revenueAttribute(h);
  const v = attr === undefined ? undefined : e.attributes[attr];
  return typeof v === "boolean" || (typeof v === "string" && v !== "" && !/^-?\d+(\.\d+)?$/.test(v));
};

const crashedWithoutCall = (r: Recipient): boolean =>
  r.crash !== null && (r.answer.kind === "invalidNumber" || r.answer.kind === "missingAttribute");

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    id: "negative-revenue",
    report:
      "A negative revenue attribute (a refund, e.g. order_value -5) is left out of revenue.total and counted in " +
      "revenue.eventsWithoutRevenue. SPEC §3 defines total revenue as the sum of the revenue attribute over " +
      "attributed events, and README defines eventsWithoutRevenue as events whose attribute is 'missing or not " +
      "a number'; -5 is a number. lambdas/domain/money.ts cites a docs/decisions.md section 'Revenue values' " +
      "that does not exist. Either sum negatives, or document the exclusion in SPEC-facing docs (README " +
      "dictionary) and keep it.",
    applies: (h) =>
      h.steps.some((s) => s.actions.some((a) => a.kind === "events" && a.events.some((e) => negative(h, e)))),
    avoid: (h) =>
      mapEvents(h, (e) => {
        if (!negative(h, e)) return e;
        const attr = revenueAttribute(h) as string;
        const v = e.attributes[attr];
        return {
          ...e,
          attributes: { ...e.attributes, [attr]: typeof v === "number" ? -v : String(v).slice(1) },
        };
      }),
  },
  {
    id: "unreadable-revenue",
    report:
      'An attributed revenue-goal event whose revenue attribute is not a number ("abc", "1,299.00", true) adds ' +
      "no revenue but is not counted in revenue.eventsWithoutRevenue (product 0, model 1). README: " +
      "eventsWithoutRevenue = events whose revenue attribute was 'missing or not a number'. The counter keeps " +
      "them apart (counter-fields goal|unreadable) and domain/analytics.ts reports only goal|norevenue " +
      "(missing, null, empty). Counterexample: untracked connector, one user sent at T, event Purchase at T+1 min " +
      "with order_value true: eventsWithoutRevenue 0.",
    applies: (h) =>
      h.steps.some((s) =>
        s.actions.some((a) => a.kind === "events" && a.events.some((e) => unreadable(h, e))),
      ),
    avoid: (h) =>
      mapEvents(h, (e) =>
        unreadable(h, e)
          ? { ...e, attributes: { ...e.attributes, [revenueAttribute(h) as string]: null } }
          : e,
      ),
  },
  {
    id: "claim-timeout",
    report:
      "A DynamoDB timeout after the send worker's SENDING mark went through (store/messages.ts markSending: " +
      "retryTransient repeats the conditional update, whose condition status = QUEUED now fails) makes the worker " +
      "read its own claim as someone else's: the job is retried, the claim goes stale, and the message is " +
      "recorded SEND_OUTCOME_UNKNOWN although the provider was never called — the user never gets the SMS and " +
      "counts as failed to send. SPEC §3: SEND_OUTCOME_UNKNOWN is 'the provider was called but its answer was " +
      "never recorded'. Counterexample: one recipient accepted; fault forced on the sendWorker UpdateItem of " +
      "its MSG item (timeout after the write): product sent 0, failedToSend 1 SEND_OUTCOME_UNKNOWN, 0 provider " +
      "requests; model sent 1. Fix: make the claim recognisable (e.g. a claim token in the update, compared " +
      "on condition failure).",
    applies: (h) => h.faults.transientRate > 0,
    avoid: (h) => ({
      ...h,
      faults: { ...h.faults, spare: [...(h.faults.spare ?? []), "claimTimeoutAfter"] },
    }),
  },
  {
    id: "untracked-window-lost",
    report:
      "A DynamoDB timeout after the send worker's outcome write went through, on a connector without delivery " +
      "tracking, loses the user's conversion window: flows/sending.ts record() keeps the SENDING record when " +
      "writeFact answers written: false (its retry found its own write), so runSendJob does not see UNTRACKED " +
      "and never calls openWindows; the job completes and nothing re-drives it. Every conversion of that user " +
      "in that instance is lost (SPEC §3: custom without delivery tracking attributes users successfully sent, " +
      "window from the sent time). Counterexample: untracked connector, u1 accepted at T, event Purchase " +
      "(order_value 5) at T+1 min arriving at T+10 min; fault forced on the sendWorker PutItem of the MSG item " +
      "with status UNTRACKED (timeout after the write): product conversions 0, revenue 0.00; model 1 and 5.00. " +
      "Fix: when the write is lost, re-read (or use `current`) and continue with the stored record if it is the " +
      "outcome just written.",
    applies: (h) => !h.tracked && h.faults.transientRate > 0,
    avoid: (h) => ({
      ...h,
      faults: { ...h.faults, spare: [...(h.faults.spare ?? []), "untrackedOutcomeTimeoutAfter"] },
    }),
  },
  {
    id: "crash-before-check",
    report:
      "A send worker that dies after marking a message SENDING, for a recipient with an invalid number or a " +
      "missing personalisation attribute, leaves the message to be decided SEND_OUTCOME_UNKNOWN on redelivery " +
      "(flows/sending.ts sendOne: a stale SENDING claim is recorded OUTCOME_UNKNOWN without re-checking). SPEC " +
      "§3: SEND_OUTCOME_UNKNOWN is 'the provider was called but its answer was never recorded'; INVALID_NUMBER " +
      "is 'never sent to the provider'. The provider is never called for these recipients, and both checks are " +
      "deterministic, so the redelivery can decide INVALID_NUMBER / PERSONALIZATION_FAILED safely.",
    applies: (h) =>
      h.steps.some((s) => s.actions.some((a) => a.kind === "send" && a.recipients.some(crashedWithoutCall))),
    avoid: (h) => mapRecipients(h, (r) => (crashedWithoutCall(r) ? { ...r, crash: null } : r)),
  },
];

/** The history with every known difference's trigger taken out. */
export function withoutKnown(h: History): History {
  return KNOWN_DIFFERENCES.reduce((x, k) => (k.applies(x) ? k.avoid(x) : x), h);
}
