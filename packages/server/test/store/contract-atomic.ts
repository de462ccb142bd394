/**
 * The contract of Store.appendAtomic, which every store passes: several records, to several
 * streams, made durable as one unit (docs/kafka-layer.md, "Transactions"). A store checks every
 * part before it writes any, and a durable store keeps all of a unit across a reopen.
 */
import { type AppendRecord, type Store, StoreConflictError, StoreMissingError, type StreamMeta } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import type { StoreHarness } from "./contract.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

function meta(path: string, contentType = "text/plain"): StreamMeta {
  return {
    path,
    contentType,
    lifetime: {},
    createdAt: 1_700_000_000_000,
    retention: {},
  };
}

function record(position: number, data: string, extra: Partial<AppendRecord> = {}): AppendRecord {
  return {
    position,
    data: bytes(data),
    producer: undefined,
    streamSeq: undefined,
    close: false,
    ts: 5,
    messages: 1,
    ...extra,
  };
}

async function contents(store: Store, path: string): Promise<string> {
  const stored = await store.lookup(path);
  return text(await store.read(path, 0, stored!.tail));
}

export function runAtomicContract(name: string, harness: StoreHarness): void {
  describe(`store contract, atomic appends: ${name}`, () => {
    test("one unit lands on every stream, with producer state, Stream-Seq, closure, seqs and times", async () => {
      const store = await harness.open();
      await store.create(meta("/t/a", "application/json"), record(0, "0,\n"));
      await store.create(meta("/t/b"), undefined);
      await store.create(meta("/t/c"), undefined);
      await store.appendAtomic([
        {
          path: "/t/a",
          record: record(3, "1,\n2,\n", { producer: { id: "p", epoch: 1, seq: 0 }, messages: 2, ts: 7 }),
        },
        { path: "/t/b", record: record(0, "bee", { streamSeq: "s1" }) },
        { path: "/t/c", record: record(0, "sea", { close: true }) },
      ]);
      expect(await contents(store, "/t/a")).toBe("0,\n1,\n2,\n");
      expect(await contents(store, "/t/b")).toBe("bee");
      expect(await contents(store, "/t/c")).toBe("sea");
      const a = await store.lookup("/t/a");
      expect(a).toMatchObject({ tail: 9, nextSeq: 3, lastTs: 7 });
      expect(a?.producers.get("p")).toEqual({ epoch: 1, lastSeq: 0, last: { end: 9, seq: 1, ts: 7, messages: 2 } });
      expect((await store.lookup("/t/b"))?.lastStreamSeq).toBe("s1");
      expect((await store.lookup("/t/c"))?.closed).toBe(true);
      // The append index knows the unit's messages like any other append's.
      expect(await store.seek("/t/a", { position: 3 }, 10)).toEqual([{ position: 3, seq: 1, ts: 7 }]);
      await store.close();
    });

    test("a stale position on any part refuses the whole unit: nothing of it is written", async () => {
      const store = await harness.open();
      await store.create(meta("/r/a"), record(0, "aa"));
      await store.create(meta("/r/b"), record(0, "bb"));
      const refused = await store
        .appendAtomic([
          { path: "/r/a", record: record(2, "x") },
          { path: "/r/b", record: record(1, "y") },
        ])
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StoreConflictError);
      expect(refused).toMatchObject({ kind: "position", path: "/r/b" });
      expect(await contents(store, "/r/a")).toBe("aa");
      expect(await contents(store, "/r/b")).toBe("bb");
      // Nothing was accepted either: both streams take appends at their old tails.
      await store.append("/r/a", record(2, "A"));
      await store.appendAtomic([{ path: "/r/b", record: record(2, "B") }]);
      expect(await contents(store, "/r/a")).toBe("aaA");
      expect(await contents(store, "/r/b")).toBe("bbB");
      await store.close();
    });

    test("an unknown stream refuses the whole unit", async () => {
      const store = await harness.open();
      await store.create(meta("/m/a"), undefined);
      await expect(
        store.appendAtomic([
          { path: "/m/a", record: record(0, "x") },
          { path: "/m/none", record: record(0, "y") },
        ]),
      ).rejects.toBeInstanceOf(StoreMissingError);
      expect((await store.lookup("/m/a"))?.tail).toBe(0);
      await store.append("/m/a", record(0, "z"));
      expect(await contents(store, "/m/a")).toBe("z");
      await store.close();
    });

    test("several parts to one stream apply in order; a gap between them refuses the unit", async () => {
      const store = await harness.open();
      await store.create(meta("/o/a"), undefined);
      await store.appendAtomic([
        { path: "/o/a", record: record(0, "one") },
        { path: "/o/a", record: record(3, "two", { producer: { id: "p", epoch: 0, seq: 0 } }) },
      ]);
      expect(await contents(store, "/o/a")).toBe("onetwo");
      expect((await store.lookup("/o/a"))?.nextSeq).toBe(2);
      await expect(
        store.appendAtomic([
          { path: "/o/a", record: record(6, "x") },
          { path: "/o/a", record: record(8, "y") },
        ]),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await contents(store, "/o/a")).toBe("onetwo");
      await store.close();
    });

    test("units and plain appends in flight together on overlapping streams all land, in submission order", async () => {
      const store = await harness.open();
      const paths = ["/x/0", "/x/1", "/x/2", "/x/3"];
      for (const path of paths) await store.create(meta(path), undefined);
      const tails = new Map(paths.map((path) => [path, 0]));
      const expected = new Map(paths.map((path) => [path, ""]));
      const part = (path: string, data: string) => {
        const position = tails.get(path)!;
        tails.set(path, position + data.length);
        expected.set(path, expected.get(path)! + data);
        return { path, record: record(position, data) };
      };
      const writes: Promise<void>[] = [];
      for (let n = 0; n < 30; n++) {
        const a = paths[n % 4]!;
        const b = paths[(n + 1) % 4]!;
        const c = paths[(n + 2) % 4]!;
        // A plain append, then a unit over two streams that includes its stream, then one over three.
        const plain = part(a, `p${n};`);
        writes.push(store.append(plain.path, plain.record));
        writes.push(store.appendAtomic([part(a, `u${n};`), part(b, `u${n};`)]));
        writes.push(store.appendAtomic([part(c, `v${n};`), part(a, `v${n};`), part(b, `v${n};`)]));
      }
      await Promise.all(writes);
      for (const path of paths) expect(await contents(store, path)).toBe(expected.get(path));
      await store.close();
    });

    if (!harness.reopen) return;
    const reopen = harness.reopen;

    test("a unit survives a reopen whole", async () => {
      let store = await harness.open();
      await store.create(meta("/d/a"), undefined);
      await store.create(meta("/d/b"), record(0, "b0"));
      await store.appendAtomic([
        { path: "/d/a", record: record(0, "a1", { producer: { id: "q", epoch: 3, seq: 9 } }) },
        { path: "/d/b", record: record(2, "b1", { close: true }) },
      ]);
      store = await reopen(store);
      await store.open();
      expect(await contents(store, "/d/a")).toBe("a1");
      expect(await contents(store, "/d/b")).toBe("b0b1");
      expect((await store.lookup("/d/a"))?.producers.get("q")).toEqual({
        epoch: 3,
        lastSeq: 9,
        last: { end: 2, seq: 0, ts: 5, messages: 1 },
      });
      expect((await store.lookup("/d/b"))?.closed).toBe(true);
      await store.close();
    });
  });
}
