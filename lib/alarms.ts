import { Duration, Validations } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { pascal } from "./naming.js";
import type { WorkQueues } from "./queues.js";

export interface DeadLetterAlarmsProps {
  readonly queues: WorkQueues;
  readonly counter: IFunction;
  /** Subscribed to the alarm topic by email (`-c alarmEmail=…`); AWS asks it to confirm once. */
  readonly alarmEmail?: string;
}

/** Loose on purpose (SNS checks the address): one `@`, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * One alarm per dead-letter queue (a single parked message means something needs a human), and one on
 * the counter's stream lag: stream records live 24 hours, so counting must never fall that far behind.
 * Every alarm notifies one SNS topic when it fires and when it clears; `alarmEmail` subscribes an
 * address to it (other subscribers — chat, paging — can be added to the topic outside this stack).
 * @throws Error at synth when `alarmEmail` is not an email address
 */
export class DeadLetterAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: DeadLetterAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, "Topic", { displayName: "SMS analytics alarms", enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and the " +
        "notifications carry alarm names and states only, no product data: a customer-managed key would " +
        "protect nothing.",
    });
    if (props.alarmEmail !== undefined) {
      if (!EMAIL.test(props.alarmEmail))
        throw new Error(`alarmEmail must be an email address, got "${props.alarmEmail}"`);
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    const atLeastOne = (name: string, description: string, metric: IMetric): void => {
      this.alarms.push(
        new Alarm(this, name, {
          alarmDescription: description,
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          // An empty queue publishes no datapoints: that is the healthy state.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    };
    const visible = (q: WorkQueues["countingDeadLetterQueue"]) =>
      q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: "Maximum" });
    for (const [name, { deadLetterQueue }] of props.queues.entries()) {
      atLeastOne(
        `${pascal(name)}DeadLetters`,
        `Messages from the ${name} queue were dead-lettered; inspect and replay them.`,
        visible(deadLetterQueue),
      );
    }
    atLeastOne(
      "CountingDeadLetters",
      "Stream batches the counter could not apply were dead-lettered: counters are missing changes (docs/operations.md).",
      visible(props.queues.countingDeadLetterQueue),
    );
    this.alarms.push(
      new Alarm(this, "CountingLag", {
        alarmDescription:
          "The counter is more than 15 minutes behind the table's change stream (records expire after 24 hours).",
        metric: props.counter.metric("IteratorAge", { period: Duration.minutes(5), statistic: "Maximum" }),
        threshold: 15 * 60 * 1000,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    const notify = new SnsAction(this.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}
