import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/** Powertools' levels, most verbose first. */
export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The level the environment asks for, read as Powertools reads it: `POWERTOOLS_LOG_LEVEL`, else
 * `LOG_LEVEL` (its legacy alias), any case.
 * @returns the level; `INFO` when neither is set; `undefined` for a value that names no level
 *   (Powertools would silently fall back to INFO; `npm start` refuses it instead)
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel | undefined {
  const raw = (env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || "INFO").trim().toUpperCase();
  return (LOG_LEVELS as readonly string[]).includes(raw) ? (raw as LogLevel) : undefined;
}

/** Whether a line at `level` is printed at the logger's current level. */
export function logsAt(level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(logger.getLevelName() as LogLevel);
}

/**
 * The one logger and the one metrics publisher of every function (Powertools for AWS Lambda): JSON
 * log lines and CloudWatch Embedded Metric Format on Lambda, one key scheme (camelCase keys, `error`
 * for errors). `LOG_LEVEL` (or `POWERTOOLS_LOG_LEVEL`) sets the level, default INFO; Lambda's own
 * log-level control (`AWS_LAMBDA_LOG_LEVEL`) wins over both, as Powertools documents. Log lines never
 * carry a key, token, credential or phone number: callers pass ids and counts only.
 */
export const logger = new Logger({
  serviceName: "sms-analytics",
  logLevel: logLevelFromEnv() ?? "INFO",
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
