import { Duration, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq, SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { FunctionName, FunctionSpec } from "../lambdas/topology/functions.js";
import { type QueueName, type QueueSpec, queueUrlEnv } from "../lambdas/topology/queues.js";
import type { StreamSpec } from "../lambdas/topology/streams.js";
import { SmsFunction } from "./function.js";
import { pascal } from "./naming.js";
import type { WorkQueues } from "./queues.js";

/** Where a function finds each secret's ARN (see lambdas/secrets.ts and lambdas/http/admin-key.ts). */
const SECRET_ENV = { adminKey: "ADMIN_KEY_SECRET_ARN", serverSecret: "SERVER_SECRET_ARN" } as const;

/** SQS requires a batching window above 10 messages per batch; a short one keeps latency low. */
export const MAX_BATCHING_WINDOW = Duration.seconds(2);

export interface FunctionsProps {
  readonly specs: Readonly<Record<FunctionName, FunctionSpec>>;
  readonly queueSpecs: Readonly<Record<QueueName, QueueSpec>>;
  readonly table: ITable;
  readonly queues: WorkQueues;
  readonly publicBaseUrl: string;
  /** The table's change stream consumer, and where records it cannot apply go after their retries. */
  readonly stream: { spec: StreamSpec; deadLetterQueue: Queue };
  /** Required when a spec lists them. */
  readonly secrets: { adminKey?: ISecret; serverSecret?: ISecret };
}

/** Every `functions` entry as a Lambda with exactly the access its spec asks for. */
export class Functions extends Construct {
  private readonly byName = new Map<FunctionName, SmsFunction>();

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    for (const [name, spec] of Object.entries(props.specs) as [FunctionName, FunctionSpec][]) {
      const environment: Record<string, string> = {
        ...(spec.table === "none" ? {} : { TABLE_NAME: props.table.tableName }),
        PUBLIC_BASE_URL: props.publicBaseUrl,
      };
      // The queues it sends to, and the one it consumes (to delay a retry: ChangeMessageVisibility).
      const consumed = (Object.entries(props.queueSpecs) as [QueueName, QueueSpec][])
        .filter(([, q]) => q.consumer === name)
        .map(([queueName]) => queueName);
      for (const queueName of [...spec.sendsTo, ...consumed]) {
        environment[queueUrlEnv(queueName)] = props.queues.get(queueName).queue.queueUrl;
      }
      for (const secretName of spec.secrets) {
        const secret = props.secrets[secretName];
        if (!secret) throw new Error(`${name} needs the ${secretName} secret but none was given`);
        environment[SECRET_ENV[secretName]] = secret.secretArn;
      }

      const smsFunction = new SmsFunction(this, pascal(name), { spec, environment });
      const fn = smsFunction.fn;
      if (spec.table === "read") props.table.grantReadData(fn);
      else if (spec.table === "readWrite") props.table.grantReadWriteData(fn);
      for (const queueName of spec.sendsTo) props.queues.get(queueName).queue.grantSendMessages(fn);
      for (const secretName of spec.secrets) props.secrets[secretName]?.grantRead(fn);
      this.byName.set(name, smsFunction);
    }

    // Consumers: the event source grants receive/delete/change-visibility on its own queue only.
    for (const [queueName, queueSpec] of Object.entries(props.queueSpecs) as [QueueName, QueueSpec][]) {
      this.get(queueSpec.consumer).addEventSource(
        new SqsEventSource(props.queues.get(queueName).queue, {
          batchSize: queueSpec.batchSize,
          reportBatchItemFailures: true,
          maxBatchingWindow: queueSpec.batchSize > 10 ? MAX_BATCHING_WINDOW : undefined,
          maxConcurrency: queueSpec.maxConcurrency,
        }),
      );
    }
    this.consumeStream(props);
  }

  /**
   * The counter consumes the table's change stream: one batch per shard at a time, in order, records of
   * fact items only; a tumbling window so that Lambda passes the shard id.
   */
  private consumeStream(props: FunctionsProps): void {
    const { spec, deadLetterQueue } = props.stream;
    const consumer = this.get(spec.consumer);
    consumer.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: spec.batchSize,
        maxBatchingWindow: Duration.seconds(spec.maxBatchingWindowSeconds),
        tumblingWindow: Duration.seconds(spec.tumblingWindowSeconds),
        parallelizationFactor: 1,
        bisectBatchOnError: false,
        reportBatchItemFailures: true,
        retryAttempts: spec.retryAttempts,
        onFailure: new SqsDlq(deadLetterQueue),
        filters: [FilterCriteria.filter({ dynamodb: { NewImage: { fact: { S: FilterRule.exists() } } } })],
      }),
    );
    if (consumer.role) {
      Validations.of(consumer.role).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "dynamodb:ListStreams supports no resource-level permission (AWS service authorization reference): " +
          "the event source grants it on * and every other stream action on this table's stream only.",
      });
    }
    Validations.of(deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is the on-failure destination of the counter's stream event source: a dead-letter queue " +
        "itself (cdk-nag recognises only SQS redrive policies), kept 14 days and alarmed on one message.",
    });
  }

  get(name: FunctionName): NodejsFunction {
    const found = this.byName.get(name);
    if (!found) throw new Error(`no function named ${name}`);
    return found.fn;
  }

  all(): SmsFunction[] {
    return [...this.byName.values()];
  }
}
