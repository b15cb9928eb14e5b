/**
 * The property shared by the test (model.test.ts) and the CLI (cli.ts): for every batch of generated
 * histories, the analytics the real product reports (run.ts) equal the reference model's (model.ts) in
 * every view read (campaign, each instance, a date range). A batch runs its histories at once; fast-check
 * shrinks a failing batch down to the one history that fails, then shrinks that history.
 */
import fc from "fast-check";
import { compare } from "./compare.js";
import { describe, historyArb, type Size } from "./generate.js";
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
  /** How big histories get (generate.ts). */
  size?: Size;
  tally?: Tally;
  /** Called after each batch (progress output). */
  onBatch?: (tally: Tally, failed: boolean) => void;
  /**
   * Collect mode (the CLI's long runs): a failing batch is handed here with its run index (fast-check's
   * replay path under the run's seed) instead of failing the property, so the run goes on.
   */
  onFailure?: (runIndex: number, message: string) => void;
  /** Performance-clock time after which batches are no longer played (a time budget; they pass unplayed). */
  deadline?: number;
}

export class ModelMismatch extends Error {
  override name = "ModelMismatch";
}

/** The embedded engine's process is gone: nothing after this says anything about the product. */
export class EngineLost extends Error {
  override name = "EngineLost";
}

export function modelProperty(rt: Runtime, options: PropertyOptions) {
  let runIndex = 0;
  return fc.asyncProperty(
    fc.array(historyArb(options.size), { minLength: 1, maxLength: options.batch }),
    async (histories) => {
      const index = runIndex++;
      if (options.deadline !== undefined && performance.now() > options.deadline) return;
      if (!rt.engineAlive()) throw new EngineLost("the DynamoDB engine process is gone");
      const started = performance.now();
      let observed: Awaited<ReturnType<typeof runHistories>>;
      try {
        observed = await runHistories(rt, histories);
      } catch (e) {
        if (!options.onFailure || !rt.engineAlive()) throw e;
        options.onFailure(index, `the runner failed: ${(e as Error).stack ?? String(e)}`);
        return;
      }
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
      if (failures.length === 0) return;
      if (options.onFailure) options.onFailure(index, failures.join("\n\n"));
      else throw new ModelMismatch(failures.join("\n\n"));
    },
  );
}
