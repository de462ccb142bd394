/**
 * On a shared store a transaction is refused only after checking the store (transaction.ts),
 * as a plain append is (append-refusal-check.test.ts): the node deciding may hold less than
 * other nodes acknowledged. A check that brings the node up to the store decides the items
 * again; a store that stays ahead through a bounded number of checks is a retryable 503
 * (STORE_CONFLICT), never the refusal; a store not ahead confirms the refusal after one check.
 */
import { describe, expect, test } from "vitest";
import { StreamState } from "../../src/engine/stream-state.js";
import { appendAtomic, type TransactionDeps, type TransactionItem } from "../../src/engine/transaction.js";
import { StreamWriter } from "../../src/engine/writer.js";
import type { Store } from "../../src/store/types.js";
import { storedAfterSeq, textStreamMeta } from "../support/producer-stream.js";

const NOW = 1_764_000_000_000;
const RETRIES = 5;

/** The stream at `path` as stored after `lastSeq` of producer "p" (one byte per append). */
const storedAt = (path: string, lastSeq: number) => storedAfterSeq(textStreamMeta(path, NOW), lastSeq, NOW);

/**
 * A node holding "/a" and "/b" at seq 0 whose checks of a stream answer `verify` in turn (then
 * "not ahead"); `written` collects what reached the store.
 */
function node(verify: Array<(stream: StreamState) => void>, verifyReads = true) {
  const streams = new Map(["/a", "/b"].map((path) => [path, StreamState.fromStored(storedAt(path, 0), NOW)]));
  const checks = { count: 0, written: [] as string[] };
  const store = {
    appendAtomic: async (parts: Array<{ path: string }>) => {
      checks.written.push(...parts.map((part) => part.path));
    },
  } as unknown as Store;
  const deps: TransactionDeps = {
    writer: new StreamWriter(store, () => {}),
    now: () => NOW,
    reorderWaitMs: 0,
    conflictRetries: RETRIES,
    verifyReads,
    verify: async (stream) => {
      const step = verify[checks.count++];
      step?.(stream);
      return step !== undefined;
    },
    get: async (path) => streams.get(path)!,
    pin: (stream) => stream,
    unpin: () => {},
    holds: () => true,
    waitForProgress: async () => {},
    progressed: () => {},
    resync: async () => {},
    forget: () => {},
  };
  return { deps, checks, streams };
}

/** Producer "p" appending its seq `seq` to `path`. */
const item = (path: string, seq: number): TransactionItem => ({
  path,
  hasBody: true,
  contentType: "text/plain",
  close: false,
  streamSeq: undefined,
  producer: { id: "p", epoch: 0, seq },
  body: new TextEncoder().encode("x"),
});

describe("a transaction refused on a shared store", () => {
  test("a stale node takes the stored state at the check and writes the transaction", async () => {
    const tookStoredState = (stream: StreamState) => stream.adopt(storedAt(stream.path, 1));
    const { deps, checks } = node([tookStoredState]);
    const results = await appendAtomic(deps, [item("/a", 2), item("/b", 1)]);
    expect(results.map((r) => r.written)).toEqual([true, true]);
    expect(results[0]!.producer).toMatchObject({ epoch: 0, lastSeq: 2 });
    expect(checks.written).toEqual(["/a", "/b"]);
    // Only the refused stream was checked.
    expect(checks.count).toBe(1);
  });

  test("the store found ahead every time yet never taken: a retryable 503 after a bounded number of checks, nothing written", async () => {
    const gaveUp = () => {};
    const { deps, checks } = node(Array.from({ length: 100 }, () => gaveUp));
    await expect(appendAtomic(deps, [item("/a", 2), item("/b", 1)])).rejects.toMatchObject({
      code: "STORE_CONFLICT",
      status: 503,
      headers: { "retry-after": "1" },
    });
    expect(checks.count).toBe(RETRIES);
    expect(checks.written).toEqual([]);
  });

  test("the store ahead at first, then taken and still a gap: the refusal, naming the item", async () => {
    const tookStoredState = (stream: StreamState) => stream.adopt(storedAt(stream.path, 0));
    const { deps, checks } = node([tookStoredState]);
    const refused = appendAtomic(deps, [item("/a", 1), item("/b", 3)]);
    await expect(refused).rejects.toMatchObject({
      code: "TRANSACTION_CONFLICT",
      refusals: [{ index: 1, path: "/b", error: { code: "PRODUCER_SEQ_GAP" } }],
    });
    expect(checks.count).toBe(2);
    expect(checks.written).toEqual([]);
  });

  test("the store not ahead: refused after one check", async () => {
    const { deps, checks } = node([]);
    await expect(appendAtomic(deps, [item("/a", 2)])).rejects.toMatchObject({ code: "TRANSACTION_CONFLICT" });
    expect(checks.count).toBe(1);
  });

  test("a store of its own is not checked: the refusal at once", async () => {
    const { deps, checks } = node([], false);
    await expect(appendAtomic(deps, [item("/a", 2)])).rejects.toMatchObject({ code: "TRANSACTION_CONFLICT" });
    expect(checks.count).toBe(0);
  });
});
