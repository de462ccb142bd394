/**
 * The engine's per-stream state is kept small for idle streams (flags in one field, access
 * time as an offset, busy-only state in a side object dropped when empty). These tests check
 * that the packed fields still behave as separate fields and that dropping the side object
 * loses nothing still set.
 */
import { describe, expect, test } from "vitest";
import { LiveSet } from "../../src/engine/live.js";
import { StreamState } from "../../src/engine/stream-state.js";
import type { StreamMeta } from "../../src/store/types.js";

const NOW = 1_764_000_000_000;

const meta: StreamMeta = {
  path: "/s",
  contentType: "application/json",
  lifetime: {},
  createdAt: NOW,
  retention: {},
};

describe("stream state", () => {
  test("closed and soft-deleted are independent, and decided closure runs ahead of the visible one", () => {
    const stream = new StreamState(meta, 0, false, NOW);
    stream.decided.closed = true;
    expect([stream.closed, stream.decidedClosed, stream.softDeleted]).toEqual([false, true, false]);
    stream.softDeleted = true;
    expect([stream.closed, stream.decidedClosed, stream.softDeleted]).toEqual([false, true, true]);
    stream.closed = true;
    stream.softDeleted = false;
    expect([stream.closed, stream.decidedClosed, stream.softDeleted]).toEqual([true, true, false]);
    expect(new StreamState(meta, 0, true, NOW).decisionView.closed).toBe(true);
  });

  test("the decided view follows the visible one except while appends are in flight", () => {
    const stream = new StreamState(meta, 4, false, NOW);
    stream.tail = 6;
    expect(stream.decidedTail).toBe(6);
    const decided = stream.decided;
    decided.tail = 10;
    decided.nextSeq = 3;
    decided.lastTs = NOW + 5;
    expect([stream.decidedTail, stream.decidedNextSeq, stream.decidedLastTs]).toEqual([10, 3, NOW + 5]);
    expect([stream.tail, stream.nextSeq, stream.lastTs]).toEqual([6, 0, 0]);
    // The writer made them visible: the decided view is the visible one again.
    stream.tail = 10;
    stream.nextSeq = 3;
    stream.lastTs = NOW + 5;
    stream.caughtUp();
    stream.tail = 12;
    expect([stream.decidedTail, stream.decidedNextSeq, stream.decidedLastTs]).toEqual([12, 3, NOW + 5]);
    expect(stream.decided.tail).toBe(12);
  });

  test("access times read back exactly, far before and after the process started", () => {
    const stream = new StreamState(meta, 0, false, NOW);
    expect(stream.lastAccess).toBe(NOW);
    for (const at of [0, 1, NOW + 2 ** 31 + 7, NOW + 365 * 86_400_000, Date.now()]) {
      stream.lastAccess = at;
      expect(stream.lastAccess).toBe(at);
    }
  });

  test("clearing one busy-only field keeps the others", async () => {
    const stream = new StreamState(meta, 0, false, NOW);
    const ready = Promise.resolve();
    stream.ready = ready;
    stream.producerMap().set("p", { epoch: 1, lastSeq: 4 });
    stream.lastStreamSeq = "a";
    const live = new LiveSet();
    stream.live = live;

    stream.ready = undefined;
    expect(stream.producerState("p")).toEqual({ epoch: 1, lastSeq: 4 });
    expect([stream.lastStreamSeq, stream.live]).toEqual(["a", live]);

    stream.live = undefined;
    stream.lastStreamSeq = undefined;
    expect(stream.producerState("p")?.lastSeq).toBe(4);
    expect(stream.ready).toBeUndefined();
    await ready;
  });

  test("the decided view writes through to the stream, before and after busy state comes and goes", () => {
    const stream = new StreamState(meta, 0, false, NOW);
    const decided = stream.decided;
    stream.ready = Promise.resolve();
    stream.ready = undefined;
    decided.tail = 10;
    decided.closed = true;
    decided.closedBy = { id: "p", epoch: 0, seq: 1 };
    expect([stream.decidedTail, stream.decidedClosed, stream.tail, stream.closed]).toEqual([10, true, 0, false]);
    expect(stream.closedBy).toEqual({ id: "p", epoch: 0, seq: 1 });
    expect(stream.decided.tail).toBe(10);
  });

  test("adopting stored state without producers forgets earlier ones", () => {
    const stream = new StreamState(meta, 0, false, NOW);
    stream.producerMap().set("p", { epoch: 1, lastSeq: 4 });
    stream.adopt({
      meta,
      tail: 5,
      earliest: 0,
      nextSeq: 1,
      lastTs: NOW,
      closed: true,
      closedBy: undefined,
      lastStreamSeq: undefined,
      producers: new Map(),
      softDeleted: false,
      forks: 0,
    });
    expect(stream.producers).toBeUndefined();
    expect([stream.tail, stream.decidedTail, stream.closed, stream.decidedClosed]).toEqual([5, 5, true, true]);
  });
});
