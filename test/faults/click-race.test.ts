import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2, SQSEvent } from "aws-lambda";
import { beforeAll, expect, it } from "vitest";
import { fields } from "../../lambdas/domain/counter-fields.js";
import { total } from "../../lambdas/domain/counters.js";
import { LINK_LIFETIME_MS, newLinkCode, newLinkPrefix } from "../../lambdas/domain/links.js";
import { configureApp } from "../../lambdas/flows/configuration.js";
import { handler as clickWorker } from "../../lambdas/handlers/click-worker.js";
import { handler as redirect } from "../../lambdas/handlers/redirect.js";
import { setClock } from "../../lambdas/platform/clock.js";
import { setQueue } from "../../lambdas/queue/index.js";
import { asQueueMessage } from "../../lambdas/queue/port.js";
import { documentClients, setDynamo } from "../../lambdas/store/client.js";
import { readCounters } from "../../lambdas/store/counters.js";
import { putLinks } from "../../lambdas/store/links.js";
import { apiEvent } from "../support/api-event.js";
import { useLocalDynamo } from "../support/dynamo.js";

/**
 * Two click workers (two concurrent Lambda invocations) on one clicker, in the interleaving that used
 * to count a tap twice and lose another: both read the clicker holding tap 6; A holds its tap 4 in the
 * clicker, while B — whose own tap 0 takes the first slot — plans tap 4 as an item of its own. A's
 * clicker write lands first. Before, B wrote its tap items before its clicker write failed: tap 4 was
 * stored twice, and B's later rounds, which must move tap 4 out of the clicker, failed on that item
 * every time, so tap 0 went back to the queue for ever (and the user's first click was on the wrong
 * day). Now a tap item is written only once the clicker version it was planned against stands.
 */
const engine = useLocalDynamo("click-race-test");
const HOUR = 3_600_000;
/** Tap 0 at 23:30 UTC on the 20th; taps 1–6 on the 21st. */
const TAP0 = Date.parse("2026-11-20T23:30:00Z");
const CODE = newLinkCode(newLinkPrefix());
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/** Which worker a DynamoDB call comes from, and the gate its writes pass. */
const worker = new AsyncLocalStorage<"A" | "B">();
let bReachedWrite: () => void = () => {};
let aDone: () => void = () => {};
const bReading = new Promise<void>((r) => {
  bReachedWrite = r;
});
const aFinished = new Promise<void>((r) => {
  aDone = r;
});

function sqsEvent(bodies: string[], worker: string): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `${worker}-${i}`,
      receiptHandle: `rh-${worker}-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "local",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:local:000000000000:clicks",
      awsRegion: "local",
    })),
  };
}

beforeAll(async () => {
  // The product's clients, with a gate on writes: B's writes wait until A has finished, and A's until B
  // has read (B is at its first write), so both plan against the same clicker version.
  const WRITES = new Set(["PutItemCommand", "TransactWriteItemsCommand"]);
  setDynamo(
    ...documentClients(() => {
      const client = new DynamoDBClient({
        endpoint: engine.endpoint(),
        region: "local",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (WRITES.has(String(context.commandName))) {
            const who = worker.getStore();
            if (who === "B") {
              bReachedWrite();
              await aFinished;
            } else if (who === "A") await bReading;
          }
          return next(args);
        },
        { step: "initialize", name: "gate" },
      );
      return client;
    }),
  );
  await configureApp("race", { name: "Race", timezone: "UTC", currency: "USD" }, TAP0);
  await putLinks([
    {
      code: CODE,
      url: "https://shop.example/sale",
      appId: "race",
      campaignId: "bf",
      instanceId: "i1",
      userId: "u1",
      messageId: "i1-u1",
      country: "IN",
      provider: "sinch",
      expiresAt: TAP0 + LINK_LIFETIME_MS,
    },
  ]);
});

it("two workers on one clicker: every tap counted once, the first click on its day", async () => {
  const bodies: string[] = [];
  setQueue({ send: async (_name, b) => void bodies.push(...b.map((m) => asQueueMessage(m).body)) });
  for (let i = 0; i <= 6; i++) {
    setClock(() => TAP0 + i * HOUR);
    const event = apiEvent({ method: "GET", route: "/l/{code+}", params: { code: CODE }, headers: {} });
    event.headers["user-agent"] = IPHONE;
    event.requestContext.http.userAgent = IPHONE;
    await redirect(event as APIGatewayProxyEventV2);
  }
  setClock(() => TAP0 + 7 * HOUR);
  const tap = (i: number) => bodies[i] as string;

  expect((await clickWorker(sqsEvent([tap(6)], "first"))).batchItemFailures).toEqual([]);
  const [a, b] = await Promise.all([
    worker.run("A", async () => {
      const result = await clickWorker(sqsEvent([tap(4), tap(5)], "A"));
      aDone();
      return result;
    }),
    worker.run("B", () => clickWorker(sqsEvent([0, 1, 2, 3, 4, 5].map(tap), "B"))),
  ]);
  expect(a.batchItemFailures).toEqual([]);
  expect(b.batchItemFailures).toEqual([]);

  await engine.count();
  const c = await readCounters({ appId: "race", campaignId: "bf", scope: "i1" });
  expect(total(c, fields.clicks).toNumber()).toBe(7);
  expect(total(c, fields.clickers).toNumber()).toBe(1);
  expect(c.get("2026-11-20")?.get(fields.clickers)?.toNumber()).toBe(1);
  expect(c.get("2026-11-20")?.get(fields.clicks)?.toNumber()).toBe(1);
});
