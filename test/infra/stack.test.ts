import type { CfnResource } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { type FunctionName, functions } from "../../lambdas/topology/functions.js";
import { type QueueName, queues, queueUrlEnv } from "../../lambdas/topology/queues.js";
import { routes, unmatchedRoutes } from "../../lambdas/topology/routes.js";
import { tableStream } from "../../lambdas/topology/streams.js";
import { ACCESS_LOG_FIELDS } from "../../lib/access-log-format.js";
import { DEFAULT_THROTTLE, routeBurstLimit } from "../../lib/api.js";
import { synthStack } from "./synth.js";

interface CfnJson {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const { stack, template } = synthStack();
const resources = template.toJSON().Resources as Record<string, CfnJson>;
const ofType = (type: string): [string, CfnJson][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);

const functionNames = Object.keys(functions) as FunctionName[];
const queueNames = Object.keys(queues) as QueueName[];
const fnId = (name: FunctionName): string => logicalId(stack.functions.get(name));
const queueId = (name: QueueName): string => logicalId(stack.queues.get(name).queue);
const dlqId = (name: QueueName): string => logicalId(stack.queues.get(name).deadLetterQueue);

/** Every statement in the policies attached to a function's role. */
function statementsOf(name: FunctionName): Statement[] {
  const roleId = logicalId(stack.functions.get(name).role ?? fail());
  return ofType("AWS::IAM::Policy")
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
/** Logical ids of the resources a function may apply `action` to. */
function resourcesFor(name: FunctionName, action: string): string[] {
  return statementsOf(name)
    .filter((s) => s.Effect === "Allow" && actionsOf(s).includes(action))
    .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
    .map(
      (r) => JSON.stringify(r).match(/"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z0-9]+)"/)?.[1] ?? JSON.stringify(r),
    );
}
function fail(): never {
  throw new Error("not found");
}

describe("table", () => {
  it("is one on-demand table with pk/sk, TTL, point-in-time recovery, encryption, retained", () => {
    const tables = ofType("AWS::DynamoDB::Table");
    expect(tables).toHaveLength(1);
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ]),
        BillingMode: "PAY_PER_REQUEST",
        TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });
});

