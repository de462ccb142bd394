/**
 * Engine.appendAtomic on both stores: all or nothing with per-item refusals, idempotent
 * retries, producer reordering, concurrent transactions and appends on overlapping streams
 * (serializable, never stuck), and visibility: no reader or event sees part of a transaction.
 */
import {
  type AppendRecord,
  type AtomicPart,
  Engine,
  MemoryStore,
  type Store,
  StoreConflictError,
  StoreFullError,
  type TransactionItem,
  TransactionRefusedError,
} from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { STORES } from "../extensions/stores.js";

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const JSON_TYPE = "application/json";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function engineOn(store: Store): Promise<Engine> {
  const engine = new Engine({ store, producerReorderWaitMs: 2_000 });
  await engine.open();
  open.push(store);
  return engine;
}

async function createStreams(engine: Engine, paths: string[], contentType = JSON_TYPE): Promise<void> {
  for (const path of paths) {
    await engine.create(path, {
      contentType,
      lifetime: {},
      retention: {},
      closed: false,
      body: new Uint8Array(0),
      fork: undefined,
    });
  }
}

function item(path: string, value: unknown, extra: Partial<TransactionItem> = {}): TransactionItem {
  return {
    path,
    body: encode(value),
    hasBody: true,
    contentType: JSON_TYPE,
    close: false,
    streamSeq: undefined,
    producer: undefined,
    ...extra,
  };
}

/** The JSON messages a stream holds, as a reader sees them (its visible tail). */
async function messages(engine: Engine, path: string): Promise<unknown[]> {
  const stream = await engine.get(path, false);
  const data = await engine.readStored(stream, stream.base, stream.tail);
  const body = new TextDecoder().decode(data).replace(/,\n$/, "");
  return JSON.parse(`[${body}]`) as unknown[];
}

async function refusal(promise: Promise<unknown>): Promise<TransactionRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransactionRefusedError);
  return error as TransactionRefusedError;
}

