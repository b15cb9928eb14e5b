import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { LocalQueues, type LocalQueuesOptions, type QueueConsumer } from "../../lambdas/local/queue.js";
import { type QueueName, type QueueSpec, queues } from "../../lambdas/topology/queues.js";

/** Every delivery a consumer saw: the queue, the batch it came in, and the record. */
interface Delivery {
  queue: QueueName;
  batch: number;
  record: SQSRecord;
}

const dirs: string[] = [];
const open: LocalQueues[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "local-queue-"));
  dirs.push(dir);
  return dir;
}

function specs(overrides: Partial<QueueSpec> = {}): Record<QueueName, QueueSpec> {
  const out = {} as Record<QueueName, QueueSpec>;
  for (const [name, spec] of Object.entries(queues)) out[name as QueueName] = { ...spec, ...overrides };
  return out;
}

/** A consumer function that records what it was given and answers with `decide`. */
function recorder(
  decide: (
    event: SQSEvent,
    call: number,
  ) => Promise<SQSBatchResponse | undefined> | SQSBatchResponse | undefined,
): { consume: QueueConsumer; deliveries: Delivery[]; batches: SQSEvent[] } {
  const deliveries: Delivery[] = [];
  const batches: SQSEvent[] = [];
  const consume: QueueConsumer = async (queue, event) => {
    const call = batches.length;
    batches.push(event);
    for (const record of event.Records) deliveries.push({ queue, batch: call, record });
    return decide(event, call);
  };
  return { consume, deliveries, batches };
}

async function openQueues(options: Partial<LocalQueuesOptions> & { dataDir?: string }): Promise<LocalQueues> {
  const q = await LocalQueues.open({
    dataDir: options.dataDir ?? tempDir(),
    visibilityTimeoutSeconds: 0,
    log: () => {},
    ...options,
  });
  open.push(q);
  return q;
}

function receives(deliveries: Delivery[], body: string): number[] {
  return deliveries
    .filter((d) => d.record.body === body)
    .map((d) => Number(d.record.attributes.ApproximateReceiveCount));
}