describe("queues", () => {
  it("has exactly one work queue and one dead-letter queue per entry in `queues`, and the counter's", () => {
    expect(ofType("AWS::SQS::Queue")).toHaveLength(queueNames.length * 2 + 1);
  });

  it.each(queueNames)("%s: redrives to its own DLQ, which keeps messages longer", (name) => {
    const spec = queues[name];
    const source = resources[queueId(name)]?.Properties ?? fail();
    const dlq = resources[dlqId(name)]?.Properties ?? fail();
    expect(source.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": [dlqId(name), "Arn"] },
      maxReceiveCount: spec.maxReceiveCount,
    });
    expect(source.VisibilityTimeout).toBe(spec.visibilityTimeoutSeconds);
    expect(dlq.RedrivePolicy).toBeUndefined();
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(dlq.MessageRetentionPeriod as number).toBeGreaterThan(source.MessageRetentionPeriod as number);
    // SQS requires the visibility timeout to cover the consumer's run.
    expect(spec.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(functions[spec.consumer].timeoutSeconds);
  });

  it("encrypts every queue and denies every non-TLS request", () => {
    for (const [id, queue] of ofType("AWS::SQS::Queue")) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      const policies = ofType("AWS::SQS::QueuePolicy").filter(([, p]) =>
        JSON.stringify(p.Properties.Queues).includes(`"${id}"`),
      );
      expect(policies, id).toHaveLength(1);
      expect(
        ((policies[0] ?? fail())[1].Properties.PolicyDocument as { Statement: unknown[] }).Statement,
      ).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Action: "sqs:*",
          Principal: { AWS: "*" },
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  it.each(queueNames)("%s: its consumer reads it in batches and reports partial failures", (name) => {
    const spec = queues[name];
    const mappings = ofType("AWS::Lambda::EventSourceMapping").filter(
      ([, m]) =>
        JSON.stringify(m.Properties.EventSourceArn) ===
        JSON.stringify({ "Fn::GetAtt": [queueId(name), "Arn"] }),
    );
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]?.[1].Properties ?? fail();
    expect(mapping.FunctionName).toEqual({ Ref: fnId(spec.consumer) });
    expect(mapping.BatchSize).toBe(spec.batchSize);
    expect(mapping.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    if (spec.batchSize > 10) expect(mapping.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
    else expect(mapping.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it("raises one alarm per dead-letter queue on a single visible message", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm");
    // And two for the counter: its dead-letter queue, and its lag behind the table's stream.
    expect(alarms).toHaveLength(queueNames.length + 2);
    for (const name of queueNames) {
      const onDlq = alarms.filter(
        ([, a]) =>
          JSON.stringify(a.Properties.Dimensions) ===
          JSON.stringify([{ Name: "QueueName", Value: { "Fn::GetAtt": [dlqId(name), "QueueName"] } }]),
      );
      expect(onDlq, name).toHaveLength(1);
      expect(onDlq[0]?.[1].Properties).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        EvaluationPeriods: 1,
      });
    }
  });
});

describe("an existing table (a point-in-time restore put in service)", () => {
  const existingTable = {
    tableName: "SmsAnalytics-restored-20260901",
    tableStreamArn:
      "arn:aws:dynamodb:eu-west-1:123456789012:table/SmsAnalytics-restored-20260901/stream/2026-09-01T10:00:00.000",
  };

  it("creates no table, and points every function, grant and the counter's stream at the given one", () => {
    const restored = synthStack({ existingTable });
    restored.template.resourceCountIs("AWS::DynamoDB::Table", 0);
    const json = restored.template.toJSON().Resources as Record<string, CfnJson>;
    const fns = Object.values(json).filter((r) => r.Type === "AWS::Lambda::Function");
    const names = fns.flatMap((f) => {
      const env = (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      return env?.TABLE_NAME === undefined ? [] : [env.TABLE_NAME];
    });
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set([existingTable.tableName]));
    restored.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: existingTable.tableStreamArn,
    });
    expect(JSON.stringify(json)).toContain(`table/${existingTable.tableName}`);
    restored.template.hasOutput("TableName", { Value: existingTable.tableName });
  });

  it("refuses a table without its stream ARN (the counter consumes it)", () => {
    expect(() => synthStack({ existingTable: { ...existingTable, tableStreamArn: "" } })).toThrow(
      /tableStreamArn must be the stream ARN/,
    );
  });
});

describe("alarm notifications", () => {
  const topicId = (): string => logicalId(stack.alarms.topic);

  it("notify one SNS topic from every alarm, when it fires and when it clears", () => {
    expect(ofType("AWS::SNS::Topic")).toHaveLength(1);
    const alarms = ofType("AWS::CloudWatch::Alarm");
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId() }]);
      expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topicId() }]);
    }
    template.hasOutput("AlarmTopicArn", { Value: { Ref: topicId() } });
  });

  it("refuses publishing without TLS, and has no subscriber unless an email is given", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
    expect(ofType("AWS::SNS::Subscription")).toHaveLength(0);
  });

  it("subscribes the `alarmEmail` context value by email (bin/app.ts passes -c alarmEmail=…)", () => {
    const withEmail = synthStack({ alarmEmail: "ops@example.com" });
    withEmail.template.resourceCountIs("AWS::SNS::Subscription", 1);
    withEmail.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
      TopicArn: {
        Ref: withEmail.stack.getLogicalId(withEmail.stack.alarms.topic.node.defaultChild as CfnResource),
      },
    });
    expect(() => synthStack({ alarmEmail: "ops at example" })).toThrow(/alarmEmail must be an email address/);
  });
});

