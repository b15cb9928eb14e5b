import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";

/** One message as the journal and the queue know it. */
export interface StoredMessage {
  id: string;
  body: string;
  sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** Sent with a delay (SQS message timer): not receivable before this time (epoch ms). */
  visibleAt?: number;
  /** In the queue's dead-letter queue. */
  dead: boolean;
}

/**
 * Journal records, one JSON object per line:
 * `m` a whole message (sent, or rewritten by compaction; `va`: visible from, epoch ms, for a delayed
 * send), `r` received, `d` deleted, `x` moved to the dead-letter queue, `v` redriven back to the source queue.
 */
export type JournalRecord =
  | { t: "m"; id: string; b: string; ts: number; n: number; f?: number; va?: number; x?: 1 }
  | { t: "r"; id: string; n: number; f: number }
  | { t: "d"; id: string }
  | { t: "x"; id: string }
  | { t: "v"; id: string };

export function messageRecord(m: StoredMessage): JournalRecord {
  const rec: JournalRecord = { t: "m", id: m.id, b: m.body, ts: m.sentTimestamp, n: m.receiveCount };
  if (m.firstReceiveTimestamp !== undefined) rec.f = m.firstReceiveTimestamp;
  if (m.visibleAt !== undefined) rec.va = m.visibleAt;
  if (m.dead) rec.x = 1;
  return rec;
}

/** Replays a journal; records are idempotent so a record repeated after a compaction is harmless. */
export function replay(text: string): Map<string, StoredMessage> {
  const messages = new Map<string, StoredMessage>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      // A torn last line is a write that was never acknowledged (send resolves after fsync only).
      continue;
    }
    const m = messages.get(rec.id);
    switch (rec.t) {
      case "m":
        // The first copy wins: compaction may leave a send's record in the old and new file.
        if (m) break;
        messages.set(rec.id, {
          id: rec.id,
          body: rec.b,
          sentTimestamp: rec.ts,
          receiveCount: rec.n,
          ...(rec.f === undefined ? {} : { firstReceiveTimestamp: rec.f }),
          ...(rec.va === undefined ? {} : { visibleAt: rec.va }),
          dead: rec.x === 1,
        });
        break;
      case "r":
        if (m && rec.n > m.receiveCount) {
          m.receiveCount = rec.n;
          m.firstReceiveTimestamp ??= rec.f;
        }
        break;
      case "d":
        messages.delete(rec.id);
        break;
      case "x":
        if (m) m.dead = true;
        break;
      case "v":
        if (m) {
          m.dead = false;
          m.receiveCount = 0;
          delete m.firstReceiveTimestamp;
        }
        break;
    }
  }
  return messages;
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw e;
  }
}

/** Writes the live messages to a fresh file and swaps it in atomically (write, fsync, rename, fsync dir). */
function rewrite(path: string, messages: Iterable<StoredMessage>): number {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  let count = 0;
  try {
    let chunk = "";
    for (const m of messages) {
      chunk += `${JSON.stringify(messageRecord(m))}\n`;
      count++;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = "";
      }
    }
    if (chunk !== "") writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return count;
}

interface Pending {
  line: string;
  sync: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * An append-only journal for one queue with group commit: appends made while a write is under way
 * go out together in the next write, with one fdatasync when any of them asked for durability.
 */
export class QueueJournal {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private recordsSinceCompaction: number;

  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    liveCount: number,
    private readonly snapshot: () => Iterable<StoredMessage>,
  ) {
    this.recordsSinceCompaction = liveCount;
  }

  /** Loads the journal, compacts it to the live messages, and opens it for appending. */
  static async open(
    path: string,
    snapshot: () => Iterable<StoredMessage>,
  ): Promise<{ journal: QueueJournal; messages: Map<string, StoredMessage> }> {
    mkdirSync(dirname(path), { recursive: true });
    const messages = replay(readIfExists(path));
    const live = rewrite(path, messages.values());
    const handle = await open(path, "a", 0o600);
    return { journal: new QueueJournal(path, handle, live, snapshot), messages };
  }

  /**
   * Appends a record. `sync` resolves only once it is on stable storage (fdatasync); otherwise once
   * the write returned, which survives a killed process but not a power cut.
   */
  append(record: JournalRecord, sync: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: `${JSON.stringify(record)}\n`, sync, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.handle.write(batch.map((p) => p.line).join(""));
          if (batch.some((p) => p.sync)) await this.handle.datasync();
          this.recordsSinceCompaction += batch.length;
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
        await this.compactIfWorthIt();
      }
    } finally {
      // Cleared in the same tick as the last emptiness check, so an append never waits on a finished loop.
      this.flushing = undefined;
    }
  }

  /** Keeps a long-running journal from growing without bound: rewrite once it is mostly dead records. */
  private async compactIfWorthIt(): Promise<void> {
    if (this.recordsSinceCompaction < 10_000) return;
    const live = [...this.snapshot()];
    if (this.recordsSinceCompaction < 4 * live.length) return;
    try {
      // Nothing else writes meanwhile: compaction runs inside the flush loop.
      const count = rewrite(this.path, live);
      const previous = this.handle;
      this.handle = await open(this.path, "a", 0o600);
      this.recordsSinceCompaction = count;
      await previous.close();
    } catch {
      // The old journal is still whole; try again after more records.
      this.recordsSinceCompaction = live.length;
    }
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }
}