for (const kind of STORES) {
  describe(`transactions in the engine: ${kind.name} store`, () => {
    test("every item is written at once; each answers its tail, first seq and time; events follow", async () => {
      const engine = await engineOn((await kind.make()).store);
      await createStreams(engine, ["/t/a", "/t/b"]);
      await engine.append("/t/a", item("/t/a", { before: true }));
      const events: string[] = [];
      engine.events.on("appended", (event) => {
        if (!event.remote) events.push(`${event.path}:${event.messages}`);
      });
      const results = await engine.appendAtomic([item("/t/a", [{ n: 1 }, { n: 2 }]), item("/t/b", { n: 3 })]);
      expect(results.map((r) => [r.written, r.appended?.seq])).toEqual([
        [true, 1],
        [true, 0],
      ]);
      expect(results[0]!.tail).toBe((await engine.get("/t/a", false)).tail);
      expect(await messages(engine, "/t/a")).toEqual([{ before: true }, { n: 1 }, { n: 2 }]);
      expect(await messages(engine, "/t/b")).toEqual([{ n: 3 }]);
      expect(events.sort()).toEqual(["/t/a:2", "/t/b:1"]);
    });

    test("one refused item refuses the transaction: nothing is written, every refused item is named", async () => {
      const engine = await engineOn((await kind.make()).store);
      await createStreams(engine, ["/r/ok", "/r/closed", "/r/text", "/r/cond"]);
      await createStreams(engine, ["/r/plain"], "text/plain");
      await engine.append("/r/closed", item("/r/closed", 1, { close: true }));
      await engine.append("/r/cond", item("/r/cond", 1));
      await engine.append("/r/ok", item("/r/ok", 1, { producer: { id: "p", epoch: 2, seq: 0 } }));
      const error = await refusal(
        engine.appendAtomic([
          item("/r/ok", 2, { producer: { id: "p", epoch: 2, seq: 1 } }),
          item("/r/closed", 2),
          item("/r/plain", 2),
          item("/r/cond", 2, { expected: { offset: 0 } }),
          item("/r/missing", 2),
        ]),
      );
      expect(error.code).toBe("TRANSACTION_CONFLICT");
      expect(error.status).toBe(409);
      expect(error.refusals.map((r) => [r.index, r.path, r.error.code])).toEqual([
        [1, "/r/closed", "STREAM_CLOSED"],
        [2, "/r/plain", "CONTENT_TYPE_MISMATCH"],
        [3, "/r/cond", "TAIL_MISMATCH"],
        [4, "/r/missing", "STREAM_NOT_FOUND"],
      ]);
      // The body carries each refusal with the headers a plain append would have answered.
      const errors = error.toBody().error.errors as Array<Record<string, unknown>>;
      expect(errors[0]).toMatchObject({ index: 1, code: "STREAM_CLOSED", status: 409 });
      expect(errors[0]!.headers).toMatchObject({ "stream-closed": "true" });
      // Item 0 was fine, and still nothing of it was written: its producer may send seq 1 again.
      expect(await messages(engine, "/r/ok")).toEqual([1]);
      const again = await engine.appendAtomic([item("/r/ok", 2, { producer: { id: "p", epoch: 2, seq: 1 } })]);
      expect(again[0]!.written).toBe(true);
      expect(await messages(engine, "/r/ok")).toEqual([1, 2]);
    });

    test("refusals of the body itself: invalid JSON, an empty array, no body and no close", async () => {
      const engine = await engineOn((await kind.make()).store);
      await createStreams(engine, ["/b/a", "/b/b", "/b/c"]);
      const error = await refusal(
        engine.appendAtomic([
          { ...item("/b/a", 0), body: new TextEncoder().encode("{nope") },
          item("/b/b", []),
          { ...item("/b/c", 0), body: new Uint8Array(0), hasBody: false },
        ]),
      );
      expect(error.refusals.map((r) => r.error.code)).toEqual(["INVALID_JSON", "EMPTY_JSON_ARRAY", "EMPTY_BODY"]);
      for (const path of ["/b/a", "/b/b", "/b/c"]) expect(await messages(engine, path)).toEqual([]);
    });

    test("producer refusals: a stale epoch, a new epoch not at 0, a gap that never fills", async () => {
      const store = (await kind.make()).store;
      const engine = new Engine({ store, producerReorderWaitMs: 20 });
      await engine.open();
      open.push(store);
      await createStreams(engine, ["/p/a", "/p/b", "/p/c"]);
      for (const path of ["/p/a", "/p/b", "/p/c"]) {
        await engine.append(path, item(path, 0, { producer: { id: "w", epoch: 5, seq: 0 } }));
      }
      const error = await refusal(
        engine.appendAtomic([
          item("/p/a", 1, { producer: { id: "w", epoch: 4, seq: 1 } }),
          item("/p/b", 1, { producer: { id: "w", epoch: 6, seq: 3 } }),
          item("/p/c", 1, { producer: { id: "w", epoch: 5, seq: 7 } }),
        ]),
      );
      expect(error.refusals.map((r) => r.error.code)).toEqual([
        "STALE_PRODUCER_EPOCH",
        "PRODUCER_EPOCH_SEQ_NOT_ZERO",
        "PRODUCER_SEQ_GAP",
      ]);
      expect(error.refusals[2]!.error.headers).toMatchObject({ "producer-expected-seq": "1" });
    });

    test("a retry of a committed transaction writes nothing and succeeds, item by item a duplicate", async () => {
      const engine = await engineOn((await kind.make()).store);
      await createStreams(engine, ["/i/a", "/i/b"]);
      const transaction = [
        item("/i/a", { n: 1 }, { producer: { id: "a-writer", epoch: 0, seq: 0 } }),
        item("/i/b", { n: 1 }, { producer: { id: "b-writer", epoch: 0, seq: 0 } }),
      ];
      const first = await engine.appendAtomic(transaction);
      const retry = await engine.appendAtomic(transaction);
      expect(first.map((r) => r.written)).toEqual([true, true]);
      expect(retry.map((r) => r.written)).toEqual([false, false]);
      expect(retry.map((r) => r.producer)).toMatchObject([
        { epoch: 0, lastSeq: 0 },
        { epoch: 0, lastSeq: 0 },
      ]);
      // Each item answers its original results, however the streams moved on since.
      await engine.append("/i/a", item("/i/a", { later: true }));
      const later = await engine.appendAtomic(transaction);
      expect(later.map((r) => [r.tail, r.appended])).toEqual(first.map((r) => [r.tail, r.appended]));
      expect(retry.map((r) => r.tail)).toEqual(first.map((r) => r.tail));
      expect(await messages(engine, "/i/a")).toEqual([{ n: 1 }, { later: true }]);
      expect(await messages(engine, "/i/b")).toEqual([{ n: 1 }]);
    });

    test("a producer seq that skips ahead waits for the append before it, as a plain append does", async () => {
      const engine = await engineOn((await kind.make()).store);
      await createStreams(engine, ["/w/a", "/w/b"]);
      const ahead = engine.appendAtomic([
        item("/w/a", "second", { producer: { id: "p", epoch: 0, seq: 1 } }),
        item("/w/b", "other"),
      ]);
      await engine.append("/w/a", item("/w/a", "first", { producer: { id: "p", epoch: 0, seq: 0 } }));
      expect((await ahead).map((r) => r.written)).toEqual([true, true]);
      expect(await messages(engine, "/w/a")).toEqual(["first", "second"]);
    });

    test("two items for one stream are refused as a malformed transaction", async () => {
      const engine = await engineOn((await kind.make()).store);
      await createStreams(engine, ["/d/a"]);
      await expect(engine.appendAtomic([item("/d/a", 1), item("/d/a", 2)])).rejects.toMatchObject({
        code: "INVALID_TRANSACTION",
      });
      expect(await messages(engine, "/d/a")).toEqual([]);
    });

    test("concurrent transactions and appends on overlapping streams all finish, in one serial order", async () => {
      const engine = await engineOn((await kind.make()).store);
      const paths = ["/c/0", "/c/1", "/c/2", "/c/3", "/c/4"];
      await createStreams(engine, paths);
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const work: Promise<unknown>[] = [];
      for (let n = 0; n < 150; n++) {
        if (random() < 0.3) {
          const path = paths[Math.floor(random() * paths.length)]!;
          work.push(engine.append(path, item(path, { plain: n })));
          continue;
        }
        const chosen = paths.filter(() => random() < 0.5);
        if (chosen.length === 0) chosen.push(paths[n % paths.length]!);
        work.push(engine.appendAtomic(chosen.map((path) => item(path, { tx: n, on: chosen }))));
      }
      await Promise.all(work);
      // Each transaction is on every stream it named, exactly once; and any two are in the same
      // order on every stream they share: a serial order exists.
      const order = new Map<string, number[]>();
      for (const path of paths) {
        const txs = (await messages(engine, path)).flatMap((m) =>
          "tx" in (m as object) ? [m as { tx: number; on: string[] }] : [],
        );
        for (const tx of txs) expect(tx.on).toContain(path);
        order.set(
          path,
          txs.map((tx) => tx.tx),
        );
      }
      const position = new Map<string, Map<number, number>>();
      for (const [path, txs] of order) position.set(path, new Map(txs.map((tx, i) => [tx, i])));
      for (const [a, txsA] of order) {
        for (const [b] of order) {
          const inB = position.get(b)!;
          const shared = txsA.filter((tx) => inB.has(tx));
          const inBOrder = [...shared].sort((x, y) => inB.get(x)! - inB.get(y)!);
          expect(shared, `${a} and ${b} disagree`).toEqual(inBOrder);
        }
      }
    });

    test("no reader sees part of a transaction: when any part is announced, every part is visible", async () => {
      const engine = await engineOn((await kind.make()).store);
      await createStreams(engine, ["/v/a", "/v/b", "/v/c"]);
      const seen: Array<Record<string, number>> = [];
      engine.events.on("appended", () => {
        const tails: Record<string, number> = {};
        for (const path of ["/v/a", "/v/b", "/v/c"]) tails[path] = engine.inMemory(path)!.tail;
        seen.push(tails);
      });
      const results = await engine.appendAtomic([item("/v/a", 1), item("/v/b", 2), item("/v/c", 3)]);
      const final = { "/v/a": results[0]!.tail, "/v/b": results[1]!.tail, "/v/c": results[2]!.tail };
      expect(seen).toEqual([final, final, final]);
    });
  });
}

