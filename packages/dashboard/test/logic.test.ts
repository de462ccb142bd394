/** The dashboard's pure parts: figures, stream states, routes, the sample series and the poller's pacing. */
import { describe, expect, test } from "vitest";
import { Pace, Poller, type PollerEnv } from "../src/api/poller.js";
import { formatAgo, formatBytes, formatCount, formatMs } from "../src/lib/format.js";
import { addLag, EMPTY_LAG, lagColumns, latestTotal } from "../src/lib/lag-series.js";
import { ratesBetween } from "../src/lib/rates.js";
import { detailHref, listOf, matchRoute, streamHref } from "../src/lib/routes.js";
import { columns, mergeSamples, type Sample } from "../src/lib/series.js";
import { expiryText, retentionText, streamName, streamState } from "../src/lib/streams.js";

describe("figures", () => {
  test("bytes, counts, durations and ages read short", () => {
    expect([formatBytes(0), formatBytes(55.9), formatBytes(1500), formatBytes(2_340_000_000)]).toEqual([
      "0 B",
      "56 B",
      "1.50 KB",
      "2.34 GB",
    ]);
    expect([formatCount(950), formatCount(9500), formatCount(12_300), formatCount(0.07), formatCount(null)]).toEqual([
      "950",
      "9.5k",
      "12.3k",
      "0.07",
      "—",
    ]);
    expect([formatMs(0.42), formatMs(12.6), formatMs(2500)]).toEqual(["0.42 ms", "13 ms", "2.5 s"]);
    const now = 1_000_000_000;
    expect([formatAgo(now, now), formatAgo(now - 12_000, now), formatAgo(now - 7_200_000, now)]).toEqual([
      "just now",
      "12 s ago",
      "2 h ago",
    ]);
  });
});

describe("streams", () => {
  const entry = { closed: false, deleted: false, ttlSeconds: null, expiresAt: null };
  test("state: deleted, then closed, then expiring, else open", () => {
    expect(streamState(entry)).toBe("open");
    expect(streamState({ ...entry, ttlSeconds: 60 })).toBe("expiring");
    expect(streamState({ ...entry, ttlSeconds: 60, closed: true })).toBe("closed");
    expect(streamState({ ...entry, closed: true, deleted: true })).toBe("deleted");
  });

  test("names under the base path, expiry and retention in words", () => {
    expect(streamName("/v1/stream/chat/a", "/v1/stream")).toBe("chat/a");
    expect(expiryText({ ttlSeconds: 7200, expiresAt: null })).toBe("2 h idle");
    expect(expiryText({ ttlSeconds: null, expiresAt: "2026-01-02T03:04:05.000Z" })).toBe("at 2026-01-02 03:04:05Z");
    expect(retentionText({})).toBe("—");
    expect(retentionText({ retention: { ms: 86_400_000, bytes: null } })).toBe("1 d");
    expect(retentionText({ retention: { ms: 3_600_000, bytes: 10_000_000_000 } })).toBe("1 h / 10.0 GB");
  });
});

describe("routes", () => {
  test("every page has an address; stream names keep their slashes and survive odd characters", () => {
    expect(matchRoute("/ui")).toEqual({ page: "overview" });
    expect(matchRoute("/ui/")).toEqual({ page: "overview" });
    expect(matchRoute("/ui/streams")).toEqual({ page: "streams" });
    expect(matchRoute("/ui/groups")).toEqual({ page: "groups" });
    expect(matchRoute("/ui/nope")).toEqual({ page: "not-found" });
    const name = "chat/room 1/é?#";
    expect(matchRoute(streamHref(name))).toEqual({ page: "stream", path: name });
    expect(streamHref("a/b")).toBe("/ui/streams/a/b");
    expect(matchRoute("/ui/streams/%E0%A4%A")).toEqual({ page: "not-found" });
  });

  test("topics, groups and subscriptions have pages of their own; names are encoded whole", () => {
    expect(matchRoute(detailHref("topics", "orders.v2"))).toEqual({ page: "topic", name: "orders.v2" });
    expect(matchRoute(detailHref("groups", "billing"))).toEqual({ page: "group", name: "billing" });
    expect(matchRoute("/ui/subscriptions/s-1/")).toEqual({ page: "subscription", name: "s-1" });
    expect(matchRoute("/ui/topics")).toEqual({ page: "topics" });
    expect(matchRoute("/ui/groups/a/b")).toEqual({ page: "not-found" });
    expect(matchRoute("/ui/groups/%E0%A4%A")).toEqual({ page: "not-found" });
    expect([listOf("group"), listOf("topic"), listOf("subscription"), listOf("stream"), listOf("overview")]).toEqual([
      "groups",
      "topics",
      "subscriptions",
      "streams",
      "overview",
    ]);
  });
});

describe("a group's lag over time", () => {
  const lag = (topic: string, partition: number, messages: number) => ({ topic, partition, messages });

  test("each poll adds a point per partition; a partition seen later starts with gaps; the window slides", () => {
    let series = addLag(EMPTY_LAG, 1000, [lag("orders", 1, 5), lag("orders", 0, 7)], 3);
    series = addLag(series, 2000, [lag("orders", 0, 4), lag("orders", 1, 5), lag("audit", 0, 2)], 3);
    expect(series.keys).toEqual(["orders/0", "orders/1", "audit/0"]);
    expect(lagColumns(series)).toEqual([
      [1, 2],
      [7, 4],
      [5, 5],
      [null, 2],
    ]);
    expect(latestTotal(series)).toBe(11);
    series = addLag(series, 3000, [lag("orders", 0, 0)], 3);
    series = addLag(series, 4000, [lag("orders", 0, 0), lag("orders", 1, 0)], 3);
    expect(lagColumns(series)).toEqual([
      [2, 3, 4],
      [4, 0, 0],
      [5, null, 0],
      [2, null, null],
    ]);
    expect(latestTotal(series)).toBe(0);
    expect(latestTotal(EMPTY_LAG)).toBeNull();
    // Nothing committed anywhere: no lag is known, which is not a lag of 0.
    expect(latestTotal(addLag(EMPTY_LAG, 0, [{ topic: "t", partition: 0, messages: null }], 3))).toBeNull();
  });

  test("partitions are ordered by number, not as text", () => {
    const points = [10, 9, 2].map((partition) => lag("t", partition, 1));
    expect(addLag(EMPTY_LAG, 0, points, 10).keys).toEqual(["t/2", "t/9", "t/10"]);
  });
});

