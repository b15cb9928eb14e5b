import {
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactionConflictException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { addContentionModel, type ContentionOptions } from "../../../lambdas/local/contention.js";
import { useLocalDynamo } from "../../support/dynamo.js";

const TABLE = "contention-test";
const local = useLocalDynamo(TABLE);
const clients: DynamoDBClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

function modelled(options: ContentionOptions, maxAttempts = 1) {
  const client = new DynamoDBClient({
    endpoint: local.endpoint(),
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts,
  });
  clients.push(client);
  return { client, model: addContentionModel(client, options) };
}

const key = (pk: string, sk = "s") => ({ pk: { S: pk }, sk: { S: sk } });
const put = (pk: string, sk = "s"): TransactWriteItem => ({ Put: { TableName: TABLE, Item: key(pk, sk) } });
const bump = (pk: string, sk = "s"): TransactWriteItem => ({
  Update: {
    TableName: TABLE,
    Key: key(pk, sk),
    UpdateExpression: "ADD n :one",
    ExpressionAttributeValues: { ":one": { N: "1" } },
  },
});
const transact = (items: TransactWriteItem[]) => new TransactWriteItemsCommand({ TransactItems: items });

/** Resolves once the model has seen `n` requests of `operation` arrive. */
async function arrived(model: ReturnType<typeof addContentionModel>, operation: string, n = 1) {
  while ((model.stats().byOperation[operation] ?? 0) < n) await new Promise((r) => setTimeout(r, 1));
}

describe("contention model", () => {
  it("cancels the second of two overlapping transactions on one item, at that item's position", async () => {
    const { client, model } = modelled({ latencyMs: 100 });
    const first = client.send(transact([bump("tx-shared"), put("tx-a")]));
    await arrived(model, "TransactWriteItems");
    const sent = performance.now();
    let secondTook = 0;
    const second = client.send(transact([put("tx-b"), put("tx-c"), bump("tx-shared")])).finally(() => {
      secondTook = performance.now() - sent;
    });
    const [one, two] = await Promise.allSettled([first, second]);
    // A refusal takes its service time too.
    expect(secondTook).toBeGreaterThanOrEqual(100);
    expect(one.status).toBe("fulfilled");
    expect(two.status).toBe("rejected");
    const error = (two as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.CancellationReasons.map((r: { Code: string }) => r.Code)).toEqual([
      "None",
      "None",
      "TransactionConflict",
    ]);
    // The cancelled transaction never reached the engine.
    expect(
      (await client.send(new GetItemCommand({ TableName: TABLE, Key: key("tx-b") }))).Item,
    ).toBeUndefined();
    expect(
      (
        await client.send(
          new GetItemCommand({ TableName: TABLE, Key: key("tx-shared"), ConsistentRead: true }),
        )
      ).Item?.n,
    ).toEqual({ N: "1" });
  });

  it("lets concurrent transactions on different items both commit", async () => {
    const { client } = modelled({ latencyMs: 50 });
    await Promise.all([
      client.send(transact([bump("d-1"), put("d-2")])),
      client.send(transact([bump("d-3"), put("d-4")])),
    ]);
    const got = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: key("d-3"), ConsistentRead: true }),
    );
    expect(got.Item?.n).toEqual({ N: "1" });
  });

  it("rejects a PutItem on an item an in-flight transaction holds, and only while it holds it", async () => {
    const { client, model } = modelled({ latencyMs: 80 });
    const tx = client.send(transact([bump("held")]));
    await arrived(model, "TransactWriteItems");
    await expect(
      client.send(new PutItemCommand({ TableName: TABLE, Item: key("held") })),
    ).rejects.toBeInstanceOf(TransactionConflictException);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key("held", "other-sort-key") }));
    await tx;
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key("held") }));
  });

  it("lets two concurrent UpdateItems on one item both succeed (DynamoDB serialises them)", async () => {
    const { client } = modelled({ latencyMs: 50 });
    const update = () =>
      client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key("single-writes"),
          UpdateExpression: "ADD n :one",
          ExpressionAttributeValues: { ":one": { N: "1" } },
        }),
      );
    await Promise.all([update(), update()]);
    const got = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: key("single-writes"), ConsistentRead: true }),
    );
    expect(got.Item?.n).toEqual({ N: "2" });
  });

  it("cancels a TransactGetItems naming an item of an in-flight single write; GetItem and TransactWriteItems pass", async () => {
    const { client, model } = modelled({ latencyMs: 80 });
    const single = client.send(new PutItemCommand({ TableName: TABLE, Item: key("being-written") }));
    await arrived(model, "PutItem");
    const read = await client
      .send(
        new TransactGetItemsCommand({
          TransactItems: [
            { Get: { TableName: TABLE, Key: key("elsewhere") } },
            { Get: { TableName: TABLE, Key: key("being-written") } },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(read).toBeInstanceOf(TransactionCanceledException);
    expect((read as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      "None",
      "TransactionConflict",
    ]);
    // Not conflicts in the guide: a GetItem reads committed data; a TransactWriteItems arriving after
    // a single write is not among the documented cases.
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key("being-written") }));
    await client.send(transact([bump("being-written")]));
    await single;
    expect(model.stats()).toMatchObject({ transactions: 2, conflictedTransactions: 1, conflictRate: 0.5 });
  });

  it("throttles a burst above the partition limit on one pk, not the same load over many pks", async () => {
    const { client, model } = modelled({ latencyMs: 1, partitionWriteUnitsPerSecond: 10 });
    const burst = (pk: (i: number) => string) =>
      Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          client.send(new PutItemCommand({ TableName: TABLE, Item: key(pk(i), `s${i}`) })),
        ),
      );

    const hot = await burst(() => "hot");
    const refused = hot
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason);
    // One second's worth (10 units) passes, a few more may refill while the burst is sent.
    expect(refused.length).toBeGreaterThanOrEqual(15);
    expect(refused.length).toBeLessThanOrEqual(20);
    expect(refused[0]).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(refused[0].ThrottlingReasons).toEqual([
      {
        reason: "TableWriteKeyRangeThroughputExceeded",
        resource: `arn:aws:dynamodb:local:000000000000:table/${TABLE}`,
      },
    ]);
    expect(model.stats().throttled).toBe(refused.length);

    const spread = await burst((i) => `cool-${i}`);
    expect(spread.filter((r) => r.status === "rejected")).toEqual([]);
  });

  it("costs writes per started KB, twice in a transaction, and cancels a throttled transaction whole", async () => {
    const { client, model } = modelled({ latencyMs: 1, partitionWriteUnitsPerSecond: 3 });
    // 1.5 KB: 2 units of the 3 the partition holds (it takes a third of a second to earn one more).
    await client.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...key("kb", "big"), v: { S: "x".repeat(1500) } } }),
    );
    // A transactional write of a small item costs 2 units: more than "kb" has left, not more than
    // "kb-other" has; the whole transaction is cancelled.
    const error = await client.send(transact([put("kb", "t1"), put("kb-other")])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      "ThrottlingError",
      "None",
    ]);
    expect(
      (await client.send(new GetItemCommand({ TableName: TABLE, Key: key("kb-other") }))).Item,
    ).toBeUndefined();
    expect(model.stats()).toMatchObject({ transactions: 1, conflictedTransactions: 0, throttled: 1 });
  });

  it("charges reads by the size they return, on the partition a Query names", async () => {
    const { client, model } = modelled({ latencyMs: 1, partitionReadUnitsPerSecond: 2 });
    await client.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...key("reads"), v: { S: "x".repeat(10_000) } } }),
    );
    // A strongly consistent read of ~10 KB costs 3 units: admitted with 2 in the bucket, it leaves -1.
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key("reads"), ConsistentRead: true }));
    const query = await client
      .send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: "#p = :p",
          ExpressionAttributeNames: { "#p": "pk" },
          ExpressionAttributeValues: { ":p": { S: "reads" } },
        }),
      )
      .catch((e: unknown) => e);
    expect(query).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((query as ProvisionedThroughputExceededException).ThrottlingReasons?.[0]?.reason).toBe(
      "TableReadKeyRangeThroughputExceeded",
    );
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key("other-reads") }));
    expect(model.stats()).toMatchObject({ throttled: 1, byOperation: { PutItem: 1, GetItem: 2, Query: 1 } });
  });

  it("sizes the items a document client reads (unmarshalled before the model sees them): nulls, exact numbers", async () => {
    const { client, model } = modelled({ latencyMs: 1, partitionReadUnitsPerSecond: 2 });
    const doc = DynamoDBDocumentClient.from(client, { unmarshallOptions: { wrapNumbers: true } });
    const item = { pk: "doc-reads", sk: "s", v: "x".repeat(10_000), none: null, n: 12.5, list: [1, "a"] };
    await doc.send(new PutCommand({ TableName: TABLE, Item: item }));
    // ~10 KB strongly consistent: 3 units, as through the low-level client; the next read is refused.
    const got = await doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: "doc-reads", sk: "s" }, ConsistentRead: true }),
    );
    expect(got.Item?.none).toBeNull();
    const again = await doc
      .send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [{ pk: "doc-reads", sk: "s" }] } } }))
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(model.stats()).toMatchObject({
      throttled: 1,
      byOperation: { PutItem: 1, GetItem: 1, BatchGetItem: 1 },
    });
  });

  it("makes every request take its service time: 10 sequential requests take at least 10 × latencyMs", async () => {
    const { client } = modelled({ latencyMs: 20 });
    const started = performance.now();
    for (let i = 0; i < 10; i++)
      await client.send(new GetItemCommand({ TableName: TABLE, Key: key("slow") }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("judges every SDK attempt: a throttled write is retried through the model, a conflict is not retried", async () => {
    // 0.5 units a second: the first write empties the partition for two seconds, the SDK's throttling
    // backoff before its second attempt is under one.
    const { client, model } = modelled({ latencyMs: 1, partitionWriteUnitsPerSecond: 0.5 }, 2);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key("retried", "1") }));
    const error = await client
      .send(new PutItemCommand({ TableName: TABLE, Item: key("retried", "2") }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((error as ProvisionedThroughputExceededException).$metadata.attempts).toBe(2);
    expect(model.stats()).toMatchObject({ requests: 3, throttled: 2, byOperation: { PutItem: 3 } });

    // TransactionConflictException is neither a throttling code nor retryable to SDK v3: one attempt.
    model.reset();
    const tx = client.send(transact([put("retried-held")]));
    await arrived(model, "TransactWriteItems");
    const conflict = await client
      .send(new PutItemCommand({ TableName: TABLE, Item: key("retried-held") }))
      .catch((e: unknown) => e);
    await tx;
    expect(conflict).toBeInstanceOf(TransactionConflictException);
    expect((conflict as TransactionConflictException).$metadata.attempts).toBe(1);
    expect(model.stats()).toMatchObject({ requests: 2, conflictedSingleWrites: 1 });
  });

  it("sees the document clients' commands and counts what happened", async () => {
    const { client, model } = modelled({ latencyMs: 60 });
    const doc = DynamoDBDocumentClient.from(client);
    const a = doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: { pk: "st", sk: "1" } } }],
      }),
    );
    await arrived(model, "TransactWriteItems");
    const outcomes = await Promise.allSettled([
      doc.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: { TableName: TABLE, Item: { pk: "st", sk: "1" } } }],
        }),
      ),
      doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "st", sk: "1" } })),
      doc.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: { TableName: TABLE, Item: { pk: "st", sk: "2" } } }],
        }),
      ),
      a,
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "fulfilled", "fulfilled"]);
    expect(model.stats()).toEqual({
      requests: 4,
      transactions: 3,
      conflictedTransactions: 1,
      conflictedSingleWrites: 1,
      throttled: 0,
      conflictRate: 1 / 3,
      byOperation: { TransactWriteItems: 3, PutItem: 1 },
    });
    model.reset();
    expect(model.stats()).toMatchObject({ requests: 0, transactions: 0, conflictRate: 0, byOperation: {} });
  });
});
