import { Duration } from "aws-cdk-lib";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { QueueName, QueueSpec } from "../lambdas/topology/queues.js";
import { pascal } from "./naming.js";

/**
 * How long a message may wait in a work queue before SQS drops it: 10 days, so a slow provider never
 * loses send jobs (a 10-million-recipient campaign at 26.7 SMS/s takes 4.3 days: docs/scale.md), while
 * a dead letter — whose expiry SQS counts from its original enqueue time — still has 4 days left.
 */
export const SOURCE_RETENTION = Duration.days(10);
/** Dead letters stay longer than any source message, so an operator has time to inspect and replay. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

export interface WorkQueue {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

export interface WorkQueuesProps {
  readonly specs: Readonly<Record<QueueName, QueueSpec>>;
}

/** One standard queue plus its dead-letter queue per entry in `queues`. */
export class WorkQueues extends Construct {
  private readonly byName = new Map<QueueName, WorkQueue>();
  /** Where the counter puts stream batches it could not apply after all its retries (for an operator). */
  readonly countingDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WorkQueuesProps) {
    super(scope, id);
    for (const [name, spec] of Object.entries(props.specs) as [QueueName, QueueSpec][]) {
      const deadLetterQueue = new Queue(this, `${pascal(name)}DeadLetterQueue`, {
        retentionPeriod: DEAD_LETTER_RETENTION,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new Queue(this, `${pascal(name)}Queue`, {
        retentionPeriod: SOURCE_RETENTION,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
      });
      this.byName.set(name, { queue, deadLetterQueue });
    }
    this.countingDeadLetterQueue = new Queue(this, "CountingDeadLetterQueue", {
      retentionPeriod: DEAD_LETTER_RETENTION,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
  }

  get(name: QueueName): WorkQueue {
    const found = this.byName.get(name);
    if (!found) throw new Error(`no queue named ${name}`);
    return found;
  }

  entries(): [QueueName, WorkQueue][] {
    return [...this.byName.entries()];
  }
}
