import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { SmsAnalyticsStack, type SmsAnalyticsStackProps } from "../../lib/stack.js";

/** Context that makes NodejsFunction skip esbuild: assertion tests need the template, not the bundles. */
export const SKIP_BUNDLING = { "aws:cdk:bundling-stacks": [] as string[] };

export interface Synthesized {
  readonly app: App;
  readonly stack: SmsAnalyticsStack;
  readonly template: Template;
}

/** The real stack from `lambdas/routes.ts`, without bundling. */
export function synthStack(
  props: SmsAnalyticsStackProps = {},
  context: Record<string, unknown> = {},
): Synthesized {
  const app = new App({ context: { ...SKIP_BUNDLING, ...context } });
  const stack = new SmsAnalyticsStack(app, "SmsAnalyticsTest", props);
  return { app, stack, template: Template.fromStack(stack) };
}
