/**
 * On a shared store a node refuses an append only after checking the store (append.ts). A
 * check can find the store ahead and still leave the node's state behind: the resync gives up
 * while the node's own appends of the stream are in flight (freshness.ts). The node must then
 * check again after deciding again, not answer a seq gap for seqs other nodes already stored.
 * When the store stays ahead through a bounded number of checks, the node cannot know whether
 * the refusal is real: it answers a retryable 503 (STORE_CONFLICT, Retry-After), never the
 * refusal. A store that is not ahead gets the refusal after one check.
 */
import { describe, expect, test } from "vitest";
import { type AppendDeps, append } from "../../src/engine/append.js";
import { StreamState } from "../../src/engine/stream-state.js";
import { StreamWriter } from "../../src/engine/writer.js";
import type { Store } from "../../src/store/types.js";
import { storedAfterSeq, textStreamMeta } from "../support/producer-stream.js";

const NOW = 1_764_000_000_000;
const RETRIES = 5;
const meta = textStreamMeta("/s", NOW);

/** The stream as stored after `lastSeq` of producer "p" (one byte per append). */
const storedAt = (lastSeq: number) => storedAfterSeq(meta, lastSeq, NOW);

/** A node holding the stream at seq 0 whose checks answer `verify` in turn (then "not ahead"). */
function node(verify: Array<(stream: StreamState) => void>) {
  const stream = StreamState.fromStored(storedAt(0), NOW);
  const checks = { count: 0 };
  // The store only has to accept the write: what is decided is under test, not the store.
  const store = { append: async () => {} } as unknown as Store;
  const deps: AppendDeps = {
    writer: new StreamWriter(store, () => {}),
    now: () => NOW,
    reorderWaitMs: 0,
    conflictRetries: RETRIES,
    verifyReads: true,
    pinned: async () => stream,
    unpin: () => {},
    verify: async (s) => {
      const step = verify[checks.count++];
      step?.(s);
      return step !== undefined;
    },
    resync: async () => {},
    waitForProgress: async () => {},
    progressed: () => {},
    forget: () => {},
  };
  return { deps, checks };
}

const seq2 = {
  hasBody: true,
  contentType: "text/plain",
  close: false,
  streamSeq: undefined,
  producer: { id: "p", epoch: 0, seq: 2 },
  body: new TextEncoder().encode("x"),
};

describe("an append refused on a shared store", () => {
  test("the store ahead but not yet taken (a resync that gave up): checked again, then written", async () => {
    const gaveUp = () => {};
    const tookStoredState = (stream: StreamState) => stream.adopt(storedAt(1));
    const { deps, checks } = node([gaveUp, tookStoredState]);
    const result = await append(deps, "/s", seq2);
    expect(result.written).toBe(true);
    expect(result.producer).toMatchObject({ epoch: 0, lastSeq: 2 });
    expect(checks.count).toBe(2);
  });

  test("the store found ahead every time yet never taken: a retryable 503, not a seq gap, after a bounded number of checks", async () => {
    const gaveUp = () => {};
    const { deps, checks } = node(Array.from({ length: 100 }, () => gaveUp));
    await expect(append(deps, "/s", seq2)).rejects.toMatchObject({
      code: "STORE_CONFLICT",
      status: 503,
      headers: { "retry-after": "1" },
    });
    expect(checks.count).toBe(RETRIES);
  });

  test("the store ahead at first, then taken and still a gap: the refusal, since it rests on stored state", async () => {
    const tookStoredState = (stream: StreamState) => stream.adopt(storedAt(0));
    const { deps, checks } = node([tookStoredState]);
    await expect(append(deps, "/s", seq2)).rejects.toMatchObject({ code: "PRODUCER_SEQ_GAP" });
    expect(checks.count).toBe(2);
  });

  test("the store not ahead, but the node's own appends settled during the check: decided again, then written", async () => {
    // verify() waits for the node's appends in flight; once they settle the node holds seq 1.
    const ownAppendSettled = (stream: StreamState) => stream.adopt(storedAt(1));
    const { deps, checks } = node([]);
    deps.verify = async (s) => {
      checks.count++;
      ownAppendSettled(s);
      return false;
    };
    const result = await append(deps, "/s", seq2);
    expect(result.written).toBe(true);
    expect(result.producer).toMatchObject({ epoch: 0, lastSeq: 2 });
    expect(checks.count).toBe(1);
  });

  test("the store not ahead: refused after one check", async () => {
    const { deps, checks } = node([]);
    await expect(append(deps, "/s", seq2)).rejects.toMatchObject({ code: "PRODUCER_SEQ_GAP" });
    expect(checks.count).toBe(1);
  });
});
