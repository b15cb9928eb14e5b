import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { SmsAnalyticsStack } from "../../lib/stack.js";
import { SKIP_BUNDLING } from "./synth.js";

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/**
 * cdk-nag v3 is a policy-validation plugin: findings land in the assembly's `validation-report.json`
 * (not in annotations) and any unacknowledged one makes `synth()` throw. Returns them as
 * `severity rule path` lines so a failure names what to fix or acknowledge.
 */
function awsSolutionsFindings(app: App): string[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  let thrown: unknown;
  try {
    app.synth();
  } catch (error) {
    thrown = error;
  }
  const report = JSON.parse(
    readFileSync(join(app.outdir, "validation-report.json"), "utf8"),
  ) as ValidationReport;
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} ${c.constructPath}`),
    ),
  );
  if (thrown && findings.length === 0) throw thrown;
  return findings;
}

describe("cdk-nag AwsSolutions", () => {
  it("reports no unacknowledged error or warning on the stack", () => {
    const app = new App({ context: SKIP_BUNDLING });
    new SmsAnalyticsStack(app, "SmsAnalyticsNag");
    expect(awsSolutionsFindings(app)).toEqual([]);
  });

  it("does report an unacknowledged finding (the check is live)", () => {
    const app = new App({ context: SKIP_BUNDLING });
    const stack = new Stack(app, "NagCanary");
    new Queue(stack, "BareQueue");
    expect(awsSolutionsFindings(app)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^error AwsSolutions-SQS3 NagCanary\/BareQueue\//)]),
    );
  });
});
