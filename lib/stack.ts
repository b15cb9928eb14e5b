import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import {
  type FunctionName,
  type FunctionSpec,
  functions as functionSpecs,
} from "../lambdas/topology/functions.js";
import { type QueueName, type QueueSpec, queues as queueSpecs } from "../lambdas/topology/queues.js";
import { type RouteSpec, routes as routeSpecs, unmatchedRoutes } from "../lambdas/topology/routes.js";
import { tableStream } from "../lambdas/topology/streams.js";
import { DeadLetterAlarms } from "./alarms.js";
import { Api } from "./api.js";
import { DashboardSite, type DashboardSiteProps } from "./dashboard.js";
import { Functions } from "./functions.js";
import { pascal } from "./naming.js";
import { WorkQueues } from "./queues.js";
import { adminKeySecret, type GeneratedSecret, serverSecret } from "./secrets.js";
import { AnalyticsTable, type ExistingTable } from "./table.js";

export interface SmsAnalyticsStackProps extends StackProps {
  /** Base URL for webhook and short-link URLs when a custom domain fronts the API; default the API endpoint. */
  readonly publicBaseUrl?: string;
  /** Origin of the browser dashboard allowed by CORS; none when unset. */
  readonly dashboardOrigin?: string;
  /** Serve the browser dashboard from S3 behind CloudFront; its origin is then the one CORS allows. */
  readonly dashboard?: boolean | DashboardSiteProps;
  /** Defaults to `lambdas/routes.ts`; tests pass their own tables. */
  readonly functionSpecs?: Readonly<Record<FunctionName, FunctionSpec>>;
  readonly routeSpecs?: readonly RouteSpec[];
  readonly queueSpecs?: Readonly<Record<QueueName, QueueSpec>>;
  /** Email address subscribed to the alarm topic (`-c alarmEmail=ops@example.com`); none when unset. */
  readonly alarmEmail?: string;
  /**
   * Use this table instead of creating one (`-c tableName=… -c tableStreamArn=…`): a point-in-time
   * restore put in service (docs/operations.md, "Restore from point-in-time recovery").
   */
  readonly existingTable?: ExistingTable;
}

/** The whole service, built from the functions/routes/queues table in `lambdas/routes.ts`. */
export class SmsAnalyticsStack extends Stack {
  readonly table: AnalyticsTable;
  readonly queues: WorkQueues;
  readonly api: Api;
  readonly functions: Functions;
  readonly adminKey: GeneratedSecret | undefined;
  readonly serverSecret: GeneratedSecret | undefined;
  readonly alarms: DeadLetterAlarms;
  readonly dashboard: DashboardSite | undefined;

  constructor(scope: Construct, id: string, props: SmsAnalyticsStackProps = {}) {
    super(scope, id, props);
    const fnSpecs = props.functionSpecs ?? functionSpecs;
    const qSpecs = props.queueSpecs ?? queueSpecs;

    this.table = new AnalyticsTable(
      this,
      "Data",
      props.existingTable ? { existing: props.existingTable } : {},
    );
    this.queues = new WorkQueues(this, "Queues", { specs: qSpecs });
    // The site before the API: CORS names the distribution's origin; the distribution never names the API.
    this.dashboard = props.dashboard
      ? new DashboardSite(this, "Dashboard", props.dashboard === true ? {} : props.dashboard)
      : undefined;
    this.api = new Api(this, "Api", { dashboardOrigin: props.dashboardOrigin ?? this.dashboard?.origin });
    const needs = (s: "adminKey" | "serverSecret"): boolean =>
      Object.values(fnSpecs).some((spec) => spec.secrets.includes(s));
    this.adminKey = needs("adminKey") ? adminKeySecret(this) : undefined;
    this.serverSecret = needs("serverSecret") ? serverSecret(this) : undefined;
    // Functions read the API endpoint and routes point at functions: no cycle, because routes
    // reference the function through separate integration resources, not the API itself.
    this.functions = new Functions(this, "Functions", {
      specs: fnSpecs,
      queueSpecs: qSpecs,
      table: this.table.table,
      queues: this.queues,
      publicBaseUrl: props.publicBaseUrl ?? this.api.endpoint,
      secrets: { adminKey: this.adminKey?.secret, serverSecret: this.serverSecret?.secret },
      stream: { spec: tableStream, deadLetterQueue: this.queues.countingDeadLetterQueue },
    });
    for (const route of props.routeSpecs ?? routeSpecs) {
      this.api.addRoute(route, this.functions.get(route.fn));
    }
    this.api.addDefaultRoute(unmatchedRoutes, this.functions.get(unmatchedRoutes.fn));
    this.alarms = new DeadLetterAlarms(this, "Alarms", {
      queues: this.queues,
      counter: this.functions.get(tableStream.consumer),
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    this.dashboard?.deploy(this.api.endpoint);

    new CfnOutput(this, "ApiUrl", { value: this.api.endpoint, description: "HTTP API base URL" });
    new CfnOutput(this, "TableName", { value: this.table.table.tableName });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.alarms.topic.topicArn,
      description: "SNS topic every alarm notifies (subscribe more endpoints to it)",
    });
    if (this.dashboard) {
      new CfnOutput(this, "DashboardUrl", {
        value: `${this.dashboard.origin}/dashboard/`,
        description: "Dashboard",
      });
    }
    for (const [name, { deadLetterQueue }] of this.queues.entries()) {
      new CfnOutput(this, `${pascal(name)}DeadLetterQueueName`, {
        value: deadLetterQueue.queueName,
        description: `Dead-letter queue of the ${name} queue`,
      });
    }
    if (this.adminKey) {
      new CfnOutput(this, "AdminKeySecretName", {
        value: this.adminKey.secret.secretName,
        description: "aws secretsmanager get-secret-value --secret-id <this> reads the admin API key",
      });
    }
  }
}
