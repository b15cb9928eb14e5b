/**
 * The property shared by the test (model.test.ts) and the CLI (cli.ts): for every batch of generated
 * histories, the analytics the real product reports (run.ts) equal the reference model's (model.ts) in
 * every view read (campaign, each instance, a date range). A batch runs its histories at once; fast-check
 * shrinks a failing batch down to the one history that fails, then shrinks that history.
 */
import fc from "fast-check";
import { compare } from "./compare.js";
import { describe, historyArb } from "./generate.js";
import type { History } from "./history.js";
import { withoutKnown } from "./known.js";
import { model } from "./model.js";
import { type Runtime, runHistories } from "./run.js";

export interface Tally {
  histories: number;
  batches: number;
  /** Situations covered (model tags), by how many histories went through them. */
  tags: Map<string, number>;
  msRunning: number;
}

export function newTally(): Tally {
  return { histories: 0, batches: 0, tags: new Map(), msRunning: 0 };
}

export interface PropertyOptions {
  /** Histories played at once (a batch holds 1 to `batch`). */
  batch: number;
  /** Play the known product bugs' triggers too (known.ts); by default they are taken out. */
  known: boolean;
  tally?: Tally;
  /** Called after each batch (progress output). */
  onBatch?: (tally: Tally, failed: boolean) => void;
}

export class ModelMismatch extends Error {
  override name = "ModelMismatch";
}

/** The history as played: without the triggers of known, open product bugs unless asked. */
export function asPlayed(h: History, known: boolean): History {
  return known ? h : withoutKnown(h);
}

export function modelProperty(rt: Runtime, options: PropertyOptions) {
  return fc.asyncProperty(
    fc.array(historyArb, { minLength: 1, maxLength: options.batch }),
    async (generated) => {
      const histories = generated.map((h) => asPlayed(h, options.known));
      const started = performance.now();
      const observed = await runHistories(rt, histories);
      const failures: string[] = [];
      histories.forEach((h, i) => {
        const ledger = model(h);
        const o = observed[i];
        if (!o) return;
        if (options.tally)
          for (const t of ledger.tags) options.tally.tags.set(t, (options.tally.tags.get(t) ?? 0) + 1);
        const mismatches = compare(ledger, o);
        if (mismatches.length === 0) return;
        failures.push(
          [
            `history ${i + 1} of ${histories.length} (app ${o.appId}) disagrees with the model:`,
            describe(h),
            ...mismatches.map((m) => `  [${m.view}]\n    ${m.differences.join("\n    ")}`),
            `  faults injected: ${o.faultLog.length === 0 ? "none" : o.faultLog.join("; ")}`,
            `  history JSON: ${JSON.stringify(h)}`,
          ].join("\n"),
        );
      });
      if (options.tally) {
        options.tally.histories += histories.length;
        options.tally.batches++;
        options.tally.msRunning += performance.now() - started;
      }
      if (options.tally) options.onBatch?.(options.tally, failures.length > 0);
      if (failures.length > 0) throw new ModelMismatch(failures.join("\n\n"));
    },
  );
}
