import { Duration, Validations } from "aws-cdk-lib";
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { FunctionName } from "../lambdas/topology/functions.js";
import type { RouteAuth, RouteSpec } from "../lambdas/topology/routes.js";
import { accessLogFormat } from "./access-log-format.js";

/** Stage-wide throttling for any route without its own setting (every `routes` entry has one). */
export const DEFAULT_THROTTLE = { burstLimit: 200, rateLimit: 100 } as const;

/** A route may burst to twice its steady rate: room for a provider flushing a batch of receipts. */
export function routeBurstLimit(rateLimit: number): number {
  return Math.max(1, Math.ceil(rateLimit * 2));
}

/** Why a route has no API Gateway authorizer: each auth kind is checked where it can be checked. */
const AUTHORIZATION_REASON: Record<RouteAuth, string> = {
  public: "Public by design (health, OpenAPI document, short-link redirects): there is no caller identity.",
  token:
    "SMS providers cannot send our credentials: the secret token in the webhook URL is compared in the " +
    "handler (constant time, against a stored hash).",
  app:
    "The handler authenticates the app API key (hash lookup, constant-time compare) and the app it " +
    "belongs to before touching data; an authorizer would repeat that lookup.",
  admin: "The handler compares the admin key from Secrets Manager in constant time before any change.",
};

export interface ApiProps {
  /** When set, the browser dashboard at exactly this origin may call the API (CORS). */
  readonly dashboardOrigin?: string;
}

/** The HTTP API: `$default` stage with JSON access logs and throttling, routes added from `routes`. */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  private readonly integrations = new Map<FunctionName, HttpLambdaIntegration>();
  private readonly routeSettings: Record<
    string,
    { ThrottlingBurstLimit: number; ThrottlingRateLimit: number }
  > = {};

  constructor(scope: Construct, id: string, props: ApiProps = {}) {
    super(scope, id);
    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "SMS campaign analytics",
      createDefaultStage: false,
      corsPreflight: props.dashboardOrigin
        ? {
            allowOrigins: [props.dashboardOrigin],
            allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.OPTIONS],
            allowHeaders: ["authorization", "content-type"],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    this.accessLogs = new LogGroup(this, "AccessLogs", { retention: RetentionDays.ONE_MONTH });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: DEFAULT_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: accessLogFormat(),
      },
    });
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    // Resolved at synth time, after every route has been added.
    cfnStage.routeSettings = this.routeSettings;
  }

  /** The API's base URL, without a trailing slash (the `$default` stage has no path prefix). */
  get endpoint(): string {
    return this.httpApi.apiEndpoint;
  }

  /** API Gateway's `$default` route: every request that matches no route goes to `fn` (404 / 405). */
  addDefaultRoute(spec: { fn: FunctionName; rateLimit: number }, fn: IFunction): void {
    let integration = this.integrations.get(spec.fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${spec.fn}Integration`, fn);
      this.integrations.set(spec.fn, integration);
    }
    const route = new HttpRoute(this, "DefaultRoute", {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration,
    });
    this.routeSettings.$default = {
      ThrottlingBurstLimit: routeBurstLimit(spec.rateLimit),
      ThrottlingRateLimit: spec.rateLimit,
    };
    this.stage.node.addDependency(route);
    Validations.of(route).acknowledge({
      id: "AwsSolutions-APIG4",
      reason: "Requests that match no route get a 404 or 405 error body; nothing behind it reads data.",
    });
  }

  addRoute(spec: RouteSpec, fn: IFunction): void {
    let integration = this.integrations.get(spec.fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${spec.fn}Integration`, fn);
      this.integrations.set(spec.fn, integration);
    }
    const [route] = this.httpApi.addRoutes({
      path: spec.path,
      methods: [HttpMethod[spec.method]],
      integration,
    });
    if (!route) throw new Error(`no route created for ${spec.method} ${spec.path}`);
    const routeKey = `${spec.method} ${spec.path}`;
    if (this.routeSettings[routeKey]) throw new Error(`duplicate route ${routeKey}`);
    this.routeSettings[routeKey] = {
      ThrottlingBurstLimit: routeBurstLimit(spec.rateLimit),
      ThrottlingRateLimit: spec.rateLimit,
    };
    // Route settings name the route: the stage must be created (or updated) after it.
    this.stage.node.addDependency(route);
    Validations.of(route).acknowledge({ id: "AwsSolutions-APIG4", reason: AUTHORIZATION_REASON[spec.auth] });
  }
}
