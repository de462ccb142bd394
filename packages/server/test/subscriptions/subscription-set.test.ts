/** The runtime index: which subscriptions link a stream, its extent, and pending work (PROTOCOL §7). */
import { describe, expect, test } from "vitest";
import type { SubscriptionConfig } from "../../src/features/subscriptions/config.js";
import { SubscriptionSet } from "../../src/features/subscriptions/runtime/subscription-set.js";
import type { LinkEntry } from "../../src/features/subscriptions/state/records.js";

const CONFIG: SubscriptionConfig = {
  type: "webhook",
  pattern: "events/*",
  streams: [],
  webhook: { url: "https://hooks.example.com/x" },
  wake_stream: null,
  lease_ttl_ms: 1000,
  description: null,
};

function setWith(links: LinkEntry[], maxLinks = 10) {
  const set = new SubscriptionSet({ maxLength: 256, maxSegments: 32, maxWildcards: 8 }, maxLinks);
  set.apply({
    t: "sub",
    id: "s",
    inc: "i",
    config: CONFIG,
    hash: "h",
    at: 0,
    base: "",
    gen: 0,
    links,
    wake: null,
    retry: null,
  });
  return { set, sub: set.get("s")! };
}

describe("subscription set", () => {
  test("a stream is pending while its tail is past the cursor", () => {
    const { set, sub } = setWith([["events/a", 1, 10, false, true]]);
    expect(set.isLinked("events/a")).toBe(true);
    expect(set.hasPending(sub)).toBe(false);
    set.setExtent("events/a", { stream: 1, start: 0, tail: 10 });
    expect(set.hasPending(sub)).toBe(false);
    set.advance("events/a", 25);
    expect(set.hasPending(sub)).toBe(true);
    expect(set.lag(sub)).toBe(15);
    expect(set.pendingOf(sub, 10).map((p) => [p.path, p.extent.tail])).toEqual([["events/a", 25]]);
    set.apply({ t: "ack", id: "s", gen: 0, acks: [["events/a", 1, 25]], lease: null, done: false });
    expect(set.hasPending(sub)).toBe(false);
  });

  test("a re-created stream restarts its cursor at its start", () => {
    const { set, sub } = setWith([["events/a", 1, 10, true, true]]);
    set.setExtent("events/a", { stream: 2, start: 0, tail: 4 });
    expect(sub.links.get("events/a")).toMatchObject({ stream: 2, acked: 0 });
    expect(set.lag(sub)).toBe(4);
  });

  test("a deleted stream drops pattern links and resets explicit ones", () => {
    const { set, sub } = setWith([
      ["events/a", 1, 10, false, true],
      ["events/b", 2, 3, true, true],
    ]);
    set.setExtent("events/a", { stream: 1, start: 0, tail: 20 });
    set.setExtent("events/b", { stream: 2, start: 0, tail: 20 });
    set.unlinkDeleted("events/a");
    set.unlinkDeleted("events/b");
    expect(sub.links.has("events/a")).toBe(false);
    expect(set.isLinked("events/a")).toBe(false);
    expect(sub.links.get("events/b")).toEqual({ explicit: true, glob: false, stream: null, acked: 0 });
    expect(set.hasPending(sub)).toBe(false);
  });

  test("patterns find subscriptions; links past the limit are refused", () => {
    const { set, sub } = setWith([["events/a", 1, 0, false, true]], 2);
    expect([...set.matching("events/x")].map((s) => s.id)).toEqual(["s"]);
    expect([...set.matching("other/x")]).toEqual([]);
    expect(set.linkByPattern(sub, "events/x", { explicit: false, glob: true, stream: 5, acked: 0 })).toBe(true);
    expect(set.linkByPattern(sub, "events/y", { explicit: false, glob: true, stream: 6, acked: 0 })).toBe(false);
    expect([...set.linking("events/x")].map((s) => s.id)).toEqual(["s"]);
  });

  test("deleting a subscription clears its index entries", () => {
    const { set } = setWith([["events/a", 1, 0, false, true]]);
    set.setExtent("events/a", { stream: 1, start: 0, tail: 9 });
    set.apply({ t: "delete", id: "s" });
    expect(set.isLinked("events/a")).toBe(false);
    expect(set.extent("events/a")).toBeUndefined();
    expect([...set.matching("events/x")]).toEqual([]);
  });
});
