/** Which notices cost a store read on the node that hears them, and when a probe says a stream moved. */
import { describe, expect, test } from "vitest";
import { needsRefresh } from "../../src/cluster/change-feed/refresh-rules.js";
import { moved } from "../../src/engine/freshness.js";

const held = { tail: 10, closed: false, live: true };

describe("needsRefresh", () => {
  test("a stream the node does not hold needs nothing", () => {
    expect(needsRefresh({ path: "/a", tail: 99 }, undefined, false)).toBe(false);
  });

  test("a later tail or a closure the node has not seen needs a read; one it has seen does not", () => {
    expect(needsRefresh({ path: "/a", tail: 11 }, held, false)).toBe(true);
    expect(needsRefresh({ path: "/a", tail: 10 }, held, false)).toBe(false);
    expect(needsRefresh({ path: "/a", tail: 8 }, held, false)).toBe(false);
    expect(needsRefresh({ path: "/a", tail: 10, closed: true }, held, false)).toBe(true);
    expect(needsRefresh({ path: "/a", tail: 10, closed: true }, { ...held, closed: true }, false)).toBe(false);
  });

  test("a deletion, a re-create or a trim always needs a read, whatever the tail", () => {
    expect(needsRefresh({ path: "/a", tail: 0, deleted: true }, held, false)).toBe(true);
    expect(needsRefresh({ path: "/a", tail: 2, created: true }, held, false)).toBe(true);
    expect(needsRefresh({ path: "/a", tail: 10, trimmed: true }, held, false)).toBe(true);
  });

  test("with fresh reads, only streams live readers wait on are read (reads check the store anyway)", () => {
    expect(needsRefresh({ path: "/a", tail: 11 }, { ...held, live: false }, true)).toBe(false);
    expect(needsRefresh({ path: "/a", tail: 0, deleted: true }, { ...held, live: false }, true)).toBe(false);
    expect(needsRefresh({ path: "/a", tail: 11 }, held, true)).toBe(true);
  });
});

describe("moved", () => {
  const stream = { tail: 10, closed: false, earliest: 0, softDeleted: false };
  const probe = { createdAt: 1, tail: 10, closed: false, earliest: 0, softDeleted: false };

  test("the same fields, or a store answer older than the node's view, are not a move", () => {
    expect(moved(stream, probe)).toBe(false);
    expect(moved({ ...stream, tail: 12, closed: true }, probe)).toBe(false);
  });

  test("a later tail, a closure, a later earliest or a soft deletion is", () => {
    expect(moved(stream, { ...probe, tail: 11 })).toBe(true);
    expect(moved(stream, { ...probe, closed: true })).toBe(true);
    expect(moved(stream, { ...probe, earliest: 4 })).toBe(true);
    expect(moved(stream, { ...probe, softDeleted: true })).toBe(true);
  });
});
