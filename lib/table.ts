import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../lambdas/store/table.js";

/**
 * The single table (see `lambdas/store/table.ts`): facts, counters and configuration live together. Its
 * change stream (new and old images) drives the counters (lambdas/flows/counting.ts).
 */
export class AnalyticsTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: TABLE_KEY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      // The counters are the product: deleting the stack must never delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
