import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSRecord } from "aws-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lambdas/local/invoker.js";
import { LocalQueues } from "../../lambdas/local/queue.js";
import type { QueueName } from "../../lambdas/topology/queues.js";

const dataDir = mkdtempSync(join(tmpdir(), "local-queue-kill-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the sender child until it acknowledged `atLeast` messages, then kills it with SIGKILL mid-stream. */
function sendThenKill(atLeast: number): Promise<Map<string, QueueName>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "test/support/queue-child.ts"), dataDir],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const acked = new Map<string, QueueName>();
    let buffered = "";
    let stderr = "";
    let killed = false;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const [, queue, body] = line.split(" ");
        if (queue && body) acked.set(body, queue as QueueName);
      }
      if (!killed && acked.size >= atLeast) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolve(acked);
      else reject(new Error(`sender exited on its own (${signal ?? _code}): ${stderr}`));
    });
  });
}

describe("LocalQueues durability", () => {
  it("delivers every acknowledged message after the process is killed with SIGKILL, in-flight ones again", async () => {
    const acked = await sendThenKill(400);

    const delivered: { queue: QueueName; record: SQSRecord }[] = [];
    const queues = await LocalQueues.open({
      dataDir,
      log: () => {},
      consume: async (queue, event) => {
        for (const record of event.Records) delivered.push({ queue, record });
      },
    });
    await queues.drain();
    await queues.stop();

    const seen = new Map(delivered.map((d) => [d.record.body, d.queue]));
    const lost = [...acked].filter(([body, queue]) => seen.get(body) !== queue);
    expect(lost).toEqual([]);
    // The child's consumer never returned, so its first batch of each queue was in flight at the kill:
    // SQS hands those out again with a higher receive count.
    for (const queue of ["clicks", "receipts"] as const) {
      const first = delivered.find((d) => d.record.body === `${queue}-${queue === "clicks" ? 0 : 1}-a`);
      expect(first?.record.attributes.ApproximateReceiveCount).toBe("2");
    }
    // Nothing is delivered twice within one run (the restart delivered each message once).
    expect(new Set(delivered.map((d) => d.record.messageId)).size).toBe(delivered.length);

    // A second restart finds the queues empty: deletions were journaled too.
    const again: SQSRecord[] = [];
    const reopened = await LocalQueues.open({
      dataDir,
      log: () => {},
      consume: async (_queue, event) => {
        again.push(...event.Records);
      },
    });
    await reopened.drain();
    await reopened.stop();
    expect(again).toEqual([]);
  });
});