/** A memory store whose plain appends to one path resolve only when released (a slow commit). */
class GatedStore extends MemoryStore {
  private gate: Promise<void> | undefined;
  release: () => void = () => {};
  failNextAtomic: Error | undefined;
  /** Resolves when an atomic append has been made durable (after `hold`). */
  atomicDone: Promise<void> = Promise.resolve();
  private atomicResolve: () => void = () => {};

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
    this.atomicDone = new Promise((resolve) => {
      this.atomicResolve = resolve;
    });
  }

  override async append(path: string, record: AppendRecord): Promise<void> {
    await super.append(path, record);
    await this.gate;
  }

  override async appendAtomic(parts: readonly AtomicPart[]): Promise<void> {
    const failure = this.failNextAtomic;
    this.failNextAtomic = undefined;
    if (failure) throw failure;
    await super.appendAtomic(parts);
    this.atomicResolve();
  }
}

describe("transactions in the engine: visibility and failures", () => {
  test("a durable transaction waits, on every stream, for what came before it on any one", async () => {
    const store = new GatedStore();
    const engine = await engineOn(store);
    await createStreams(engine, ["/g/a", "/g/b"]);
    store.hold();
    const slow = engine.append("/g/a", item("/g/a", "earlier"));
    const tx = engine.appendAtomic([item("/g/a", "tx"), item("/g/b", "tx")]);
    // The store has the transaction durable; /g/a's earlier append is not yet.
    await store.atomicDone;
    expect((await store.lookup("/g/b"))?.tail).toBeGreaterThan(0);
    expect(engine.inMemory("/g/b")!.tail).toBe(0);
    expect(engine.inMemory("/g/a")!.tail).toBe(0);
    store.release();
    await Promise.all([slow, tx]);
    expect(await messages(engine, "/g/a")).toEqual(["earlier", "tx"]);
    expect(await messages(engine, "/g/b")).toEqual(["tx"]);
  });

  test("a store failure fails the whole transaction with its error and undoes every decided view", async () => {
    const store = new GatedStore();
    const engine = await engineOn(store);
    await createStreams(engine, ["/f/a", "/f/b"]);
    store.failNextAtomic = new StoreFullError();
    await expect(
      engine.appendAtomic([item("/f/a", 1, { producer: { id: "p", epoch: 0, seq: 0 } }), item("/f/b", 1)]),
    ).rejects.toMatchObject({ code: "INSUFFICIENT_STORAGE", headers: { "retry-after": "5" } });
    const retried = await engine.appendAtomic([
      item("/f/a", 1, { producer: { id: "p", epoch: 0, seq: 0 } }),
      item("/f/b", 1),
    ]);
    expect(retried.map((r) => r.written)).toEqual([true, true]);
    expect(await messages(engine, "/f/a")).toEqual([1]);
  });

  test("a store that another server changed first: the transaction re-reads its streams and decides again", async () => {
    const store = new GatedStore();
    const engine = await engineOn(store);
    await createStreams(engine, ["/s/a", "/s/b"]);
    store.failNextAtomic = new StoreConflictError("/s/a", "position", "changed elsewhere");
    const results = await engine.appendAtomic([item("/s/a", 1), item("/s/b", 2)]);
    expect(results.map((r) => r.written)).toEqual([true, true]);
    expect(await messages(engine, "/s/b")).toEqual([2]);
  });
});