describe("message rates", () => {
  test("messages a second between two looks; unknown before the second look or when a counter went back", () => {
    const first = {
      at: 0,
      counts: new Map([
        ["0", 10],
        ["1", 50],
      ]),
    };
    const second = {
      at: 2000,
      counts: new Map([
        ["0", 30],
        ["1", 40],
        ["2", 5],
      ]),
    };
    expect(ratesBetween(first, second)).toEqual(
      new Map([
        ["0", 10],
        ["1", null],
        ["2", null],
      ]),
    );
    expect(ratesBetween(undefined, first)).toEqual(
      new Map([
        ["0", null],
        ["1", null],
      ]),
    );
  });
});

describe("the sample series", () => {
  const sample = (seq: number, appends = seq) =>
    ({ seq, at: seq * 1000, appendsPerSecond: appends }) as unknown as Sample;

  test("merges newer samples only, keeps the window, and starts over when the server restarted", () => {
    const held = mergeSamples([], [sample(1), sample(2)], 3);
    expect(mergeSamples(held, [sample(2), sample(3), sample(4)], 3).map((s) => s.seq)).toEqual([2, 3, 4]);
    expect(mergeSamples(held, [], 3).map((s) => s.seq)).toEqual([1, 2]);
    expect(mergeSamples([sample(40), sample(41)], [sample(1)], 3).map((s) => s.seq)).toEqual([1]);
  });

  test("columns are seconds, then the fields asked for", () => {
    expect(columns([sample(1, 5), sample(2, 7)], ["appendsPerSecond"])).toEqual([
      [1, 2],
      [5, 7],
    ]);
  });
});

describe("the poller", () => {
  /** A clock and timers the test moves by hand. */
  function fakeEnv() {
    let now = 0;
    let hidden = false;
    const timers: Array<{ at: number; run: () => void; id: number }> = [];
    const visibility = new Set<() => void>();
    let ids = 0;
    const env: PollerEnv = {
      now: () => now,
      setTimer: (run, ms) => {
        const id = ++ids;
        timers.push({ at: now + ms, run, id });
        return id;
      },
      clearTimer: (id) => {
        const at = timers.findIndex((timer) => timer.id === id);
        if (at >= 0) timers.splice(at, 1);
      },
      hidden: () => hidden,
      onVisibility: (listener) => {
        visibility.add(listener);
        return () => visibility.delete(listener);
      },
    };
    return {
      env,
      /** Moves time to `to`, running due timers in order. */
      async advance(to: number) {
        for (;;) {
          // Let finished polls settle (they schedule the next one) before looking at the timers.
          await new Promise((resolve) => setImmediate(resolve));
          timers.sort((a, b) => a.at - b.at);
          const due = timers[0];
          if (!due || due.at > to) break;
          timers.shift();
          now = due.at;
          due.run();
        }
        now = to;
      },
      setHidden(value: boolean) {
        hidden = value;
        for (const listener of visibility) listener();
      },
    };
  }

  test("starts a poll no sooner than the interval after the last one started, never two at once", async () => {
    const clock = fakeEnv();
    const starts: number[] = [];
    let finish: (() => void) | undefined;
    const poller = new Poller(
      () => {
        starts.push(clock.env.now());
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      1000,
      clock.env,
    );
    poller.start();
    await clock.advance(0);
    expect(starts).toEqual([0]);
    await clock.advance(2500); // the first poll is still running: no second one
    expect(starts).toEqual([0]);
    finish!();
    await clock.advance(2500);
    expect(starts).toEqual([0, 2500]); // a slow poll delays the next, and it runs at once after
    finish!();
    await clock.advance(2800);
    expect(starts).toEqual([0, 2500]);
    await clock.advance(3500);
    expect(starts).toEqual([0, 2500, 3500]);
    poller.stop();
    finish!();
    await clock.advance(10_000);
    expect(starts).toEqual([0, 2500, 3500]);
  });

  test("pollers sharing a pace keep it: a new one waits out the interval of the one before", async () => {
    const clock = fakeEnv();
    const starts: number[] = [];
    const pace = new Pace();
    const task = async () => {
      starts.push(clock.env.now());
    };
    const first = new Poller(task, 1000, clock.env, pace);
    first.start();
    await clock.advance(1500);
    first.stop();
    const second = new Poller(task, 1000, clock.env, pace);
    second.start();
    await clock.advance(2500);
    expect(starts).toEqual([0, 1000, 2000]);
    second.stop();
  });

  test("does not poll while the page is hidden, and polls when it shows again", async () => {
    const clock = fakeEnv();
    const starts: number[] = [];
    const poller = new Poller(
      async () => {
        starts.push(clock.env.now());
      },
      1000,
      clock.env,
    );
    poller.start();
    await clock.advance(0);
    clock.setHidden(true);
    await clock.advance(5000);
    expect(starts).toEqual([0, 1000]);
    clock.setHidden(false);
    await clock.advance(5000);
    expect(starts).toEqual([0, 1000, 5000]);
    poller.stop();
  });
});
