/** Re-reads fold per path, and the re-check reads streams a few at a time. */
import { describe, expect, test } from "vitest";
import { LiveRecheck } from "../../src/cluster/change-feed/recheck.js";
import { Refresher } from "../../src/cluster/change-feed/refresher.js";

/** An engine whose re-reads finish only when the test says so. */
function heldEngine() {
  const pending: Array<{ path: string; finish: () => void }> = [];
  let running = 0;
  let most = 0;
  return {
    pending,
    get most() {
      return most;
    },
    refresh(path: string): Promise<boolean> {
      running++;
      most = Math.max(most, running);
      return new Promise((resolve) =>
        pending.push({
          path,
          finish: () => {
            running--;
            resolve(true);
          },
        }),
      );
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("Refresher", () => {
  test("notices arriving during a read of a path fold into one more read after it", async () => {
    const engine = heldEngine();
    const refresher = new Refresher(engine, () => {});
    const first = refresher.request("/a");
    await settle();
    expect(engine.pending.map((p) => p.path)).toEqual(["/a"]);
    const folded = [refresher.request("/a"), refresher.request("/a"), refresher.request("/a")];
    engine.pending.shift()!.finish();
    await settle();
    expect(engine.pending.map((p) => p.path)).toEqual(["/a"]);
    engine.pending.shift()!.finish();
    await Promise.all([first, ...folded]);
    expect(engine.pending).toEqual([]);
  });

  test("a failed read is reported and does not stop later ones", async () => {
    const failures: string[] = [];
    const refresher = new Refresher({ refresh: () => Promise.reject(new Error("store down")) }, (error, path) =>
      failures.push(`${path}: ${(error as Error).message}`),
    );
    await refresher.request("/a");
    await refresher.request("/a");
    expect(failures).toEqual(["/a: store down", "/a: store down"]);
  });
});

describe("LiveRecheck", () => {
  test("reads every live path, never more than `concurrency` at once", async () => {
    const engine = heldEngine();
    const paths = Array.from({ length: 10 }, (_, i) => `/s/${i}`);
    const recheck = new LiveRecheck(() => paths, new Refresher(engine, () => {}), 3);
    const round = recheck.run();
    const seen: string[] = [];
    while (seen.length < paths.length) {
      await settle();
      const batch = engine.pending.splice(0);
      for (const read of batch) {
        seen.push(read.path);
        read.finish();
      }
    }
    await round;
    expect(seen.sort()).toEqual([...paths].sort());
    expect(engine.most).toBe(3);
  });

  test("a round asked for while one runs runs again after it", async () => {
    const engine = heldEngine();
    const recheck = new LiveRecheck(() => ["/a"], new Refresher(engine, () => {}), 2);
    const first = recheck.run();
    await settle();
    const second = recheck.run();
    engine.pending.shift()!.finish();
    await settle();
    expect(engine.pending.map((p) => p.path)).toEqual(["/a"]);
    engine.pending.shift()!.finish();
    await Promise.all([first, second]);
  });
});
