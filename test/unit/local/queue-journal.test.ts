import { describe, expect, it } from "vitest";
import { readBatchResponse } from "../../../lambdas/local/queue.js";
import { messageRecord, replay } from "../../../lambdas/local/queue-journal.js";

function fail(): never {
  throw new Error("missing");
}

const line = (o: object): string => `${JSON.stringify(o)}\n`;

describe("replay", () => {
  it("folds sends, receives, deletes, dead letters and redrives into the live messages", () => {
    const text =
      line({ t: "m", id: "a", b: "A", ts: 1, n: 0 }) +
      line({ t: "m", id: "b", b: "B\nwith newline", ts: 2, n: 0 }) +
      line({ t: "m", id: "c", b: "C", ts: 3, n: 0 }) +
      line({ t: "r", id: "a", n: 1, f: 10 }) +
      line({ t: "d", id: "a" }) +
      line({ t: "r", id: "b", n: 1, f: 11 }) +
      line({ t: "r", id: "b", n: 2, f: 11 }) +
      line({ t: "x", id: "b" }) +
      line({ t: "r", id: "c", n: 1, f: 12 }) +
      line({ t: "x", id: "c" }) +
      line({ t: "v", id: "c" });
    const state = replay(text);
    expect([...state.keys()]).toEqual(["b", "c"]);
    expect(state.get("b")).toEqual({
      id: "b",
      body: "B\nwith newline",
      sentTimestamp: 2,
      receiveCount: 2,
      firstReceiveTimestamp: 11,
      dead: true,
    });
    expect(state.get("c")).toEqual({ id: "c", body: "C", sentTimestamp: 3, receiveCount: 0, dead: false });
  });

  it("keeps a delayed send's visible-from time, through a compaction rewrite", () => {
    const text = line({ t: "m", id: "a", b: "A", ts: 1, n: 0, va: 901_000 });
    const m = replay(text).get("a");
    expect(m).toEqual({
      id: "a",
      body: "A",
      sentTimestamp: 1,
      receiveCount: 0,
      visibleAt: 901_000,
      dead: false,
    });
    expect(messageRecord(m ?? fail())).toEqual({ t: "m", id: "a", b: "A", ts: 1, n: 0, va: 901_000 });
  });

  it("ignores a torn last line (a write that was never acknowledged)", () => {
    const text = `${line({ t: "m", id: "a", b: "A", ts: 1, n: 0 })}{"t":"m","id":"b","b":"B`;
    expect([...replay(text).keys()]).toEqual(["a"]);
  });

  it("keeps the first copy of a message repeated across a compaction, and later receives still count", () => {
    const text =
      line({ t: "m", id: "a", b: "A", ts: 1, n: 1, f: 5 }) +
      line({ t: "m", id: "a", b: "A", ts: 1, n: 0 }) +
      line({ t: "r", id: "a", n: 2, f: 5 });
    expect(replay(text).get("a")?.receiveCount).toBe(2);
  });
});

describe("readBatchResponse", () => {
  const ids = ["m1", "m2", "m3"];

  it("treats nothing, null or an empty list as success", () => {
    for (const r of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(readBatchResponse(r, ids)).toEqual({ failed: new Set(), invalid: false });
    }
  });

  it("fails only the listed messages", () => {
    expect(readBatchResponse({ batchItemFailures: [{ itemIdentifier: "m2" }] }, ids)).toEqual({
      failed: new Set(["m2"]),
      invalid: false,
    });
  });

  it("fails the whole batch for an identifier that is missing or not in the batch, or a non-object answer", () => {
    for (const r of [
      { batchItemFailures: [{ itemIdentifier: "other" }] },
      { batchItemFailures: [{ itemIdentifier: "" }] },
      { batchItemFailures: [{}] },
      { batchItemFailures: "m1" },
      "ok",
    ]) {
      expect(readBatchResponse(r, ids)).toEqual({ failed: new Set(ids), invalid: true });
    }
  });
});
