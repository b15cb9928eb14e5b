import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { pascal } from "./naming.js";
import type { WorkQueues } from "./queues.js";

/**
 * One alarm per dead-letter queue (a single parked message means something needs a human), and one on
 * the counter's stream lag: stream records live 24 hours, so counting must never fall that far behind.
 */
export class DeadLetterAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { readonly queues: WorkQueues; readonly counter: IFunction },
  ) {
    super(scope, id);
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
  }
}
