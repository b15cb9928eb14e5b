import type { SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readableSink } from "../../../lambdas/local/log-sink.js";
import { logger, setLogSink } from "../../../lambdas/platform/logger.js";
import { consumeBatch } from "../../../lambdas/queue/batch.js";

/** The one `batch` line every queue consumer prints: the same fields first, ids and counts only. */

const lines: string[] = [];
beforeEach(() => {
  lines.length = 0;
  setLogSink(readableSink((l) => lines.push(l)));
  logger.setLogLevel("INFO");
});
afterEach(() => logger.setLogLevel("INFO"));

const PHONE = "+919812345678";

function record(id: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `h-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: "0",
      SenderId: "x",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:local:000000000000:sends",
    awsRegion: "local",
  };
}

const job = (userId: string): string =>
  JSON.stringify({
    appId: "acme",
    campaignId: "c",
    instanceId: "i",
    message: `call ${PHONE}`,
    recipients: [{ userId, phone: PHONE }],
  });

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const batchLines = (): string[] => lines.filter((l) => /^INFO\s+batch /.test(l));

describe("consumeBatch's batch line", () => {
  it("says records, applied, retried, parked and invalid, then the flow's own counts", async () => {
    const answer = await consumeBatch(
      "sends",
      event(record("a", job("u1")), record("b", job("u2")), record("c", job("u3")), record("d", "not json")),
      async () => ({ retry: ["b"], parked: ["c"], counts: { sent: 1 } }),
    );
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["b", "d"]);
    expect(batchLines()).toEqual([
      "INFO  batch queue=sends records=4 applied=1 retried=1 parked=1 invalid=1 sent=1",
    ]);
  });

  it("never lets a flow's count replace one of the line's own fields", async () => {
    await consumeBatch("sends", event(record("a", job("u1")), record("b", job("u2"))), async () => ({
      retry: ["a"],
      counts: { retried: 0, applied: 99, parked: 7, records: 0, invalid: 3, posted: 1 },
    }));
    expect(batchLines()).toEqual([
      "INFO  batch queue=sends records=2 applied=1 retried=1 parked=0 invalid=0 posted=1",
    ]);
  });

  it("counts a record both parked and retried as retried (it comes back)", async () => {
    await consumeBatch("sends", event(record("a", job("u1"))), async () => ({ retry: ["a"], parked: ["a"] }));
    expect(batchLines()).toEqual([
      "INFO  batch queue=sends records=1 applied=0 retried=1 parked=0 invalid=0",
    ]);
  });

  it("retries every record when the flow throws, and still prints the line", async () => {
    const answer = await consumeBatch("sends", event(record("a", job("u1")), record("b", job("u2"))), () =>
      Promise.reject(new Error("table unavailable")),
    );
    expect(answer.batchItemFailures).toHaveLength(2);
    expect(batchLines()).toEqual([
      "INFO  batch queue=sends records=2 applied=0 retried=2 parked=0 invalid=0",
    ]);
  });

  it("never prints a message body (phone numbers, message text)", async () => {
    logger.setLogLevel("DEBUG");
    await consumeBatch(
      "sends",
      event(record("a", job("u1"), 3), record("b", `{"phone":"${PHONE}"`)),
      async () => ({
        retry: [],
      }),
    );
    const all = lines.join("\n");
    expect(all).toContain("batch received");
    expect(all).not.toContain(PHONE.slice(1));
    expect(all).not.toContain("call ");
  });

  it("is not printed at LOG_LEVEL warn; the invalid records' error is", async () => {
    logger.setLogLevel("WARN");
    await consumeBatch("sends", event(record("d", "not json")), async () => ({ retry: [] }));
    expect(batchLines()).toEqual([]);
    expect(lines.some((l) => l.startsWith("ERROR queue messages that match no contract"))).toBe(true);
  });
});
