import { join } from "node:path";
import { Duration, Validations } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { FunctionSpec } from "../lambdas/topology/functions.js";
import { REPO_ROOT } from "./paths.js";

export const LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * ESM output still meets CommonJS dependencies that call `require`; this gives them one.
 * The alias avoids clashing with an esbuild-generated `createRequire` binding.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __smsCreateRequire } from 'node:module'; const require = __smsCreateRequire(import.meta.url);";

export interface SmsFunctionProps {
  readonly spec: FunctionSpec;
  readonly environment: Record<string, string>;
}

/**
 * One Lambda from a `functions` entry: Node.js 22 on arm64, bundled locally by esbuild (no Docker)
 * as minified ESM with the AWS SDK inside (pinned SDK, faster cold start), an explicit log group,
 * and a role that starts with nothing but the right to write to that log group.
 */
export class SmsFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SmsFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.logGroup = new LogGroup(this, "Logs", { retention: LOG_RETENTION });
    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    this.role = new Role(this, "Role", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, "Function", {
      entry: join(REPO_ROOT, spec.entry),
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: "node22",
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a second copy of every source file.
        sourcesContent: false,
        externalModules: [],
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
      },
    });
    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 is the runtime the service specifies and is tested on (code must also run on the " +
        "Node 20 used locally); moving to a newer runtime is a deliberate, tested upgrade.",
    });
  }
}