afterEach(async () => {
  for (const q of open.splice(0)) await q.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("LocalQueues", () => {
  it("delivers real-shaped SQS events in batches of at most batchSize and deletes what succeeded", async () => {
    const { consume, deliveries, batches } = recorder(() => undefined);
    const q = await openQueues({ consume, specs: specs({ batchSize: 5 }) });
    const bodies = Array.from({ length: 12 }, (_, i) => `msg-${i}`);
    await q.send("clicks", bodies);
    await q.drain();

    expect(batches.map((b) => b.Records.length).sort()).toEqual([2, 5, 5]);
    expect(deliveries.map((d) => d.record.body).sort()).toEqual([...bodies].sort());
    const r = deliveries[0]?.record as SQSRecord;
    expect(r.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.receiptHandle.length).toBeGreaterThan(20);
    expect(r.eventSource).toBe("aws:sqs");
    expect(r.eventSourceARN).toBe("arn:aws:sqs:local:000000000000:clicks");
    expect(r.awsRegion).toBe("local");
    expect(r.messageAttributes).toEqual({});
    expect(r.md5OfBody).toBe(createHash("md5").update(r.body).digest("hex"));
    expect(r.attributes.ApproximateReceiveCount).toBe("1");
    expect(Number(r.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(r.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
      Number(r.attributes.SentTimestamp),
    );
    expect(new Set(deliveries.map((d) => d.record.messageId)).size).toBe(12);
    expect(q.stats().clicks).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 0 });
  });

  it("routes each queue's messages to that queue's consumer only", async () => {
    const { consume, deliveries } = recorder(() => undefined);
    const q = await openQueues({ consume });
    await q.send("receipts", ["r1"]);
    await q.send("sends", ["s1", "s2"]);
    await q.drain();
    expect(deliveries.map((d) => `${d.queue}:${d.record.body}`).sort()).toEqual([
      "receipts:r1",
      "sends:s1",
      "sends:s2",
    ]);
  });

  it("redelivers only the messages reported in batchItemFailures, with a growing receive count", async () => {
    const { consume, deliveries } = recorder((event) => ({
      batchItemFailures: event.Records.filter(
        (r) => r.body.startsWith("bad") && Number(r.attributes.ApproximateReceiveCount) < 3,
      ).map((r) => ({ itemIdentifier: r.messageId })),
    }));
    const q = await openQueues({ consume, specs: specs({ maxReceiveCount: 5 }) });
    await q.send("receipts", ["ok-1", "bad-1", "ok-2", "bad-2"]);
    await q.drain();

    expect(receives(deliveries, "ok-1")).toEqual([1]);
    expect(receives(deliveries, "ok-2")).toEqual([1]);
    expect(receives(deliveries, "bad-1")).toEqual([1, 2, 3]);
    expect(receives(deliveries, "bad-2")).toEqual([1, 2, 3]);
    const bad = deliveries.filter((d) => d.record.body === "bad-1");
    expect(new Set(bad.map((d) => d.record.messageId)).size).toBe(1);
    expect(new Set(bad.map((d) => d.record.receiptHandle)).size).toBe(3);
    expect(new Set(bad.map((d) => d.record.attributes.ApproximateFirstReceiveTimestamp)).size).toBe(1);
    expect(q.stats().receipts.dlq).toBe(0);
  });

  it("redelivers the whole batch when the consumer throws", async () => {
    const { consume, deliveries } = recorder((_event, call) => {
      if (call === 0) throw new Error("worker crashed");
      return undefined;
    });
    const q = await openQueues({ consume, concurrency: 1 });
    await q.send("events", ["e1", "e2", "e3"]);
    await q.drain();
    for (const body of ["e1", "e2", "e3"]) expect(receives(deliveries, body)).toEqual([1, 2]);
  });

  it("redelivers the whole batch when the answer names a message that is not in the batch", async () => {
    const { consume, deliveries } = recorder((_event, call) =>
      call === 0 ? { batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] } : undefined,
    );
    const q = await openQueues({ consume, concurrency: 1 });
    await q.send("events", ["e1", "e2"]);
    await q.drain();
    for (const body of ["e1", "e2"]) expect(receives(deliveries, body)).toEqual([1, 2]);
  });

  it("redelivers a batch whose consumer runs past its timeout", async () => {
    const { consume, deliveries } = recorder((_event, call) =>
      call === 0 ? new Promise<undefined>(() => {}) : undefined,
    );
    const q = await openQueues({ consume, concurrency: 1, consumerTimeoutMs: () => 50 });
    await q.send("clicks", ["c1"]);
    await q.drain();
    expect(receives(deliveries, "c1")).toEqual([1, 2]);
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives, and redrives it", async () => {
    let healthy = false;
    const { consume, deliveries } = recorder((event) =>
      healthy
        ? undefined
        : { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) },
    );
    const q = await openQueues({ consume, specs: specs({ maxReceiveCount: 3 }) });
    await q.send("sends", ["poison"]);
    await q.drain();

    expect(receives(deliveries, "poison")).toEqual([1, 2, 3]);
    expect(q.stats().sends).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 1 });
    const [dead] = q.listDeadLetters("sends");
    expect(dead?.body).toBe("poison");
    expect(dead?.receiveCount).toBe(3);
    expect(q.listDeadLetters("clicks")).toEqual([]);

    healthy = true;
    expect(await q.redrive("sends")).toBe(1);
    await q.drain();
    expect(receives(deliveries, "poison")).toEqual([1, 2, 3, 1]);
    expect(deliveries.at(-1)?.record.messageId).toBe(dead?.messageId);
    expect(q.stats().sends.dlq).toBe(0);
  });

  it("counts messages waiting out a visibility timeout as not drained", async () => {
    const { consume, deliveries } = recorder((event, call) =>
      call === 0
        ? { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }
        : undefined,
    );
    const q = await openQueues({ consume, visibilityTimeoutSeconds: 0.3 });
    await q.send("clicks", ["later"]);
    await q.drain();
    // drain() resolved only once the redelivery after the timeout succeeded.
    expect(receives(deliveries, "later")).toEqual([1, 2]);
    expect(q.stats().clicks).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 0 });
  });

  it("holds a delayed message until its delay is over (SQS message timer), and drain waits for it", async () => {
    const { consume, deliveries } = recorder(() => undefined);
    const q = await openQueues({ consume });
    await q.send("clicks", [
      "now",
      { body: "later", delaySeconds: 1 },
      { body: "also-now", delaySeconds: 0 },
    ]);
    expect(q.stats().clicks.delayed).toBe(1);
    await q.drain();
    const later = deliveries.find((d) => d.record.body === "later")?.record;
    expect(later).toBeDefined();
    const held =
      Number(later?.attributes.ApproximateFirstReceiveTimestamp) - Number(later?.attributes.SentTimestamp);
    expect(held).toBeGreaterThanOrEqual(1000);
    expect(deliveries.map((d) => d.record.body).sort()).toEqual(["also-now", "later", "now"]);
    expect(q.stats().clicks).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 0 });
  });

  it("keeps a delayed message's timer across a restart", async () => {
    const dataDir = tempDir();
    const sender = await openQueues({ dataDir });
    await sender.send("receipts", [{ body: "delayed", delaySeconds: 2 }]);
    await sender.stop();

    const { consume, deliveries } = recorder(() => undefined);
    const reopened = await openQueues({ dataDir, consume });
    expect(reopened.stats().receipts).toMatchObject({ visible: 0, delayed: 1 });
    await reopened.drain();
    const record = deliveries[0]?.record;
    expect(record?.body).toBe("delayed");
    expect(
      Number(record?.attributes.ApproximateFirstReceiveTimestamp) - Number(record?.attributes.SentTimestamp),
    ).toBeGreaterThanOrEqual(2000);
  });

  it("refuses a delay SQS would refuse: not whole seconds, negative, over 900 s", async () => {
    const q = await openQueues({});
    for (const delaySeconds of [-1, 1.5, 901]) {
      await expect(q.send("clicks", [{ body: "x", delaySeconds }])).rejects.toThrow(
        /whole number of seconds/,
      );
    }
    expect(q.stats().clicks).toEqual({ visible: 0, inFlight: 0, waitingRetry: 0, delayed: 0, dlq: 0 });
  });

  it("keeps unconsumed messages and dead letters across a restart", async () => {
    const dataDir = tempDir();
    const sender = await openQueues({ dataDir });
    await sender.send("receipts", ["kept-1", "kept-2"]);
    await sender.stop();

    const failing = recorder((event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === "kept-2").map((r) => ({
        itemIdentifier: r.messageId,
      })),
    }));
    const first = await openQueues({
      dataDir,
      consume: failing.consume,
      specs: specs({ maxReceiveCount: 1 }),
    });
    await first.drain();
    await first.stop();
    expect(failing.deliveries.map((d) => d.record.body).sort()).toEqual(["kept-1", "kept-2"]);

    const after = recorder(() => undefined);
    const second = await openQueues({ dataDir, consume: after.consume });
    await second.drain();
    expect(after.deliveries).toEqual([]);
    expect(second.listDeadLetters("receipts").map((d) => d.body)).toEqual(["kept-2"]);
  });

  it("rejects what SQS would reject, and sends after stop", async () => {
    const q = await openQueues({});
    await expect(q.send("clicks", [""])).rejects.toThrow(/empty/);
    await expect(q.send("clicks", ["x".repeat(256 * 1024 + 1)])).rejects.toThrow(/256 KiB/);
    await q.stop();
    await expect(q.send("clicks", ["late"])).rejects.toThrow(/stopped/);
  });

  it("compacts a long journal without losing live messages", async () => {
    const dataDir = tempDir();
    const { consume } = recorder((event) => ({
      batchItemFailures: event.Records.filter((r) => r.body.startsWith("dead-")).map((r) => ({
        itemIdentifier: r.messageId,
      })),
    }));
    const q = await openQueues({ dataDir, consume, specs: specs({ maxReceiveCount: 1, batchSize: 100 }) });
    const bodies = Array.from({ length: 4000 }, (_, i) => (i % 1000 === 0 ? `dead-${i}` : `ok-${i}`));
    await q.send("clicks", bodies);
    await q.drain();
    await q.stop();

    const lines = readFileSync(join(dataDir, "queues", "clicks.journal"), "utf8")
      .split("\n")
      .filter(Boolean);
    // 4000 sends + 4000 receives + ~4000 deletes were written; compaction kept far fewer.
    expect(lines.length).toBeLessThan(4000);
    const reopened = await openQueues({ dataDir });
    expect(
      reopened
        .listDeadLetters("clicks")
        .map((d) => d.body)
        .sort(),
    ).toEqual(["dead-0", "dead-1000", "dead-2000", "dead-3000"]);
    expect(reopened.stats().clicks.visible).toBe(0);
  });
});
