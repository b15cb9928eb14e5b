import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import { pascal } from "./naming.js";
import type { WorkQueues } from "./queues.js";

/** One alarm per dead-letter queue: a single parked message means something needs a human. */
export class DeadLetterAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: { readonly queues: WorkQueues }) {
    super(scope, id);
    for (const [name, { deadLetterQueue }] of props.queues.entries()) {
      this.alarms.push(
        new Alarm(this, `${pascal(name)}DeadLetters`, {
          alarmDescription: `Messages from the ${name} queue were dead-lettered; inspect and replay them.`,
          metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: "Maximum",
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          // An empty queue publishes no datapoints: that is the healthy state.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
