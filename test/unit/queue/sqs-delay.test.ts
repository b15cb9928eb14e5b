import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The SQS adapter against a loopback endpoint that answers SendMessageBatch as SQS does (JSON protocol):
 * what goes over the wire is what SQS would receive, per-message DelaySeconds included.
 */
let server: Server;
const batches: Array<{ QueueUrl: string; Entries: Array<Record<string, unknown>> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      batches.push(body);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end(
        JSON.stringify({
          // The SDK checks each body's MD5 as SQS computes it.
          Successful: body.Entries.map((e: { Id: string; MessageBody: string }) => ({
            Id: e.Id,
            MessageId: `m-${e.Id}`,
            MD5OfMessageBody: createHash("md5").update(e.MessageBody, "utf8").digest("hex"),
          })),
          Failed: [],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  process.env.AWS_ENDPOINT_URL_SQS = `http://127.0.0.1:${port}`;
  process.env.AWS_REGION = "eu-west-1";
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
  process.env.RECEIPTS_QUEUE_URL = `http://127.0.0.1:${port}/000000000000/receipts`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("SqsQueue.send", () => {
  it("sends each message's DelaySeconds with its entry, none for an undelayed one, in batches of 10", async () => {
    const { SqsQueue } = await import("../../../lambdas/queue/sqs.js");
    const messages = [
      "plain",
      { body: "late", delaySeconds: 900 },
      { body: "zero", delaySeconds: 0 },
      ...Array.from({ length: 9 }, (_, i) => ({ body: `b${i}`, delaySeconds: i + 1 })),
    ];
    await new SqsQueue().send("receipts", messages);
    expect(batches.map((b) => b.Entries.length)).toEqual([10, 2]);
    const entries = batches.flatMap((b) => b.Entries);
    expect(entries[0]).toEqual({ Id: "0", MessageBody: "plain" });
    expect(entries[1]).toEqual({ Id: "1", MessageBody: "late", DelaySeconds: 900 });
    expect(entries[2]).toEqual({ Id: "2", MessageBody: "zero" });
    expect(entries.at(-1)).toEqual({ Id: "1", MessageBody: "b8", DelaySeconds: 9 });
  });

  it("refuses a delay SQS would refuse before calling it", async () => {
    const { SqsQueue } = await import("../../../lambdas/queue/sqs.js");
    const before = batches.length;
    await expect(new SqsQueue().send("receipts", [{ body: "x", delaySeconds: 901 }])).rejects.toThrow(
      /whole number of seconds/,
    );
    expect(batches.length).toBe(before);
  });
});
