import { createHash, randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { asQueueMessage, delayOf, type QueueMessage, type QueuePort } from "../queue/port.js";
import { functions } from "../topology/functions.js";
import { type QueueName, type QueueSpec, queues } from "../topology/queues.js";
import { printLine } from "./log-sink.js";
import { type JournalRecord, messageRecord, QueueJournal, type StoredMessage } from "./queue-journal.js";

/*
 * Storage choice: one fsync'd append-only journal per queue (`<dataDir>/queues/<name>.journal`), compacted
 * at startup, rather than a table in the embedded DynamoDB engine. Why: the queue then works the same
 * whatever DynamoDB endpoint is configured (an external DynamoDB Local may keep nothing on disk), its
 * durability is ours to state (fdatasync before `send` resolves, with group commit so concurrent sends
 * share one sync), and receive/delete bookkeeping is a local append instead of a network write per message.
 * All state lives in memory; the journal is only read at startup.
 */

export const LOCAL_REGION = "local";
const LOCAL_ACCOUNT = "000000000000";
/** The classic SQS body limit: what fits here fits any SQS queue. */
const MAX_BODY_BYTES = 256 * 1024;

/** Invokes a queue's consumer function with an SQS event; resolves to what the function returned. */
export type QueueConsumer = (queue: QueueName, event: SQSEvent) => Promise<unknown>;

export interface LocalQueuesOptions {
  /** Journals live in `<dataDir>/queues/`. */
  dataDir: string;
  /** The event source mapping's target. Without it nothing is polled (a send-only process). */
  consume?: QueueConsumer;
  /** Defaults to the table in `lambdas/routes.ts`. */
  specs?: Record<QueueName, QueueSpec>;
  /** Overrides every queue's visibility timeout (tests use a small value to see redeliveries quickly). */
  visibilityTimeoutSeconds?: number;
  /** Batches in flight per queue (Lambda's concurrency for the event source). Default 2. */
  concurrency?: number;
  /** How long a consumer may run before its batch counts as failed; default the consumer's Lambda timeout. */
  consumerTimeoutMs?: (queue: QueueName) => number;
  log?: (line: string) => void;
}

export interface QueueStats {
  /** Ready to be received. */
  visible: number;
  /** In a batch being processed now. */
  inFlight: number;
  /** Received and failed; visible again once the visibility timeout ends. */
  waitingRetry: number;
  /** Sent with a delay that has not ended yet (SQS "delayed" messages). */
  delayed: number;
  /** In the queue's dead-letter queue. */
  dlq: number;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  sentTimestamp: number;
  receiveCount: number;
}

interface QueueState {
  name: QueueName;
  spec: QueueSpec;
  journal: QueueJournal;
  messages: Map<string, StoredMessage>;
  ready: Set<string>;
  inFlight: Set<string>;
  waiting: Set<string>;
  /** Sent with a delay (message timer) not yet over: never received so far. */
  delayed: Set<string>;
  /** Visibility asked for by the consumer (`retryAfter`) for a message of the batch in flight, in seconds. */
  delays: Map<string, number>;
  pendingSends: number;
  batches: Set<Promise<void>>;
}

class ConsumerTimeoutError extends Error {}

function md5(body: string): string {
  return createHash("md5").update(body, "utf8").digest("hex");
}

export function queueArn(name: string): string {
  return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
}

function toRecord(name: QueueName, m: StoredMessage, receiptHandle: string): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentTimestamp),
      SenderId: LOCAL_ACCOUNT,
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
    },
    messageAttributes: {},
    md5OfBody: md5(m.body),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn(name),
    awsRegion: LOCAL_REGION,
  };
}

/**
 * Which messages of a batch failed, read the way Lambda reads a function's answer with
 * ReportBatchItemFailures: nothing or an empty list is success; an answer that is not an object, or an
 * identifier that is missing or not in the batch, fails the whole batch (`invalid`).
 */
export function readBatchResponse(
  result: unknown,
  batchIds: readonly string[],
): { failed: Set<string>; invalid: boolean } {
  const all = { failed: new Set(batchIds), invalid: true };
  if (result === undefined || result === null) return { failed: new Set(), invalid: false };
  if (typeof result !== "object") return all;
  const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return { failed: new Set(), invalid: false };
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const f of failures as unknown[]) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !all.failed.has(id)) return all;
    failed.add(id);
  }
  return { failed, invalid: false };
}

