import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  type ITable,
  StreamViewType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../lambdas/store/table.js";

/** A table the stack uses without owning it: a point-in-time restore (docs/operations.md). */
export interface ExistingTable {
  readonly tableName: string;
  /** Its change stream (NEW_AND_OLD_IMAGES), which the counter consumes: `describe-table` → LatestStreamArn. */
  readonly tableStreamArn: string;
}

/**
 * The single table (see `lambdas/store/table.ts`): facts, counters and configuration live together. Its
 * change stream (new and old images) drives the counters (lambdas/flows/counting.ts). With `existing`
 * the stack uses that table instead of creating one (its stream, TTL and point-in-time recovery are then
 * the operator's to turn on; the table the stack created before stays, retained).
 * @throws Error at synth when `existing` has no stream ARN (the counter needs the stream)
 */
export class AnalyticsTable extends Construct {
  readonly table: ITable;
  /** Whether this stack created (and so configures) the table. */
  readonly owned: boolean;

  constructor(scope: Construct, id: string, props: { readonly existing?: ExistingTable } = {}) {
    super(scope, id);
    if (props.existing && !/^arn:aws[\w-]*:dynamodb:/.test(props.existing.tableStreamArn ?? ""))
      throw new Error(
        `tableStreamArn must be the stream ARN of table ${props.existing.tableName} (describe-table → LatestStreamArn)`,
      );
    this.owned = props.existing === undefined;
    this.table = props.existing
      ? Table.fromTableAttributes(this, "Existing", props.existing)
      : new Table(this, "Table", {
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
