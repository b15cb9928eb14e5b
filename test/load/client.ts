import { receiptUrl } from "../simulators/index.js";
import type { WorkItem } from "./plan.js";

/**
 * Concurrent clients with a provider's retry discipline: a request that got no answer (connection
 * refused or reset, e.g. the server was killed) or a 5xx is sent again until it gets a 2xx; a request
 * that got a 2xx is never sent again. Anything else (4xx) is a failure of the run.
 */

export interface ClientStats {
  /** HTTP attempts, retries included. */
  attempts: number;
  /** Work items answered 2xx (each exactly once). */
  acknowledged: number;
  /** Attempts that got no answer. */
  noAnswer: number;
  /** Attempts answered 5xx. */
  serverErrors: number;
  /** Work items acknowledged while each server generation ran: index = generation. */
  ackedByGeneration: number[];
  /** Key of each acknowledged item → the generation that acknowledged it. */
  ackedIn: Map<string, number>;
}

export interface RunOptions {
  /** Base URL of the product; read on every attempt (a restart may change nothing, but the contract allows it). */
  baseUrl: () => string;
  /** Path of the connector's webhook (`/webhooks/dlr/{connectorId}/{token}`). */
  webhookPath: string;
  appId: string;
  apiKey: string;
  concurrency: number;
  /** Which server generation is up (incremented by the caller on each restart). */
  generation?: () => number;
  /** Called after each acknowledgement (e.g. to kill the server at some point). */
  onAck?: (stats: ClientStats) => void;
  /** Give up on an item after this long without a 2xx. Default 120 s. */
  giveUpMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function requestFor(item: WorkItem, o: RunOptions): { url: string; init: RequestInit } {
  if (item.kind === "receipt") {
    const r = item.receipt;
    return {
      url: receiptUrl(`${o.baseUrl()}${o.webhookPath}`, r),
      init: { method: r.method, headers: r.headers, ...(r.method === "POST" ? { body: r.body } : {}) },
    };
  }
  return {
    url: `${o.baseUrl()}/v1/apps/${o.appId}/events`,
    init: {
      method: "POST",
      headers: { authorization: `Bearer ${o.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ events: item.events }),
    },
  };
}

export async function runWork(work: WorkItem[], o: RunOptions): Promise<ClientStats> {
  const stats: ClientStats = {
    attempts: 0,
    acknowledged: 0,
    noAnswer: 0,
    serverErrors: 0,
    ackedByGeneration: [],
    ackedIn: new Map(),
  };
  const giveUp = o.giveUpMs ?? 120_000;
  let next = 0;
  const one = async (item: WorkItem): Promise<void> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const { url, init } = requestFor(item, o);
      stats.attempts++;
      const generation = o.generation?.() ?? 0;
      let status = 0;
      let text = "";
      try {
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
        status = res.status;
        text = await res.text();
      } catch {
        stats.noAnswer++;
      }
      if (status >= 200 && status < 300) {
        stats.acknowledged++;
        stats.ackedByGeneration[generation] = (stats.ackedByGeneration[generation] ?? 0) + 1;
        stats.ackedIn.set(item.key, generation);
        o.onAck?.(stats);
        return;
      }
      if (status >= 400 && status < 500) throw new Error(`${item.key}: answered ${status}: ${text}`);
      if (status >= 500) stats.serverErrors++;
      if (Date.now() - started > giveUp) throw new Error(`${item.key}: no 2xx after ${attempt + 1} attempts`);
      await sleep(Math.min(1_000, 25 * 2 ** Math.min(attempt, 6)));
    }
  };
  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const item = work[next++] as WorkItem;
      await one(item);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return stats;
}
