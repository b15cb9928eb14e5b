import { randomUUID } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import type { FunctionName, FunctionSpec } from "../topology/functions.js";
import { LOCAL_REGION } from "./queue.js";

/** The repository root, from this file's place in it (`lambdas/local/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

type Handler = (
  event: unknown,
  context: Context,
  callback: (err: unknown, result?: unknown) => void,
) => unknown;

export class FunctionTimeoutError extends Error {
  constructor(fn: string, seconds: number) {
    super(`${fn} timed out after ${seconds} s`);
  }
}

function makeContext(name: FunctionName, spec: FunctionSpec, deadline: number): Context {
  const functionName = `sms-analytics-${name}`;
  const noop = (): void => {};
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

/**
 * Runs the functions of the route table in this process, as Lambda would: the module is imported on
 * first use (after the runtime set the environment), and each call gets a context and the function's timeout.
 */
export class FunctionInvoker {
  private readonly loaded = new Map<FunctionName, Promise<Handler>>();

  constructor(private readonly specs: Record<FunctionName, FunctionSpec>) {}

  private load(name: FunctionName): Promise<Handler> {
    let mod = this.loaded.get(name);
    if (!mod) {
      const url = pathToFileURL(join(REPO_ROOT, this.specs[name].entry)).href;
      mod = import(url).then((m: { handler?: unknown }) => {
        if (typeof m.handler !== "function") throw new Error(`${this.specs[name].entry} exports no handler`);
        return m.handler as Handler;
      });
      // A module that failed to load is tried again on the next call (it may have been fixed meanwhile).
      mod.catch(() => this.loaded.delete(name));
      this.loaded.set(name, mod);
    }
    return mod;
  }

  async invoke(name: FunctionName, event: unknown): Promise<unknown> {
    const spec = this.specs[name];
    const handler = await this.load(name);
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const context = makeContext(name, spec, deadline);
    let timer: NodeJS.Timeout | undefined;
    const run = new Promise<unknown>((resolve, reject) => {
      const returned = handler(event, context, (err, result) => (err ? reject(err) : resolve(result)));
      if (returned && typeof (returned as Promise<unknown>).then === "function") {
        (returned as Promise<unknown>).then(resolve, reject);
      }
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FunctionTimeoutError(name, spec.timeoutSeconds)),
        spec.timeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
