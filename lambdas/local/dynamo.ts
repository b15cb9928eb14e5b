import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../store/table.js";
import { checkEngine, EngineUnavailableError } from "./engine-platform.js";

export interface LocalDynamo {
  endpoint: string;
  /** The engine's process id (the local runtime records it to stop an engine orphaned by a killed parent). */
  pid?: number;
  stop(): Promise<void>;
}

/** A free loopback port, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The engine's binary on this machine.
 * @throws EngineUnavailableError (its message is the paragraph to print) on any platform but linux-x64,
 *   or when the optional dependency was not installed
 */
function dynoxideBinary(): string {
  const check = checkEngine();
  if (!check.ok) throw new EngineUnavailableError(check.message, check.reason);
  return check.binary;
}

/**
 * Starts the embedded DynamoDB-compatible engine on a free loopback port.
 * `dbPath` persists the data (SQLite file); without it the engine keeps everything in memory (tests).
 * @throws EngineUnavailableError where the engine cannot run (see engine-platform.ts), before any process starts
 */
export async function startDynoxide(dbPath?: string): Promise<LocalDynamo> {
  const binary = dynoxideBinary();
  const port = await freePort();
  const args = ["serve", "--host", "127.0.0.1", "--port", String(port)];
  if (dbPath) {
    mkdirSync(dirname(dbPath), { recursive: true });
    args.push("--db-path", dbPath);
  }
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dynoxide exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(endpoint, { method: "POST" });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`dynoxide did not start on ${endpoint}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    endpoint,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * Creates the product's table (with its TTL setting and its change stream of new and old images, which
 * drives the counters) if it does not exist yet; turns the stream on for a table that has none.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (!table.Table?.StreamSpecification?.StreamEnabled) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
        }),
      );
    }
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: TABLE_KEY.partitionKey, AttributeType: "S" },
          { AttributeName: TABLE_KEY.sortKey, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
      }),
    );
  } finally {
    client.destroy();
  }
}