/**
 * In-process queues with SQS's contract for the one-machine runtime: durable sends, per-message delays
 * (message timers, kept across restarts), batches up to the spec's size, visibility timeout and
 * redelivery, partial batch failure, dead-letter after `maxReceiveCount` receives, and a poller per queue.
 */
export class LocalQueues implements QueuePort {
  private stopped = false;
  /** Receipt handles of the batches in flight → their message. */
  private readonly handles = new Map<string, { queue: QueueName; id: string }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private drainWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly concurrency: number;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly states: Map<QueueName, QueueState>,
    private readonly options: LocalQueuesOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.log = options.log ?? printLine;
  }

  /** Loads (and compacts) every queue's journal and starts polling when a consumer is given. */
  static async open(options: LocalQueuesOptions): Promise<LocalQueues> {
    const specs = options.specs ?? queues;
    const states = new Map<QueueName, QueueState>();
    const now = Date.now();
    for (const name of Object.keys(specs) as QueueName[]) {
      const path = join(options.dataDir, "queues", `${name}.journal`);
      const { journal, messages } = await QueueJournal.open(
        path,
        () => states.get(name)?.messages.values() ?? [],
      );
      const live = [...messages.values()].filter((m) => !m.dead);
      const stillDelayed = (m: StoredMessage): boolean =>
        m.receiveCount === 0 && m.visibleAt !== undefined && m.visibleAt > now;
      const state: QueueState = {
        name,
        spec: specs[name],
        journal,
        messages,
        // Whatever was in flight when the last process ended has no one processing it: visible now.
        ready: new Set(live.filter((m) => !stillDelayed(m)).map((m) => m.id)),
        inFlight: new Set(),
        waiting: new Set(),
        // A delayed send keeps its timer across a restart: it becomes visible when it would have.
        delayed: new Set(live.filter(stillDelayed).map((m) => m.id)),
        delays: new Map(),
        pendingSends: 0,
        batches: new Set(),
      };
      states.set(name, state);
    }
    const self = new LocalQueues(states, options);
    for (const state of states.values()) {
      for (const id of state.delayed) {
        const m = state.messages.get(id);
        self.showLater(state, state.delayed, [id], Math.max(0, (m?.visibleAt ?? now) - now));
      }
      self.pump(state);
    }
    return self;
  }

  /** SQS ChangeMessageVisibility for a message of a batch in flight; unknown handles are ignored like stale ones. */
  async retryAfter(queue: QueueName, receiptHandle: string, seconds: number): Promise<void> {
    const owner = this.handles.get(receiptHandle);
    if (owner?.queue === queue) this.state(queue).delays.set(owner.id, Math.max(0, seconds));
  }

  /**
   * Queues messages durably (fsync'd before it resolves); a message with `delaySeconds` becomes
   * receivable only after that many seconds (SQS message timer, 0–900 s).
   * @throws Error for what SQS would refuse (empty or > 256 KiB body, delay out of range) or after stop
   */
  async send(queue: QueueName, messages: ReadonlyArray<string | QueueMessage>): Promise<void> {
    if (this.stopped) throw new Error("local queues are stopped");
    const state = this.state(queue);
    const all = messages.map(asQueueMessage);
    const delays = all.map(delayOf);
    for (const { body } of all) {
      if (body.length === 0) throw new Error("an SQS message body must not be empty");
      if (Buffer.byteLength(body, "utf8") > MAX_BODY_BYTES) throw new Error("message body exceeds 256 KiB");
    }
    if (all.length === 0) return;
    const now = Date.now();
    const sent = all.map(({ body }, i): StoredMessage => {
      const delay = delays[i] ?? 0;
      return {
        id: randomUUID(),
        body,
        sentTimestamp: now,
        receiveCount: 0,
        ...(delay > 0 ? { visibleAt: now + delay * 1000 } : {}),
        dead: false,
      };
    });
    // In memory first (compaction snapshots it), but not receivable until the journal holds it.
    for (const m of sent) state.messages.set(m.id, m);
    state.pendingSends++;
    try {
      await Promise.all(sent.map((m) => state.journal.append(messageRecord(m), true)));
    } catch (e) {
      for (const m of sent) state.messages.delete(m.id);
      throw e;
    } finally {
      state.pendingSends--;
    }
    const byDelay = new Map<number, string[]>();
    sent.forEach((m, i) => {
      const delay = delays[i] ?? 0;
      if (delay === 0) state.ready.add(m.id);
      else byDelay.set(delay, [...(byDelay.get(delay) ?? []), m.id]);
    });
    for (const [delay, ids] of byDelay) this.showLater(state, state.delayed, ids, delay * 1000);
    this.pump(state);
    this.checkDrained();
  }

  /**
   * Resolves once every queue is empty and nothing is in flight, waiting for a redelivery or delayed
   * (a delayed message is work still to do: drain waits out its timer).
   */
  drain(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error("local queues are stopped"));
    return new Promise((resolve, reject) => {
      this.drainWaiters.push({ resolve, reject });
    });
  }

  stats(): Record<QueueName, QueueStats> {
    const out = {} as Record<QueueName, QueueStats>;
    for (const s of this.states.values()) {
      let dlq = 0;
      for (const m of s.messages.values()) if (m.dead) dlq++;
      out[s.name] = {
        visible: s.ready.size,
        inFlight: s.inFlight.size,
        waitingRetry: s.waiting.size,
        delayed: s.delayed.size,
        dlq,
      };
    }
    return out;
  }

  listDeadLetters(queue: QueueName): DeadLetter[] {
    return [...this.state(queue).messages.values()]
      .filter((m) => m.dead)
      .map((m) => ({
        messageId: m.id,
        body: m.body,
        sentTimestamp: m.sentTimestamp,
        receiveCount: m.receiveCount,
      }));
  }

  /** Moves every dead letter of `queue` back to it with a fresh receive count; returns how many moved. */
  async redrive(queue: QueueName): Promise<number> {
    const state = this.state(queue);
    const dead = [...state.messages.values()].filter((m) => m.dead);
    await Promise.all(dead.map((m) => state.journal.append({ t: "v", id: m.id }, true)));
    for (const m of dead) {
      m.dead = false;
      m.receiveCount = 0;
      delete m.firstReceiveTimestamp;
      state.ready.add(m.id);
    }
    this.pump(state);
    return dead.length;
  }

  /** Stops polling, waits for the batches in flight, and closes the journals. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.states.values()) {
      while (s.batches.size > 0) await Promise.all([...s.batches]);
    }
    for (const s of this.states.values()) await s.journal.close();
    if (!this.isDrained()) {
      for (const w of this.drainWaiters.splice(0))
        w.reject(new Error("local queues stopped before draining"));
    }
  }

  private state(queue: QueueName): QueueState {
    const s = this.states.get(queue);
    if (!s) throw new Error(`unknown queue: ${queue}`);
    return s;
  }

  private isDrained(): boolean {
    for (const s of this.states.values()) {
      const busy = s.ready.size + s.inFlight.size + s.waiting.size + s.delayed.size;
      if (busy + s.pendingSends + s.batches.size > 0) return false;
    }
    return true;
  }

  private checkDrained(): void {
    if (this.drainWaiters.length === 0 || !this.isDrained()) return;
    for (const w of this.drainWaiters.splice(0)) w.resolve();
  }

  private journalQuietly(state: QueueState, record: JournalRecord): void {
    state.journal.append(record, false).catch((e: unknown) => {
      this.log(`queue ${state.name}: journal write failed: ${(e as Error).message}`);
    });
  }

  private moveToDead(state: QueueState, m: StoredMessage): void {
    m.dead = true;
    state.ready.delete(m.id);
    state.waiting.delete(m.id);
    this.journalQuietly(state, { t: "x", id: m.id });
    this.log(
      `queue ${state.name}: message ${m.id} moved to the dead-letter queue after ${m.receiveCount} receives`,
    );
  }

  /** Starts batches while there are visible messages and free slots. Synchronous up to the invocation. */
  private pump(state: QueueState): void {
    const consume = this.options.consume;
    if (!consume) return;
    while (!this.stopped && state.batches.size < this.concurrency && state.ready.size > 0) {
      const batch = this.receive(state);
      if (batch.length === 0) continue;
      const run = this.process(state, batch, consume).finally(() => {
        state.batches.delete(run);
        this.pump(state);
        this.checkDrained();
      });
      state.batches.add(run);
    }
    this.checkDrained();
  }

  /** Takes up to batchSize visible messages, counting the receive; past maxReceiveCount it dead-letters instead. */
  private receive(state: QueueState): StoredMessage[] {
    const now = Date.now();
    const batch: StoredMessage[] = [];
    for (const id of state.ready) {
      if (batch.length >= state.spec.batchSize) break;
      state.ready.delete(id);
      const m = state.messages.get(id);
      if (!m) continue;
      // SQS moves a message on the receive after its maxReceiveCount-th (here: after a crash mid-batch).
      if (m.receiveCount >= state.spec.maxReceiveCount) {
        this.moveToDead(state, m);
        continue;
      }
      m.receiveCount++;
      m.firstReceiveTimestamp ??= now;
      state.inFlight.add(id);
      batch.push(m);
    }
    return batch;
  }

  private async process(state: QueueState, batch: StoredMessage[], consume: QueueConsumer): Promise<void> {
    const receivedAt = Date.now();
    let failed: Set<string>;
    try {
      // Written (not synced) before the consumer runs, so a crash loop still counts towards maxReceiveCount.
      await Promise.all(
        batch.map((m) =>
          state.journal.append(
            { t: "r", id: m.id, n: m.receiveCount, f: m.firstReceiveTimestamp ?? receivedAt },
            false,
          ),
        ),
      );
      const event: SQSEvent = {
        Records: batch.map((m) => {
          const handle = randomBytes(48).toString("base64");
          this.handles.set(handle, { queue: state.name, id: m.id });
          return toRecord(state.name, m, handle);
        }),
      };
      const result = await this.withTimeout(state.name, consume(state.name, event));
      const read = readBatchResponse(
        result,
        batch.map((m) => m.id),
      );
      failed = read.failed;
      if (read.invalid)
        this.log(`queue ${state.name}: invalid batch response from the consumer; whole batch retried`);
    } catch (e) {
      failed = new Set(batch.map((m) => m.id));
      const why =
        e instanceof ConsumerTimeoutError ? "timed out" : `failed: ${(e as Error)?.message ?? String(e)}`;
      this.log(`queue ${state.name}: consumer ${why}; ${batch.length} message(s) will be redelivered`);
    }
    for (const [handle, owner] of this.handles) {
      if (owner.queue === state.name && batch.some((m) => m.id === owner.id)) this.handles.delete(handle);
    }
    this.settle(state, batch, failed, receivedAt);
  }

  private withTimeout(queue: QueueName, work: Promise<unknown>): Promise<unknown> {
    const spec = this.state(queue).spec;
    const ms =
      this.options.consumerTimeoutMs?.(queue) ?? (functions[spec.consumer]?.timeoutSeconds ?? 60) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConsumerTimeoutError(`timed out after ${ms} ms`)), ms);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** Deletes what succeeded; what failed waits out its visibility timeout or goes to the dead-letter queue. */
  private settle(state: QueueState, batch: StoredMessage[], failed: Set<string>, receivedAt: number): void {
    const retry: string[] = [];
    for (const m of batch) {
      state.inFlight.delete(m.id);
      if (!failed.has(m.id)) {
        state.delays.delete(m.id);
        state.messages.delete(m.id);
        this.journalQuietly(state, { t: "d", id: m.id });
      } else if (m.receiveCount >= state.spec.maxReceiveCount) {
        // It will never be delivered again; moving it now rather than after the timeout lets drain() settle.
        this.moveToDead(state, m);
      } else {
        retry.push(m.id);
      }
    }
    if (retry.length === 0 || this.stopped) return;
    // The consumer's own delay (retryAfter) counts from now, the queue's timeout from the receive; the
    // test override caps both so tests see redeliveries quickly.
    const cap = this.options.visibilityTimeoutSeconds ?? Number.POSITIVE_INFINITY;
    const byDelay = new Map<number, string[]>();
    for (const id of retry) {
      const asked = state.delays.get(id);
      state.delays.delete(id);
      const seconds = Math.min(asked ?? state.spec.visibilityTimeoutSeconds, cap);
      const delay = Math.max(
        0,
        (asked === undefined ? receivedAt : Date.now()) + seconds * 1000 - Date.now(),
      );
      byDelay.set(delay, [...(byDelay.get(delay) ?? []), id]);
    }
    for (const [delay, ids] of byDelay) this.showLater(state, state.waiting, ids, delay);
  }

  /** Holds the messages in `held` (waiting for a retry, or delayed) and makes them visible after `delay` ms. */
  private showLater(state: QueueState, held: Set<string>, ids: string[], delay: number): void {
    for (const id of ids) held.add(id);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const id of ids) {
        if (held.delete(id) && state.messages.has(id)) state.ready.add(id);
      }
      this.pump(state);
    }, delay);
    this.timers.add(timer);
  }
}
