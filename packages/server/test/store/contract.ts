/**
 * The contract every Store passes. `durable` stores are also reopened to check that what
 * they acknowledged survives.
 */
import { type AppendRecord, type Store, StoreConflictError, StoreMissingError, type StreamMeta } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { openAll } from "./open-all.js";

export interface StoreHarness {
  /** A fresh, opened store; `unitBytes`: the size of the units retention frees (default the store's). */
  open(options?: { unitBytes?: number }): Promise<Store>;
  /** Closes `store` and opens it again on the same storage; absent for non-durable stores. */
  reopen?: (store: Store) => Promise<Store>;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

function meta(path: string, extra: Partial<StreamMeta> = {}): StreamMeta {
  return {
    path,
    contentType: "text/plain",
    lifetime: {},
    createdAt: 1_700_000_000_000,
    retention: {},
    ...extra,
  };
}

function record(position: number, data: string, extra: Partial<AppendRecord> = {}): AppendRecord {
  return {
    position,
    data: bytes(data),
    producer: undefined,
    streamSeq: undefined,
    close: false,
    ts: 1,
    messages: 1,
    ...extra,
  };
}

export function runStoreContract(name: string, harness: StoreHarness): void {
  describe(`store contract: ${name}`, () => {
    test("a created stream reads back its first record and later appends", async () => {
      const store = await harness.open();
      await store.create(meta("/s/a"), record(0, "hello "));
      await store.append("/s/a", record(6, "world"));
      expect(text(await store.read("/s/a", 0, 11))).toBe("hello world");
      expect(text(await store.read("/s/a", 6, 11))).toBe("world");
      expect((await store.read("/s/a", 3, 3)).length).toBe(0);
      await store.close();
    });

    test("an append that does not start at the stored tail is rejected and changes nothing", async () => {
      const store = await harness.open();
      await store.create(meta("/s/b"), undefined);
      await store.append("/s/b", record(0, "abc"));
      await expect(store.append("/s/b", record(5, "x"))).rejects.toThrow();
      await expect(store.append("/s/b", record(1, "x"))).rejects.toThrow();
      await store.append("/s/b", record(3, "d"));
      expect(text(await store.read("/s/b", 0, 4))).toBe("abcd");
      await store.close();
    });

    test("reads outside the stored range are rejected", async () => {
      const store = await harness.open();
      await store.create(meta("/s/c"), record(0, "abc"));
      await expect(store.read("/s/c", 0, 4)).rejects.toThrow(RangeError);
      await expect(store.read("/s/c", 2, 1)).rejects.toThrow(RangeError);
      await store.close();
    });

    test("creating an existing path or using an unknown one fails", async () => {
      const store = await harness.open();
      await store.create(meta("/s/d"), undefined);
      await expect(store.create(meta("/s/d"), undefined)).rejects.toThrow();
      await expect(store.append("/s/missing", record(0, "x"))).rejects.toThrow();
      await expect(store.read("/s/missing", 0, 0)).rejects.toThrow();
      await store.close();
    });

    test("a fork stores only its own bytes, from its fork position on", async () => {
      const store = await harness.open();
      await store.create(meta("/s/src"), record(0, "0123456789"));
      await store.create(meta("/s/fork", { fork: { source: "/s/src", position: 4 } }), record(4, "ab"));
      await store.append("/s/fork", record(6, "cd"));
      expect(text(await store.read("/s/fork", 4, 8))).toBe("abcd");
      await expect(store.read("/s/fork", 0, 4)).rejects.toThrow(RangeError);
      await store.close();
    });

    test("concurrent appends to many streams all land, each in order", async () => {
      const store = await harness.open();
      const streams = Array.from({ length: 20 }, (_, i) => `/s/many-${i}`);
      await Promise.all(streams.map((path) => store.create(meta(path), undefined)));
      await Promise.all(
        streams.map(async (path) => {
          const writes: Promise<void>[] = [];
          for (let n = 0; n < 10; n++) writes.push(store.append(path, record(n, String(n))));
          await Promise.all(writes);
        }),
      );
      for (const path of streams) expect(text(await store.read(path, 0, 10))).toBe("0123456789");
      await store.close();
    });

    test("a removed stream is gone and its path can be created again", async () => {
      const store = await harness.open();
      await store.create(meta("/s/e"), record(0, "old"));
      await store.remove("/s/e");
      await expect(store.read("/s/e", 0, 0)).rejects.toThrow();
      await store.create(meta("/s/e"), record(0, "new!"));
      expect(text(await store.read("/s/e", 0, 4))).toBe("new!");
      await store.close();
    });

    test("streams are looked up on demand: a lookup answers the stored state, soft-deleted included", async () => {
      const store = await harness.open();
      expect(await store.lookup("/l/none")).toBeUndefined();
      await store.create(meta("/l/a", { contentType: "application/json" }), record(0, "1,\n"));
      await store.append("/l/a", record(3, "2,\n", { producer: { id: "p", epoch: 1, seq: 0 }, streamSeq: "a" }));
      await store.append("/l/a", record(6, "", { producer: { id: "p", epoch: 1, seq: 1 }, close: true }));
      const a = await store.lookup("/l/a");
      expect(a).toMatchObject({ tail: 6, closed: true, lastStreamSeq: "a", softDeleted: false, forks: 0 });
      expect(a?.closedBy).toEqual({ id: "p", epoch: 1, seq: 1 });
      expect(a?.producers.get("p")).toMatchObject({ epoch: 1, lastSeq: 1 });
      expect(a?.meta.contentType).toBe("application/json");
      await store.markDeleted("/l/a");
      expect((await store.lookup("/l/a"))?.softDeleted).toBe(true);
      await store.remove("/l/a");
      expect(await store.lookup("/l/a")).toBeUndefined();
      await store.close();
    });

    test("a lookup's answer is a snapshot: later appends do not change it", async () => {
      const store = await harness.open();
      await store.create(meta("/l/snap"), undefined);
      await store.append("/l/snap", record(0, "x", { producer: { id: "p", epoch: 0, seq: 0 } }));
      const before = await store.lookup("/l/snap");
      await store.append("/l/snap", record(1, "y", { producer: { id: "p", epoch: 0, seq: 1 } }));
      expect(before?.tail).toBe(1);
      expect(before?.producers.get("p")).toMatchObject({ epoch: 0, lastSeq: 0 });
      await store.close();
    });

    test("forks are counted on their source until they are removed", async () => {
      const store = await harness.open();
      await store.create(meta("/l/src"), record(0, "abc"));
      await store.create(meta("/l/f1", { fork: { source: "/l/src", position: 1 } }), undefined);
      await store.create(meta("/l/f2", { fork: { source: "/l/src", position: 3 } }), undefined);
      expect((await store.lookup("/l/src"))?.forks).toBe(2);
      await store.remove("/l/f1");
      expect((await store.lookup("/l/src"))?.forks).toBe(1);
      await store.remove("/l/f2");
      expect((await store.lookup("/l/src"))?.forks).toBe(0);
      await store.close();
    });

    test("listing pages through paths in order under a prefix; count and lifetimes answer", async () => {
      const store = await harness.open();
      const before = store.count();
      for (const name of ["b", "a", "c/2", "c/1", "d"]) await store.create(meta(`/p/${name}`), undefined);
      await store.create(meta("/q/x", { lifetime: { ttlSeconds: 5 } }), undefined);
      await store.create(meta("/q/y", { lifetime: { expiresAt: 1_900_000_000_000 } }), undefined);
      expect(store.count()).toBe(before + 7);
      const paths = async (query: Parameters<Store["list"]>[0]) => (await store.list(query)).map((s) => s.meta.path);
      expect(await paths({ prefix: "/p/", limit: 10 })).toEqual(["/p/a", "/p/b", "/p/c/1", "/p/c/2", "/p/d"]);
      expect(await paths({ prefix: "/p/", limit: 2 })).toEqual(["/p/a", "/p/b"]);
      expect(await paths({ prefix: "/p/", after: "/p/b", limit: 2 })).toEqual(["/p/c/1", "/p/c/2"]);
      expect(await paths({ prefix: "/p/c/", limit: 10 })).toEqual(["/p/c/1", "/p/c/2"]);
      expect(await paths({ prefix: "/p/", after: "/p/d", limit: 10 })).toEqual([]);
      // Listings follow creates and removals made after an earlier listing.
      await store.remove("/p/b");
      await store.create(meta("/p/bb"), undefined);
      expect(await paths({ prefix: "/p/", limit: 3 })).toEqual(["/p/a", "/p/bb", "/p/c/1"]);
      await store.create(meta("/p/b"), undefined);
      expect(await paths({ prefix: "/p/", after: "/p/a", limit: 2 })).toEqual(["/p/b", "/p/bb"]);
      const lifetimes = (await store.withLifetime()).map((s) => s.meta.path).sort();
      expect(lifetimes.filter((p) => p.startsWith("/q/"))).toEqual(["/q/x", "/q/y"]);
      await store.close();
    });

    test("writes that no longer hold are typed conflicts that store nothing; unknown streams are typed too", async () => {
      const store = await harness.open();
      await store.create(meta("/c/a"), record(0, "ab"));
      const exists = await store.create(meta("/c/a"), undefined).catch((error: unknown) => error);
      expect(exists).toBeInstanceOf(StoreConflictError);
      expect(exists).toMatchObject({ kind: "exists", code: "STORE_CONFLICT" });
      const stale = await store.append("/c/a", record(0, "zz")).catch((error: unknown) => error);
      expect(stale).toBeInstanceOf(StoreConflictError);
      expect(stale).toMatchObject({ kind: "position", path: "/c/a" });
      expect(text(await store.read("/c/a", 0, 2))).toBe("ab");
      expect((await store.lookup("/c/a"))?.tail).toBe(2);
      await expect(store.append("/c/none", record(0, "x"))).rejects.toBeInstanceOf(StoreMissingError);
      await store.close();
    });

    test("a stream that is not a fork has no fork fields in its meta, stored or reopened; a fork keeps both", async () => {
      // Absent, not undefined: a million plain streams' metas are two fields smaller each.
      const forkFields = (m: StreamMeta) => ["fork", "inherited"].filter((key) => Object.hasOwn(m, key));
      let store = await harness.open();
      await store.create(meta("/m/plain"), record(0, "abc"));
      const inherited = { earliest: 0, seq: 1, ts: 5 };
      await store.create(meta("/m/fork", { fork: { source: "/m/plain", position: 2 }, inherited }), undefined);
      for (let round = 0; round < (harness.reopen ? 2 : 1); round++) {
        if (round === 1) {
          store = await harness.reopen!(store);
          await store.open();
        }
        expect(forkFields((await store.lookup("/m/plain"))!.meta)).toEqual([]);
        const fork = (await store.lookup("/m/fork"))!.meta;
        expect(forkFields(fork)).toEqual(["fork", "inherited"]);
        expect(fork.inherited).toEqual(inherited);
      }
      await store.close();
    });

    if (!harness.reopen) return;
    const reopen = harness.reopen;

    test("everything acknowledged survives a reopen: data, producers, Stream-Seq, closure, soft delete", async () => {
      let store = await harness.open();
      await store.create(meta("/d/a", { contentType: "application/json", lifetime: { ttlSeconds: 60 } }), undefined);
      await store.append("/d/a", record(0, "1,\n", { producer: { id: "p", epoch: 2, seq: 0 }, streamSeq: "001" }));
      await store.append("/d/a", record(3, "2,\n", { producer: { id: "p", epoch: 2, seq: 1 }, close: true }));
      await store.create(meta("/d/b", { lifetime: { expiresAt: 1_900_000_000_000 } }), record(0, "bee"));
      await store.create(meta("/d/fork", { fork: { source: "/d/b", position: 2 } }), undefined);
      await store.markDeleted("/d/b");
      await store.create(meta("/d/gone"), record(0, "x"));
      await store.remove("/d/gone");

      store = await reopen(store);
      const recovered = new Map((await openAll(store)).map((s) => [s.meta.path, s]));
      expect([...recovered.keys()].sort()).toEqual(["/d/a", "/d/b", "/d/fork"]);
      const a = recovered.get("/d/a")!;
      expect(a.tail).toBe(6);
      expect(a.closed).toBe(true);
      expect(a.closedBy).toEqual({ id: "p", epoch: 2, seq: 1 });
      expect(a.lastStreamSeq).toBe("001");
      expect(a.producers.get("p")).toMatchObject({ epoch: 2, lastSeq: 1 });
      // Where the producer's latest write went survives too: what a retry of it is answered with.
      expect(a.producers.get("p")?.last).toEqual({ end: 6, seq: 1, ts: 1, messages: 1 });
      expect(a.meta.contentType).toBe("application/json");
      expect(a.meta.lifetime).toEqual({ ttlSeconds: 60 });
      expect(recovered.get("/d/b")!.softDeleted).toBe(true);
      expect(recovered.get("/d/b")!.meta.lifetime).toEqual({ expiresAt: 1_900_000_000_000 });
      expect(recovered.get("/d/fork")!.meta.fork).toEqual({ source: "/d/b", position: 2 });
      expect(text(await store.read("/d/a", 0, 6))).toBe("1,\n2,\n");
      expect(text(await store.read("/d/b", 0, 3))).toBe("bee");
      await store.append("/d/fork", record(2, "zz"));
      expect(text(await store.read("/d/fork", 2, 4))).toBe("zz");
      await store.close();
    });
  });
}
