/** The live waiter set: every waiter woken once per wakeAll, O(1) add and remove, holes packed. */
import { describe, expect, test, vi } from "vitest";
import { LiveSet, type LiveWaiter, type WakeReason } from "../../src/engine/live.js";

class Waiter implements LiveWaiter {
  liveList: LiveWaiter["liveList"];
  liveSlot = -1;
  readonly woken: WakeReason[] = [];
  onWake: ((reason: WakeReason) => void) | undefined;

  wake(reason: WakeReason): void {
    this.woken.push(reason);
    this.onWake?.(reason);
  }
}

const waiters = (n: number) => Array.from({ length: n }, () => new Waiter());

describe("LiveSet waiters", () => {
  test("wakeAll wakes each waiter once and empties the set", () => {
    const live = new LiveSet();
    const all = waiters(5);
    for (const w of all) live.add(w);
    live.add(all[0]!); // already waiting: not a second entry
    expect(live.size).toBe(5);
    live.wakeAll("data");
    expect(all.map((w) => w.woken)).toEqual(all.map(() => ["data"]));
    expect(live.size).toBe(0);
    live.wakeAll("data");
    expect(all[0]!.woken).toEqual(["data"]);
  });

  test("a waiter that re-adds itself while woken waits for the next wakeAll", () => {
    const live = new LiveSet();
    const all = waiters(3);
    for (const w of all) {
      w.onWake = () => live.add(w);
      live.add(w);
    }
    live.wakeAll("data");
    expect(all.map((w) => w.woken.length)).toEqual([1, 1, 1]);
    expect(live.size).toBe(3);
    live.wakeAll("closed");
    expect(all.map((w) => w.woken)).toEqual(all.map(() => ["data", "closed"]));
  });

  test("a removed waiter is not woken, also when an earlier waiter removes it mid-wake", () => {
    const live = new LiveSet();
    const [first, second, third, fourth] = waiters(4) as [Waiter, Waiter, Waiter, Waiter];
    for (const w of [first, second, third, fourth]) live.add(w);
    live.remove(second);
    expect(live.size).toBe(3);
    first.onWake = () => {
      live.remove(third);
      live.add(first);
    };
    live.wakeAll("data");
    expect([first, second, third, fourth].map((w) => w.woken.length)).toEqual([1, 0, 0, 1]);
    // Removing the one from the woken list did not touch the count of the new one.
    expect(live.size).toBe(1);
    live.remove(third);
    expect(live.size).toBe(1);
  });

  test("a wakeAll caused by a waking waiter wakes the re-added waiters, and the outer one goes on", () => {
    const live = new LiveSet();
    const all = waiters(4);
    for (const w of all) live.add(w);
    all[0]!.onWake = (reason) => {
      live.add(all[0]!);
      if (reason === "data") live.wakeAll("gone");
    };
    live.wakeAll("data");
    expect(all[0]!.woken).toEqual(["data", "gone"]);
    expect(all.slice(1).map((w) => w.woken)).toEqual([["data"], ["data"], ["data"]]);
    expect(live.size).toBe(1);
  });

  test("many removals pack the list; the rest are still each woken once", () => {
    const live = new LiveSet();
    const all = waiters(1000);
    for (const w of all) live.add(w);
    const kept = all.filter((_, i) => i % 10 === 0);
    for (const [i, w] of all.entries()) if (i % 10 !== 0) live.remove(w);
    expect(live.size).toBe(kept.length);
    // Removing what was already removed changes nothing.
    live.remove(all[1]!);
    expect(live.size).toBe(kept.length);
    live.wakeAll("timeout");
    expect(all.filter((w) => w.woken.length > 0)).toEqual(kept);
    expect(kept.every((w) => w.woken.length === 1)).toBe(true);
  });

  test("appends made visible in one tick wake each waiter once, after the last of them", async () => {
    // A clock that stands still: on a busy machine the first fan-out may take over a millisecond
    // of wall time, and pacing (tested below with its own clock) would then defer the second wake.
    const live = new LiveSet(() => 0);
    const all = waiters(3);
    for (const w of all) live.add(w);
    live.wakeForAppend("data");
    live.wakeForAppend("closed");
    // Nothing yet: the rest of the burst may still become visible in this tick.
    expect(all.every((w) => w.woken.length === 0)).toBe(true);
    await Promise.resolve();
    expect(all.map((w) => w.woken)).toEqual(all.map(() => ["data"]));
    live.add(all[0]!);
    live.wakeForAppend("closed");
    await Promise.resolve();
    expect(all[0]!.woken).toEqual(["data", "closed"]);
  });
});

describe("LiveSet fan-out pacing", () => {
  /** A clock the test moves: each wake of `costly` takes `wakeMs` of it. */
  function pacedSet(wakeMs: number) {
    let now = 1000;
    const live = new LiveSet(() => now);
    const costly = new Waiter();
    costly.onWake = () => {
      now += wakeMs;
      live.add(costly);
    };
    live.add(costly);
    return { live, costly, advance: (ms: number) => (now += ms) };
  }

  test("after a fan-out that took 20 ms, the next append's wake waits as long, and then answers the burst once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    try {
      const { live, costly } = pacedSet(20);
      live.wakeForAppend("data");
      await Promise.resolve();
      expect(costly.woken).toEqual(["data"]);
      live.wakeForAppend("data");
      live.wakeForAppend("data");
      await Promise.resolve();
      // Paced: the appends wait for one later wake instead of one each.
      expect(costly.woken).toEqual(["data"]);
      vi.advanceTimersByTime(19);
      expect(costly.woken).toEqual(["data"]);
      vi.advanceTimersByTime(1);
      expect(costly.woken).toEqual(["data", "data"]);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a fan-out that took a second pauses the next one by 25 ms, not a second", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    try {
      const { live, costly } = pacedSet(1000);
      live.wakeForAppend("data");
      await Promise.resolve();
      live.wakeForAppend("data");
      vi.advanceTimersByTime(24);
      expect(costly.woken).toEqual(["data"]);
      vi.advanceTimersByTime(1);
      expect(costly.woken).toEqual(["data", "data"]);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a wake after the pause has passed, or after a cheap fan-out, runs in the same tick", async () => {
    const slow = pacedSet(20);
    slow.live.wakeForAppend("data");
    await Promise.resolve();
    slow.advance(20);
    slow.live.wakeForAppend("data");
    await Promise.resolve();
    expect(slow.costly.woken).toEqual(["data", "data"]);

    const cheap = pacedSet(0.5);
    cheap.live.wakeForAppend("data");
    await Promise.resolve();
    cheap.live.wakeForAppend("closed");
    await Promise.resolve();
    expect(cheap.costly.woken).toEqual(["data", "closed"]);
  });
});