describe("functions", () => {
  it("has one Lambda per entry in `functions`", () => {
    expect(ofType("AWS::Lambda::Function")).toHaveLength(functionNames.length);
  });

  it.each(functionNames)(
    "%s: Node.js 22 on arm64 with its memory, timeout, log group and environment",
    (name) => {
      const spec = functions[name];
      const fn = resources[fnId(name)]?.Properties ?? fail();
      expect(fn.Runtime).toBe("nodejs22.x");
      expect(fn.Architectures).toEqual(["arm64"]);
      expect(fn.Handler).toBe("index.handler");
      expect(fn.MemorySize).toBe(spec.memoryMb);
      expect(fn.Timeout).toBe(spec.timeoutSeconds);

      const logGroupId = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(30);

      const expected: Record<string, unknown> = {
        NODE_OPTIONS: "--enable-source-maps",
        ...(spec.table === "none" ? {} : { TABLE_NAME: { Ref: logicalId(stack.table.table) } }),
        PUBLIC_BASE_URL: { "Fn::GetAtt": [logicalId(stack.api.httpApi), "ApiEndpoint"] },
      };
      for (const queue of spec.sendsTo) expected[queueUrlEnv(queue)] = { Ref: queueId(queue) };
      for (const queue of queueNames.filter((q) => queues[q].consumer === name)) {
        expected[queueUrlEnv(queue)] = { Ref: queueId(queue) };
      }
      if (spec.secrets.includes("adminKey")) {
        expected.ADMIN_KEY_SECRET_ARN = { Ref: logicalId(stack.adminKey?.secret ?? fail()) };
      }
      if (spec.secrets.includes("serverSecret")) {
        expected.SERVER_SECRET_ARN = { Ref: logicalId(stack.serverSecret?.secret ?? fail()) };
      }
      expect((fn.Environment as { Variables: unknown }).Variables).toEqual(expected);
    },
  );

  it("uses a custom domain for PUBLIC_BASE_URL when one is given", () => {
    const custom = synthStack({ publicBaseUrl: "https://sms.example.com" });
    custom.template.allResourcesProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ PUBLIC_BASE_URL: "https://sms.example.com" }) },
    });
  });

  it("generates the admin key and the server secret: 48 characters, no punctuation", () => {
    template.resourceCountIs("AWS::SecretsManager::Secret", 2);
    template.allResourcesProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
  });
});

