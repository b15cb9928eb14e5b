import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/**
 * The one logger and the one metrics publisher of every function (Powertools for AWS Lambda): JSON
 * log lines and CloudWatch Embedded Metric Format on Lambda, one key scheme (camelCase keys, `error`
 * for errors). `LOG_LEVEL` sets the level (default INFO). Log lines never carry a key, token,
 * credential or phone number: callers pass ids and counts only.
 */
export const logger = new Logger({
  serviceName: "sms-analytics",
  logLevel: (process.env.LOG_LEVEL ?? "INFO").toUpperCase() as "INFO",
});

export const metrics = new Metrics({ namespace: "SmsAnalytics", serviceName: "sms-analytics" });

export { MetricUnit };

/** Adds one count to a metric and publishes it at once (workers and the redirect publish as they go). */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}

type Sink = Pick<Console, "log" | "info" | "warn" | "error" | "debug" | "trace">;

/**
 * Where log lines and metric lines go. The local runtime installs a sink that prints them as one
 * readable line each; Lambda keeps Powertools' own console (stdout, read by CloudWatch).
 */
export function setLogSink(sink: Sink): void {
  (logger as unknown as { console: Sink }).console = sink;
  (metrics as unknown as { console: Sink }).console = sink;
}
