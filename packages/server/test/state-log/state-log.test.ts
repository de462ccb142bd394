/**
 * The state log: feature state as records in internal streams, replayed at open, compacted
 * into a new generation, crash-safe at every step, on every store.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine, FileStore, MemoryStore, type Store } from "@rivulet/server";
import { afterAll, describe, expect, test } from "vitest";
import { batchBody, encodeLine } from "../../src/features/state-log/codec.js";
import { generationPath } from "../../src/features/state-log/generations.js";
import { StateLog, type StateLogOwner } from "../../src/features/state-log/state-log.js";
import { FaultyStore } from "../handlers/helpers.js";

const ROOT = "/v1/stream/__ds/state/test";

type Entry = { add: number } | { total: number };

/** Keeps a running total: records add to it, a snapshot is the total. */
class Counter implements StateLogOwner<Entry> {
  total = 0;
  replay(entry: Entry): void {
    if ("total" in entry) this.total = entry.total;
    else this.total += entry.add;
  }
  *snapshot(): Iterable<Entry> {
    yield { total: this.total };
  }
  /** Decide, apply, persist: what a feature does. */
  add(log: StateLog<Entry>, n: number): Promise<void> {
    this.total += n;
    return log.append({ add: n });
  }
}

async function openLog(store: Store, compactAfterRecords = 1000) {
  const engine = new Engine({ store, internalPrefix: "/v1/stream/__ds/" });
  await engine.open();
  const log = new StateLog<Entry>({ engine, root: ROOT, compactAfterRecords });
  const owner = new Counter();
  await log.open(owner);
  return { engine, log, owner };
}

