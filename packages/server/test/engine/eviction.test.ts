/**
 * Idle streams leave the engine's memory (registry.ts) and come back from the store on their
 * next use. Nothing may change for clients: an engine that evicts every idle stream before
 * every operation answers exactly as one that never evicts (a randomised comparison on both
 * stores), operations in flight keep their state, and a live reader that starts on a state
 * that has just left follows the one appends wake.
 */

import { ProtocolError } from "@rivulet/protocol";
import { type AppendRequest, Engine, MemoryStore, type Store, TransactionRefusedError } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { readChunk } from "../../src/engine/reader.js";
import { waitForData } from "../../src/engine/wait.js";
import { STORES } from "../extensions/stores.js";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const createRequest = (extra: object = {}) => ({
  contentType: "application/json",
  lifetime: {},
  retention: {},
  closed: false,
  body: new Uint8Array(0),
  fork: undefined,
  ...extra,
});

const appendRequest = (body: string, extra: Partial<AppendRequest> = {}): AppendRequest => ({
  body: encode(body),
  hasBody: body.length > 0,
  contentType: undefined,
  close: false,
  streamSeq: undefined,
  producer: undefined,
  ...extra,
});

/** Evicts everything idle: the first sweep clears the "used" marks, the second drops. */
function evictAll(engine: Engine): number {
  return engine.evictIdle() + engine.evictIdle();
}

const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) {
    engine.close();
    await engine.store.close();
  }
});

async function engineOn(store: Store, now: () => number = Date.now): Promise<Engine> {
  const engine = new Engine({ store, now, evictIdleMs: 0, producerReorderWaitMs: 0 });
  engines.push(engine);
  await engine.open();
  return engine;
}

/** A small deterministic generator, so a failing sequence can be replayed from its seed. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

type Operation = (engine: Engine) => Promise<unknown>;

/** What a client would see of an operation: its answer with times of its own left out, or its error code. */
async function outcome(operation: Operation, engine: Engine): Promise<unknown> {
  try {
    return { ok: await operation(engine) };
  } catch (error) {
    if (error instanceof TransactionRefusedError) {
      return { refused: error.refusals.map((r) => [r.index, r.error.code]) };
    }
    if (error instanceof ProtocolError) return { error: error.code };
    throw error;
  }
}

const PATHS = ["/s/a", "/s/b", "/s/c", "/t/ttl", "/f/fork"];

async function head(engine: Engine, path: string) {
  const s = await engine.get(path, false);
  const producers = [...(s.producers ?? new Map())].sort(([a], [b]) => a.localeCompare(b));
  return {
    tail: s.tail,
    nextSeq: s.nextSeq,
    lastTs: s.lastTs,
    earliest: s.earliest,
    closed: s.closed,
    etag: s.etagId,
    contentType: s.contentType,
    lastStreamSeq: s.lastStreamSeq,
    closedBy: s.closedBy,
    producers,
  };
}