describe("least privilege", () => {
  it.each(functionNames)("%s: table access matches its role, and no statement grants `*`", (name) => {
    const writes = resourcesFor(name, "dynamodb:PutItem");
    const reads = resourcesFor(name, "dynamodb:GetItem");
    const tableId = logicalId(stack.table.table);
    expect(reads).toEqual(functions[name].table === "none" ? [] : [tableId]);
    expect(writes).toEqual(functions[name].table === "readWrite" ? [tableId] : []);
    for (const statement of statementsOf(name)) {
      // dynamodb:ListStreams has no resource-level permission: the stream's consumer gets it on `*`, alone.
      if (JSON.stringify(actionsOf(statement)) === JSON.stringify(["dynamodb:ListStreams"])) continue;
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|\/\*"/);
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
    }
  });

  it("keeps the analytics reader away from writes", () => {
    const actions = statementsOf("analytics").flatMap(actionsOf);
    expect(actions).toContain("dynamodb:Query");
    for (const write of [
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ]) {
      expect(actions).not.toContain(write);
    }
  });

  it.each(functionNames)("%s: sends only to the queues in its `sendsTo`", (name) => {
    // The counter's stream event source sends failed batches to its own dead-letter queue.
    const destination =
      name === tableStream.consumer ? [logicalId(stack.queues.countingDeadLetterQueue)] : [];
    expect(resourcesFor(name, "sqs:SendMessage").sort()).toEqual(
      [...functions[name].sendsTo.map(queueId), ...destination].sort(),
    );
  });

  it("lets the webhook send to the receipts queue only", () => {
    expect(resourcesFor("webhook", "sqs:SendMessage")).toEqual([queueId("receipts")]);
  });

  it("gives the sandbox deliverer no table, its own queue only, and outbound HTTPS (no VPC)", () => {
    const actions = statementsOf("sandboxDeliverer").flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith("dynamodb:"))).toEqual([]);
    expect(resourcesFor("sandboxDeliverer", "sqs:SendMessage")).toEqual([queueId("sandboxReceipts")]);
    expect(resourcesFor("sendWorker", "sqs:SendMessage")).toEqual([queueId("sandboxReceipts")]);
    // Outside a VPC a Lambda reaches the API's public HTTPS endpoint (PUBLIC_BASE_URL) directly.
    expect(resources[fnId("sandboxDeliverer")]?.Properties.VpcConfig).toBeUndefined();
  });

  it.each(functionNames)("%s: consumes only the queue it is the consumer of", (name) => {
    const consumed = queueNames.filter((queue) => queues[queue].consumer === name).map(queueId);
    expect(resourcesFor(name, "sqs:ReceiveMessage").sort()).toEqual(consumed.sort());
    expect(resourcesFor(name, "sqs:DeleteMessage").sort()).toEqual(consumed.sort());
  });

  it.each(functionNames)("%s: reads exactly the secrets its spec lists", (name) => {
    const secretIds = resourcesFor(name, "secretsmanager:GetSecretValue");
    const expected = functions[name].secrets.map((s) =>
      logicalId((s === "adminKey" ? stack.adminKey : stack.serverSecret)?.secret ?? fail()),
    );
    expect(secretIds.sort()).toEqual(expected.sort());
  });

  it("attaches no managed policies to function roles (logs are granted on each function's own group)", () => {
    for (const [id, role] of ofType("AWS::IAM::Role")) {
      expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe("HTTP API", () => {
  it("has one route per entry in `routes`, each wired to its function, and a `$default` route", () => {
    const routeResources = ofType("AWS::ApiGatewayV2::Route");
    expect(routeResources).toHaveLength(routes.length + 1);
    const unmatched = routeResources.filter(([, r]) => r.Properties.RouteKey === "$default");
    expect(unmatched).toHaveLength(1);
    const integrations = Object.fromEntries(ofType("AWS::ApiGatewayV2::Integration"));
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const matching = routeResources.filter(([, r]) => r.Properties.RouteKey === key);
      expect(matching, key).toHaveLength(1);
      const target = JSON.stringify(matching[0]?.[1].Properties.Target);
      const integrationId = target.match(/"Ref":"([A-Za-z0-9]+)"/)?.[1] ?? fail();
      expect(JSON.stringify(integrations[integrationId]?.Properties.IntegrationUri)).toContain(
        `"${fnId(route.fn)}"`,
      );
    }
  });

  it("reuses one integration per function", () => {
    expect(ofType("AWS::ApiGatewayV2::Integration")).toHaveLength(new Set(routes.map((r) => r.fn)).size);
  });

  it("logs every request as JSON without the raw path, query string or Authorization", () => {
    const [[, stage] = fail()] = ofType("AWS::ApiGatewayV2::Stage");
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual({ "Fn::GetAtt": [logicalId(stack.api.accessLogs), "Arn"] });
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    for (const field of ["requestId", "ip", "method", "route", "status", "latencyMs", "userAgent"]) {
      expect(format[field], field).toMatch(/^\$context\./);
    }
    expect(settings.Format).not.toMatch(/\$context\.path|querystring|authorization|\$request/i);
  });

  it("throttles the stage and each route at its `rateLimit`", () => {
    const [[, stage] = fail()] = ofType("AWS::ApiGatewayV2::Stage");
    expect(stage.Properties.StageName).toBe("$default");
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
      ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
    });
    const expected = Object.fromEntries([
      ...routes.map((r) => [
        `${r.method} ${r.path}`,
        { ThrottlingBurstLimit: routeBurstLimit(r.rateLimit), ThrottlingRateLimit: r.rateLimit },
      ]),
      [
        "$default",
        {
          ThrottlingBurstLimit: routeBurstLimit(unmatchedRoutes.rateLimit),
          ThrottlingRateLimit: unmatchedRoutes.rateLimit,
        },
      ],
    ]);
    expect(stage.Properties.RouteSettings).toEqual(expected);
  });

  it("creates the stage after the routes its settings name", () => {
    const stageId = logicalId(stack.api.stage);
    const dependsOn = template.toJSON().Resources[stageId].DependsOn as string[];
    for (const [routeId] of ofType("AWS::ApiGatewayV2::Route")) expect(dependsOn).toContain(routeId);
  });

  it("allows no browser origin unless a dashboard origin is given, then exactly that one", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { CorsConfiguration: Match.absent() });
    const withDashboard = synthStack({ dashboardOrigin: "https://dash.example.com" });
    withDashboard.template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ["https://dash.example.com"] }),
    });
  });
});

describe("outputs", () => {
  it("prints the API URL, table name, every DLQ name and the admin key secret name", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ApiUrl?.Value).toEqual({ "Fn::GetAtt": [logicalId(stack.api.httpApi), "ApiEndpoint"] });
    expect(outputs.TableName?.Value).toEqual({ Ref: logicalId(stack.table.table) });
    for (const name of queueNames) {
      const dlqOutputs = Object.values(outputs).filter(
        (o) => JSON.stringify(o.Value) === JSON.stringify({ "Fn::GetAtt": [dlqId(name), "QueueName"] }),
      );
      expect(dlqOutputs, name).toHaveLength(1);
    }
    expect(JSON.stringify(outputs.AdminKeySecretName?.Value)).toContain(
      logicalId(stack.adminKey?.secret ?? fail()),
    );
  });
});
