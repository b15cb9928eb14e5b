/**
 * Run by the durability test in its own process, then killed with SIGKILL: sends messages to two queues
 * as fast as it can and prints `ack <queue> <body>` only after each send resolved (the durability
 * promise). Its consumer never finishes, so the first batches are in flight at the moment of the kill.
 */
import { LocalQueues } from "../../lambdas/local/queue.js";
import type { QueueName } from "../../lambdas/topology/queues.js";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: queue-child.ts <dataDir>");

const queues = await LocalQueues.open({
  dataDir,
  consume: () => new Promise<never>(() => {}),
  consumerTimeoutMs: () => 3_600_000,
  log: () => {},
});

const targets: QueueName[] = ["clicks", "receipts"];
for (let i = 0; ; i++) {
  const queue = targets[i % targets.length] as QueueName;
  const bodies = [`${queue}-${i}-a`, `${queue}-${i}-b`];
  await queues.send(queue, bodies);
  process.stdout.write(bodies.map((b) => `ack ${queue} ${b}\n`).join(""));
}