async function generations(store: Store): Promise<string[]> {
  return (await store.list({ prefix: `${ROOT}/`, limit: 100 })).map((s) => s.meta.path);
}

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe("state log", () => {
  test("a fresh log writes nothing until its first record, which starts generation 1; records replay in order", async () => {
    const store = new MemoryStore();
    const first = await openLog(store);
    expect(first.log.currentGeneration).toBe(0);
    expect(await generations(store)).toEqual([]);
    await Promise.all([1, 2, 3].map((n) => first.owner.add(first.log, n)));
    expect(first.log.currentGeneration).toBe(1);
    await first.owner.add(first.log, 10);
    await first.log.close();
    const second = await openLog(store);
    expect(second.owner.total).toBe(16);
    expect(await generations(store)).toEqual([generationPath(ROOT, 1)]);
  });

  test("records decided together share one write", async () => {
    const { engine, log, owner } = await openLog(new MemoryStore());
    await owner.add(log, 1);
    const writes: number[] = [];
    engine.events.on("appended", (event) => {
      if (!event.remote) writes.push(event.messages);
    });
    await Promise.all(Array.from({ length: 50 }, () => owner.add(log, 1)));
    expect(writes).toEqual([50]);
  });

  test("compaction moves the state into the next generation and deletes the previous one", async () => {
    const store = new MemoryStore();
    const { log, owner } = await openLog(store, 5);
    for (let n = 1; n <= 12; n++) await owner.add(log, n);
    expect(log.currentGeneration).toBeGreaterThan(1);
    expect(await generations(store)).toEqual([generationPath(ROOT, log.currentGeneration)]);
    await log.close();
    expect((await openLog(store, 5)).owner.total).toBe(78);
  });

  test("records queued when compaction starts are folded into its snapshot, never counted twice", async () => {
    const store = new MemoryStore();
    const { log, owner } = await openLog(store, 3);
    // Many rounds of concurrent appends: compactions start with records queued.
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 7 }, () => owner.add(log, 1)));
    expect(owner.total).toBe(70);
    await log.close();
    expect((await openLog(store, 3)).owner.total).toBe(70);
  });

  test("a compaction cut short by a crash leaves a generation without its end: the previous one is used and the other deleted", async () => {
    const store = new MemoryStore();
    const first = await openLog(store);
    await first.owner.add(first.log, 5);
    await first.log.close();
    // What a crash in the middle of writing generation 2 leaves behind.
    await first.engine.create(generationPath(ROOT, 2), {
      contentType: "application/json",
      lifetime: {},
      retention: {},
      closed: false,
      body: batchBody([
        encodeLine({ kind: "begin", generation: 2 }),
        encodeLine({ kind: "snapshot", entry: { total: 999 } }),
      ]),
      fork: undefined,
    });
    const second = await openLog(store, 1);
    expect(second.owner.total).toBe(5);
    expect(await generations(store)).toEqual([generationPath(ROOT, 1)]);
    expect(second.log.currentGeneration).toBe(1);
    // Generation numbers never repeat: the next compaction goes past the abandoned one.
    await second.owner.add(second.log, 1);
    await second.owner.add(second.log, 1);
    expect(second.log.currentGeneration).toBe(3);
  });

  test("a crash after the new generation is complete but before the old one is deleted: the newest complete one wins", async () => {
    const store = new MemoryStore();
    const first = await openLog(store);
    await first.owner.add(first.log, 5);
    await first.log.close();
    await first.engine.create(generationPath(ROOT, 2), {
      contentType: "application/json",
      lifetime: {},
      retention: {},
      closed: false,
      body: batchBody([
        encodeLine({ kind: "begin", generation: 2 }),
        encodeLine({ kind: "snapshot", entry: { total: 5 } }),
        encodeLine({ kind: "end", upTo: 1 }),
        // A record the snapshot already includes (folded), then a newer one.
        encodeLine({ kind: "record", seq: 1, record: { add: 5 } }),
        encodeLine({ kind: "record", seq: 2, record: { add: 1 } }),
      ]),
      fork: undefined,
    });
    const second = await openLog(store);
    expect(second.owner.total).toBe(6);
    expect(await generations(store)).toEqual([generationPath(ROOT, 2)]);
    await second.owner.add(second.log, 1);
    await second.log.close();
    expect((await openLog(store)).owner.total).toBe(7);
  });

  test("a failed write rejects that record and every later one; reopening recovers what is durable", async () => {
    const store = new FaultyStore();
    const first = await openLog(store);
    await first.owner.add(first.log, 1);
    store.failAppend = Object.assign(new Error("disk full"), { code: "ENOSPC" });
    const failed = first.owner.add(first.log, 2);
    const after = first.owner.add(first.log, 3);
    await expect(failed).rejects.toThrow();
    await expect(after).rejects.toThrow();
    await expect(first.owner.add(first.log, 4)).rejects.toThrow();
    expect(first.log.failed).toBeDefined();
    store.failAppend = undefined;
    const owner = new Counter();
    await first.log.open(owner);
    expect(owner.total).toBe(1);
    await owner.add(first.log, 2);
    expect((await openLog(store)).owner.total).toBe(3);
  });

  test("on the file store the state survives a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-state-log-"));
    dirs.push(dir);
    const first = await openLog(new FileStore({ dir }), 4);
    for (let n = 1; n <= 10; n++) await first.owner.add(first.log, n);
    await first.log.close();
    await first.engine.store.close();
    const second = await openLog(new FileStore({ dir }), 4);
    expect(second.owner.total).toBe(55);
    await second.engine.store.close();
  });

  test("internal streams are not listed and not counted as streams", async () => {
    const store = new MemoryStore();
    const { engine, log, owner } = await openLog(store);
    await owner.add(log, 1);
    await engine.create("/v1/stream/app", {
      contentType: "text/plain",
      lifetime: {},
      retention: {},
      closed: false,
      body: new Uint8Array(0),
      fork: undefined,
    });
    expect(store.count()).toBe(2);
    expect(engine.streamCount).toBe(1);
    expect((await engine.list("/v1/stream/", undefined, 100)).streams.map((s) => s.meta.path)).toEqual([
      "/v1/stream/app",
    ]);
    expect((await engine.list("/v1/stream/__ds/", undefined, 100)).streams).toEqual([]);
    // The count is rebuilt at open, from the store.
    const reopened = new Engine({ store, internalPrefix: "/v1/stream/__ds/" });
    await reopened.open();
    expect(reopened.streamCount).toBe(1);
  });
});
