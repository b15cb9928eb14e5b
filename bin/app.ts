import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { SmsAnalyticsStack } from "../lib/stack.js";

const app = new App();

// Pin the environment only when the CLI knows it; otherwise synth stays account-agnostic (offline).
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new SmsAnalyticsStack(app, "SmsAnalytics", {
  env: account && region ? { account, region } : undefined,
  publicBaseUrl: app.node.tryGetContext("publicBaseUrl"),
  dashboardOrigin: app.node.tryGetContext("dashboardOrigin"),
  // The dashboard (S3 + CloudFront) ships by default; `-c dashboard=false` leaves it out.
  dashboard: app.node.tryGetContext("dashboard") !== "false",
  // `-c alarmEmail=ops@example.com` subscribes that address to the alarm topic.
  alarmEmail: app.node.tryGetContext("alarmEmail"),
  // A point-in-time restore put in service: `-c tableName=… -c tableStreamArn=…` (docs/operations.md).
  ...(app.node.tryGetContext("tableName")
    ? {
        existingTable: {
          tableName: app.node.tryGetContext("tableName"),
          tableStreamArn: app.node.tryGetContext("tableStreamArn"),
        },
      }
    : {}),
});

// cdk-nag v3 runs as a policy-validation plugin: any unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