/** One random operation, the same for both engines. */
function pick(next: (n: number) => number, clock: { now: number }): Operation {
  const path = PATHS[next(PATHS.length)]!;
  const producer = { id: ["p", "q"][next(2)]!, epoch: next(2), seq: next(4) };
  switch (next(12)) {
    case 0:
      return (e) =>
        e
          .create(path, {
            ...createRequest(path.startsWith("/t/") ? { lifetime: { ttlSeconds: 2 } } : {}),
            closed: next(6) === 0,
            body: next(2) === 0 ? encode(`[${next(100)}]`) : new Uint8Array(0),
          })
          .then((r) => r.created);
    case 1: {
      const source = PATHS[next(3)]!;
      return (e) =>
        e.create(path, createRequest({ fork: { source, offset: undefined, subOffset: 0 } })).then((r) => r.created);
    }
    case 2:
    case 3:
    case 4: {
      const body = `{"n":${next(1000)}}`;
      const extra = next(2) === 0 ? { producer } : {};
      return (e) => e.append(path, appendRequest(body, extra)).then(({ commitWaitMs: _, ...answer }) => answer);
    }
    case 5: {
      const seq = String(next(5));
      return (e) =>
        e.append(path, appendRequest("[1]", { streamSeq: seq })).then(({ commitWaitMs: _, ...answer }) => answer);
    }
    case 6:
      return (e) =>
        e
          .append(path, appendRequest("", { close: true, ...(next(2) === 0 ? { producer } : {}) }))
          .then(({ commitWaitMs: _, ...answer }) => answer);
    case 7:
      return async (e) => {
        const stream = await e.get(path, true);
        const chunk = await readChunk(e, stream, stream.earliest, 1 << 20);
        return { text: decode(concat(chunk.parts)), end: chunk.end, upToDate: chunk.upToDate, closed: chunk.closed };
      };
    case 8:
      return (e) => head(e, path);
    case 9:
      return (e) => e.delete(path);
    case 10: {
      const fraction = next(4);
      return async (e) => e.trim(path, Math.floor(((await e.get(path, false)).tail * fraction) / 3));
    }
    default: {
      if (next(2) === 0) {
        const ms = next(3000);
        return async () => {
          clock.now += ms; // both engines see the same clock: advanced once, after both ran
          return ms;
        };
      }
      const other = PATHS[(PATHS.indexOf(path) + 1 + next(PATHS.length - 1)) % PATHS.length]!;
      const items = [
        { path, ...appendRequest(`{"t":${next(10)}}`, next(2) === 0 ? { producer } : {}) },
        { path: other, ...appendRequest("[2]") },
      ];
      return (e) => e.appendAtomic(items);
    }
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

for (const kind of STORES) {
  describe(`idle streams leave memory (${kind.name} store)`, () => {
    test("an engine that evicts before every operation answers as one that never evicts", async () => {
      let evictedTotal = 0;
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const next = random(seed * 7919);
        const keepClock = { now: 1_800_000_000_000 };
        const evictClock = { now: keepClock.now };
        const keeper = await engineOn((await kind.make()).store, () => keepClock.now);
        const evicter = await engineOn((await kind.make()).store, () => evictClock.now);
        for (let step = 0; step < 120; step++) {
          // The same draw for both: the clock operation advances each engine's own clock.
          const draws: number[] = [];
          const recorded = (n: number) => {
            const value = next(n);
            draws.push(value);
            return value;
          };
          const operation = pick(recorded, keepClock);
          let replay = 0;
          const twin = pick(() => draws[replay++]!, evictClock);
          const expected = await outcome(operation, keeper);
          evictedTotal += evictAll(evicter);
          const actual = await outcome(twin, evicter);
          expect(actual, `seed ${seed}, step ${step}`).toEqual(expected);
        }
        for (const path of PATHS) {
          evictAll(evicter);
          const described = await outcome((e) => head(e, path), evicter);
          expect(described, `seed ${seed}, final ${path}`).toEqual(await outcome((e) => head(e, path), keeper));
        }
        const listed = async (e: Engine) =>
          (await e.list("/", undefined, 100)).streams.map((s) => [s.meta.path, s.tail, s.closed, s.softDeleted]);
        evictAll(evicter);
        expect(await listed(evicter)).toEqual(await listed(keeper));
      }
      // The comparison means something only if streams did leave memory and come back.
      expect(evictedTotal).toBeGreaterThan(200);
    }, 60_000);

    test("a producer's duplicate is still recognised after its stream left memory", async () => {
      const engine = await engineOn((await kind.make()).store);
      await engine.create("/s/p", createRequest());
      const producer = { id: "p", epoch: 0, seq: 0 };
      const first = await engine.append("/s/p", appendRequest("[1]", { producer }));
      expect(evictAll(engine)).toBe(1);
      expect(engine.streamsInMemory).toBe(0);
      const again = await engine.append("/s/p", appendRequest("[1]", { producer }));
      expect(again.written).toBe(false);
      expect(again.tail).toBe(first.tail);
      await expect(
        engine.append("/s/p", appendRequest("[1]", { producer: { ...producer, seq: 2 } })),
      ).rejects.toMatchObject({
        code: "PRODUCER_SEQ_GAP",
      });
    });
  });
}

describe("pins keep states in memory", () => {
  test("an append in flight keeps its stream; once it is durable the idle stream leaves", async () => {
    const store = new GatedStore();
    const engine = await engineOn(store);
    await engine.create("/s/a", createRequest());
    store.gate = true;
    const appending = engine.append("/s/a", appendRequest("[1]"));
    await store.reached;
    expect(evictAll(engine)).toBe(0);
    expect(engine.streamsInMemory).toBe(1);
    const held = engine.inMemory("/s/a");
    store.release();
    expect((await appending).tail).toBe(3);
    expect(engine.inMemory("/s/a")).toBe(held);
    expect(evictAll(engine)).toBe(1);
    expect(engine.inMemory("/s/a")).toBeUndefined();
    expect((await engine.get("/s/a", false)).tail).toBe(3);
  });

  test("a deletion while an append waits for an earlier seq answers the append 404", async () => {
    // The append waits out its reorder window (the engine's own timer) and then looks again.
    const engine = new Engine({ store: new MemoryStore(), evictIdleMs: 0, producerReorderWaitMs: 200 });
    engines.push(engine);
    await engine.open();
    await engine.create("/s/a", createRequest());
    const waiting = engine.append("/s/a", appendRequest("[1]", { producer: { id: "p", epoch: 0, seq: 1 } }));
    const answered = waiting.then(
      () => "written",
      (error: unknown) => (error instanceof ProtocolError ? error.code : "other"),
    );
    // Its state stays in memory while it waits (pinned), so the deletion below is the one it sees.
    const state = engine.inMemory("/s/a")!;
    await until(() => state.pins > 0);
    expect(evictAll(engine)).toBe(0);
    await engine.delete("/s/a");
    expect(await answered).toBe("STREAM_NOT_FOUND");
  });

  test("a deleted stream's state says removed, whether or not it was in memory", async () => {
    const engine = await engineOn(new MemoryStore());
    await engine.create("/s/a", createRequest());
    const state = await engine.get("/s/a", false);
    expect(engine.holds(state)).toBe(true);
    await engine.delete("/s/a");
    expect(engine.holds(state)).toBe(false);
    expect(state.removed).toBe(true);
  });

  test("a live reader starting on a state that just left memory follows the one appends wake, or looks again", async () => {
    const engine = await engineOn(new MemoryStore());
    await engine.create("/s/a", createRequest());
    // Left memory and nothing loaded since: what is at the path is unknown here, so no state.
    const alone = await engine.get("/s/a", true);
    evictAll(engine);
    expect(engine.acquireLive(alone)).toBeUndefined();
    expect(alone.pins).toBe(0);

    // Left memory and looked up again since: the reader follows the newer state.
    const newer = await engine.get("/s/a", true);
    expect(newer).not.toBe(alone);
    const followed = engine.acquireLive(alone);
    expect(followed?.stream).toBe(newer);
    const woken = waitForData(engine, newer, newer.tail, 60_000, () => {});
    await engine.append("/s/a", appendRequest("[2]"));
    expect(await woken).toBe("data");
    engine.releaseLive(newer);

    // followLive looks again until it holds a state.
    evictAll(engine);
    const live = await engine.followLive("/s/a", true);
    expect(engine.inMemory("/s/a")).toBe(live.stream);
    expect(evictAll(engine)).toBe(0);
    engine.releaseLive(live.stream);
  });

  test("a stream deleted after its state left memory is not brought back by an operation holding the old state", async () => {
    const engine = await engineOn(new MemoryStore());
    await engine.create("/s/a", createRequest());
    const old = await engine.get("/s/a", true);
    evictAll(engine);
    await engine.delete("/s/a");
    expect(engine.acquireLive(old)).toBeUndefined();
    expect(engine.inMemory("/s/a")).toBeUndefined();
    await expect(engine.get("/s/a", false)).rejects.toMatchObject({ code: "STREAM_NOT_FOUND" });
  });

  test("streams with a TTL and soft-deleted streams stay in memory: their expiry is swept from there", async () => {
    const engine = await engineOn(new MemoryStore());
    await engine.create("/s/ttl", createRequest({ lifetime: { ttlSeconds: 60 } }));
    await engine.create("/s/src", createRequest());
    await engine.create("/s/fork", createRequest({ fork: { source: "/s/src", offset: undefined, subOffset: 0 } }));
    await engine.delete("/s/src"); // its fork keeps it, soft-deleted
    expect(evictAll(engine)).toBe(1); // the fork only
    expect(engine.inMemory("/s/ttl")).toBeDefined();
    expect(engine.inMemory("/s/src")?.softDeleted).toBe(true);
  });
});

/** Lets the engine run until `done` holds (it must within a few turns of the event loop). */
async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; !done(); turn++) {
    if (turn > 1000) throw new Error("never happened");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A memory store whose next append waits until released, to hold an append in flight. */
class GatedStore extends MemoryStore {
  gate = false;
  private opened: (() => void) | undefined;
  private arrived: (() => void) | undefined;
  readonly reached = new Promise<void>((resolve) => {
    this.arrived = resolve;
  });

  override async append(...args: Parameters<MemoryStore["append"]>): Promise<void> {
    if (this.gate) {
      this.gate = false;
      await new Promise<void>((resolve) => {
        this.opened = resolve;
        this.arrived?.();
      });
    }
    return super.append(...args);
  }

  release(): void {
    this.opened?.();
  }
}
