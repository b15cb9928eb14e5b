/**
 * Prints the functions' Powertools log and metric lines readably on one machine: one line each,
 * `LEVEL message key=value …`, instead of the JSON CloudWatch reads on Lambda.
 */

const SKIP = new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "sampling_rate",
  "xray_trace_id",
  "cold_start",
]);

function value(v: unknown): string {
  if (typeof v === "string") return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One Powertools JSON line (a log record or an EMF metric line) as readable text. */
export function readableLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const aws = record._aws as { CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name: string }> }> } | undefined;
  if (aws?.CloudWatchMetrics) {
    const names = aws.CloudWatchMetrics.flatMap((m) => m.Metrics ?? []).map((m) => m.Name);
    return `METRIC ${names.map((n) => `${n}=${value(record[n])}`).join(" ")}`;
  }
  const rest = Object.entries(record)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  return [String(record.level ?? "INFO").padEnd(5), String(record.message ?? ""), ...rest].join(" ");
}

/** A console-shaped sink that sends every line, made readable, to `print`. */
export function readableSink(print: (line: string) => void) {
  const write = (...args: unknown[]): void => print(readableLine(args.map(String).join(" ")));
  return { log: write, info: write, warn: write, error: write, debug: write, trace: write };
}

/** Where the one-machine runtime's lines go by default: the terminal, one line each. */
export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}
