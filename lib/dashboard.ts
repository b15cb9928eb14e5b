import { existsSync } from "node:fs";
import { join } from "node:path";
import { Annotations, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct, type IConstruct } from "constructs";
import { REPO_ROOT } from "./paths.js";

/** Where `npm run build:dashboard` writes the production build (Vite, base `/dashboard/`). */
export const DASHBOARD_DIST: string = join(REPO_ROOT, "dashboard", "dist");

/** The build is served under this path, as the local runtime does: one build for both. */
const PREFIX = "dashboard";

/**
 * Viewer-request function: `/` and `/dashboard` go to `/dashboard/`; a path under it without a file
 * extension is the app itself (`index.html`), since S3 has no directory index.
 */
export const ROUTING_FUNCTION: string = `function handler(event) {
  var uri = event.request.uri;
  if (uri === "/" || uri === "/${PREFIX}") {
    return { statusCode: 302, statusDescription: "Found", headers: { location: { value: "/${PREFIX}/" } } };
  }
  if (uri.indexOf("/${PREFIX}/") === 0 && uri.slice(uri.lastIndexOf("/") + 1).indexOf(".") === -1) {
    event.request.uri = "/${PREFIX}/index.html";
  }
  return event.request;
}`;

export interface DashboardSiteProps {
  /** The built dashboard; default `dashboard/dist`. When missing, the site is created empty (with a warning). */
  readonly distDir?: string;
}

/**
 * The browser dashboard: a private S3 bucket behind CloudFront (origin access control, HTTPS only,
 * security headers). `deploy()` uploads the build with a `config.json` naming the API, which then
 * allows exactly this distribution's origin (CORS).
 */
export class DashboardSite extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  readonly distDir: string;
  deployment: BucketDeployment | undefined;

  constructor(scope: Construct, id: string, props: DashboardSiteProps = {}) {
    super(scope, id);
    this.distDir = props.distDir ?? DASHBOARD_DIST;

    // CloudFront standard logs are written with ACLs: this bucket needs object-writer ownership.
    this.logBucket = new Bucket(this, "Logs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.logBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the access-log bucket itself; logging it into itself would loop.",
    });

    this.bucket = new Bucket(this, "Site", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: "s3/",
      // Only build output lives here: `npm run build` and a deploy recreate it.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const region = Stack.of(this).region;
    const headers = new ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "SMS analytics dashboard security headers",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The page calls the HTTP API (config.json names it): its execute-api origin, nothing else.
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
            `connect-src 'self' https://*.execute-api.${region}.amazonaws.com; object-src 'none'; ` +
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    const routing = new CloudFrontFunction(this, "Routing", {
      code: FunctionCode.fromInline(ROUTING_FUNCTION),
      runtime: FunctionRuntime.JS_2_0,
      comment: "Serves the dashboard's index.html for app paths",
    });

    this.distribution = new Distribution(this, "Distribution", {
      comment: "SMS analytics dashboard",
      defaultRootObject: "index.html",
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: "cloudfront/",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: routing, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason: "Campaign teams use the dashboard from any country; the API key is the access control.",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "Static files only, no server-side logic; the API behind it has its own throttling. A WAF web ACL " +
          "can be attached per deployment when an organisation requires one.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "Uses the default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes; a custom " +
          "domain with its own certificate (TLSv1.2_2021) is a deployment choice.",
      },
    );
  }

  /** The dashboard's origin, which the API's CORS allows exactly. */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Uploads the build and a `config.json` with the API URL. Without a build, warns (an annotation)
   * instead of failing the synth, so infrastructure tests and offline synths work before a build.
   */
  deploy(apiUrl: string): BucketDeployment | undefined {
    if (!existsSync(join(this.distDir, "index.html"))) {
      Annotations.of(this).addWarningV2(
        "sms-analytics:dashboard-not-built",
        `${this.distDir} has no build: the dashboard is not deployed. Run \`npm run build\` before \`cdk deploy\`.`,
      );
      return undefined;
    }
    this.deployment = new BucketDeployment(this, "Deploy", {
      sources: [Source.asset(this.distDir), Source.jsonData("config.json", { apiUrl })],
      destinationBucket: this.bucket,
      destinationKeyPrefix: `${PREFIX}/`,
      distribution: this.distribution,
      distributionPaths: [`/${PREFIX}/*`],
      memoryLimit: 256,
      // The site bucket is DESTROY; its files must go with the stack, or CloudFormation cannot delete it
      // and `cdk destroy` stops at DELETE_FAILED.
      retainOnDelete: false,
    });
    acknowledgeDeploymentHandler(Stack.of(this), this.bucket);
    return this.deployment;
  }
}

/**
 * The stack-wide singleton Lambda that `BucketDeployment` uses (not ours to configure). cdk-nag reports
 * IAM4/IAM5 per policy and per wildcard, so each finding is acknowledged by its own id.
 */
function acknowledgeDeploymentHandler(stack: Stack, site: Bucket): void {
  const handlers = stack.node.children.filter((c: IConstruct) =>
    c.node.id.startsWith("Custom::CDKBucketDeployment"),
  );
  const siteArn = `<${stack.getLogicalId(site.node.defaultChild as CfnElement)}.Arn>/*`;
  const wildcards = [
    "Action::s3:GetObject*",
    "Action::s3:GetBucket*",
    "Action::s3:List*",
    "Action::s3:DeleteObject*",
    "Action::s3:Abort*",
    "Resource::*",
    "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
    `Resource::${siteArn}`,
  ];
  for (const handler of handlers) {
    Validations.of(handler).acknowledge(
      {
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason: "CDK's BucketDeployment handler uses AWSLambdaBasicExecutionRole to write its own logs.",
      },
      ...wildcards.map((w) => ({
        id: `AwsSolutions-IAM5[${w}]`,
        reason:
          "CDK's BucketDeployment copies every file of the build: it needs object wildcards on the asset and " +
          "site buckets, and CloudFront invalidation (which has no resource-level permission).",
      })),
      {
        id: "AwsSolutions-L1",
        reason: "The runtime of CDK's BucketDeployment handler is chosen by aws-cdk-lib, upgraded with it.",
      },
    );
  }
}
