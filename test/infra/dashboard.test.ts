import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, describe, expect, it } from "vitest";
import { ROUTING_FUNCTION } from "../../lib/dashboard.js";
import { SmsAnalyticsStack } from "../../lib/stack.js";
import { SKIP_BUNDLING } from "./synth.js";

/** A stand-in build: the infrastructure tests must not depend on `npm run build` having run. */
const root = mkdtempSync(join(tmpdir(), "dash-infra-"));
const distDir = join(root, "dist");
mkdirSync(join(distDir, "assets"), { recursive: true });
writeFileSync(join(distDir, "index.html"), "<!doctype html><title>dashboard</title>");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function synth(dist: string): { app: App; stack: SmsAnalyticsStack; template: Template } {
  const app = new App({ context: SKIP_BUNDLING });
  const stack = new SmsAnalyticsStack(app, "SmsAnalyticsDashboard", { dashboard: { distDir: dist } });
  return { app, stack, template: Template.fromStack(stack) };
}

const { stack, template } = synth(distDir);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
const idOf = (construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe("dashboard hosting", () => {
  it("keeps the site bucket private, encrypted, TLS-only and access-logged", () => {
    const site = resources[idOf(stack.dashboard?.bucket ?? fail())]?.Properties;
    expect(site.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(site.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: "AES256",
    });
    expect(site.LoggingConfiguration.DestinationBucketName).toEqual({
      Ref: idOf(stack.dashboard?.logBucket ?? fail()),
    });
    for (const bucket of [stack.dashboard?.bucket, stack.dashboard?.logBucket]) {
      template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: idOf(bucket ?? fail()) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Action: "s3:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        },
      });
    }
  });

  it("serves it through CloudFront with origin access control, HTTPS only and security headers", () => {
    template.resourceCountIs("AWS::CloudFront::OriginAccessControl", 1);
    const distribution =
      resources[idOf(stack.dashboard?.distribution ?? fail())]?.Properties.DistributionConfig;
    expect(distribution.DefaultRootObject).toBe("index.html");
    expect(distribution.Origins[0].OriginAccessControlId).toBeDefined();
    expect(distribution.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("https-only");
    expect(distribution.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    expect(distribution.DefaultCacheBehavior.FunctionAssociations[0].EventType).toBe("viewer-request");
    expect(distribution.Logging.Bucket).toBeDefined();
    template.hasResourceProperties("AWS::CloudFront::ResponseHeadersPolicy", {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: "DENY", Override: true },
          StrictTransportSecurity: Match.objectLike({ Override: true, IncludeSubdomains: true }),
          ContentSecurityPolicy: Match.objectLike({ Override: true }),
        }),
      },
    });
  });

  it("lets exactly the distribution's origin call the API (CORS), with no dependency cycle", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [
          {
            "Fn::Join": [
              "",
              ["https://", { "Fn::GetAtt": [idOf(stack.dashboard?.distribution ?? fail()), "DomainName"] }],
            ],
          },
        ],
      }),
    });
  });

  it("deploys the build under /dashboard/ with a config.json naming the API, and invalidates the cache", () => {
    const [, deployment] =
      Object.entries(resources).find(([, r]) => r.Type === "Custom::CDKBucketDeployment") ?? fail();
    expect(deployment.Properties.DestinationBucketKeyPrefix).toBe("dashboard/");
    expect(deployment.Properties.DestinationBucketName).toEqual({
      Ref: idOf(stack.dashboard?.bucket ?? fail()),
    });
    expect(deployment.Properties.DistributionId).toEqual({
      Ref: idOf(stack.dashboard?.distribution ?? fail()),
    });
    expect(deployment.Properties.DistributionPaths).toEqual(["/dashboard/*"]);
    // Its files go with the stack, so `cdk destroy` can delete the (DESTROY) site bucket.
    expect(deployment.Properties.RetainOnDelete).toBe(false);
    expect(resources[idOf(stack.dashboard?.bucket ?? fail())]).toMatchObject({ DeletionPolicy: "Delete" });
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    // The config file is filled at deploy time with the API endpoint.
    expect(JSON.stringify(deployment.Properties.SourceMarkers)).toContain(idOf(stack.api.httpApi));
  });

  it("skips the upload with a warning, not a failure, when there is no build", () => {
    const missing = synth(join(root, "no-build"));
    expect(missing.template.findResources("Custom::CDKBucketDeployment")).toEqual({});
    missing.template.resourceCountIs("AWS::CloudFront::Distribution", 1);
    const warnings = Annotations.fromStack(missing.stack).findWarning(
      "*",
      Match.stringLikeRegexp("npm run build"),
    );
    expect(warnings).toHaveLength(1);
  });

  it("outputs the dashboard URL", () => {
    template.hasOutput("DashboardUrl", {
      Value: {
        "Fn::Join": [
          "",
          [
            "https://",
            { "Fn::GetAtt": [idOf(stack.dashboard?.distribution ?? fail()), "DomainName"] },
            "/dashboard/",
          ],
        ],
      },
    });
  });
});

describe("the CloudFront routing function", () => {
  type Result = { uri?: string; statusCode?: number; headers?: { location: { value: string } } };
  const handler = new Function(`${ROUTING_FUNCTION}; return handler;`)() as (event: {
    request: { uri: string };
  }) => Result;
  const run = (uri: string): Result => handler({ request: { uri } });

  it("sends / and /dashboard to /dashboard/", () => {
    for (const uri of ["/", "/dashboard"]) {
      expect(run(uri)).toEqual({
        statusCode: 302,
        statusDescription: "Found",
        headers: { location: { value: "/dashboard/" } },
      });
    }
  });

  it("answers the app for paths without a file name and leaves files alone", () => {
    expect(run("/dashboard/").uri).toBe("/dashboard/index.html");
    expect(run("/dashboard/campaigns/bf").uri).toBe("/dashboard/index.html");
    expect(run("/dashboard/assets/index-abc.js").uri).toBe("/dashboard/assets/index-abc.js");
    expect(run("/dashboard/config.json").uri).toBe("/dashboard/config.json");
    expect(run("/other").uri).toBe("/other");
  });
});

describe("cdk-nag AwsSolutions with the dashboard", () => {
  it("reports no unacknowledged error or warning", () => {
    const { app } = synth(distDir);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    let thrown: unknown;
    try {
      app.synth();
    } catch (error) {
      thrown = error;
    }
    const report = JSON.parse(readFileSync(join(app.outdir, "validation-report.json"), "utf8")) as {
      pluginReports: {
        violations: {
          ruleName: string;
          severity: string;
          violatingConstructs: { constructPath: string }[];
        }[];
      }[];
    };
    const findings = report.pluginReports.flatMap((p) =>
      p.violations.flatMap((v) =>
        v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} ${c.constructPath}`),
      ),
    );
    expect(findings).toEqual([]);
    expect(thrown).toBeUndefined();
  });
});

function fail(): never {
  throw new Error("missing construct");
}
