/**
 * The contract every Store passes for the records extension (docs/extensions.md): the append
 * index (seqs and times, seek by position and by time), trims that free whole units from the
 * head and never touch producer state, retention settings, and fork lookups. Durable stores
 * are reopened to check that all of it survives.
 */
import { type AppendRecord, type Store, StoreTrimmedError, type StreamMeta } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import type { StoreHarness } from "./contract.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const UNIT = 32 * 1024;

function meta(path: string, extra: Partial<StreamMeta> = {}): StreamMeta {
  return {
    path,
    contentType: "application/json",
    lifetime: {},
    createdAt: 1_700_000_000_000,
    retention: {},
    ...extra,
  };
}

/** A record of JSON messages (stored form: each followed by `,\n`). */
function messages(position: number, values: unknown[], ts: number, extra: Partial<AppendRecord> = {}): AppendRecord {
  const data = bytes(values.map((v) => `${JSON.stringify(v)},\n`).join(""));
  return {
    position,
    data,
    producer: undefined,
    streamSeq: undefined,
    close: false,
    ts,
    messages: values.length,
    ...extra,
  };
}

function blob(position: number, length: number, ts: number, extra: Partial<AppendRecord> = {}): AppendRecord {
  const data = new Uint8Array(length).fill(97 + (position % 26));
  return { position, data, producer: undefined, streamSeq: undefined, close: false, ts, messages: 1, ...extra };
}

export function runRecordsContract(name: string, harness: StoreHarness): void {
  describe(`store contract, records: ${name}`, () => {
    test("every append is indexed with the seq of its first message and its time; closing adds nothing", async () => {
      const store = await harness.open();
      await store.create(meta("/r/a"), messages(0, [1, 2], 100));
      await store.append("/r/a", messages(6, [3], 200));
      await store.append("/r/a", { ...messages(9, [], 300), close: true });
      expect(await store.lookup("/r/a")).toMatchObject({ tail: 9, nextSeq: 3, lastTs: 200, earliest: 0 });
      expect(await store.seek("/r/a", { position: 0 }, 10)).toEqual([
        { position: 0, seq: 0, ts: 100 },
        { position: 6, seq: 2, ts: 200 },
      ]);
      expect(await store.seek("/r/a", { position: 5 }, 10)).toHaveLength(2);
      expect(await store.seek("/r/a", { position: 8 }, 10)).toEqual([{ position: 6, seq: 2, ts: 200 }]);
      expect(await store.seek("/r/a", { position: 6 }, 1)).toEqual([{ position: 6, seq: 2, ts: 200 }]);
      expect(await store.seek("/r/a", { ts: 150 }, 10)).toEqual([{ position: 6, seq: 2, ts: 200 }]);
      expect(await store.seek("/r/a", { ts: 100 }, 1)).toEqual([{ position: 0, seq: 0, ts: 100 }]);
      expect(await store.seek("/r/a", { ts: 201 }, 10)).toEqual([]);
      await store.close();
    });

    test("a record with an older time never takes times backwards", async () => {
      const store = await harness.open();
      await store.create(meta("/r/t"), messages(0, ["a"], 500));
      await store.append("/r/t", messages(5, ["b"], 400));
      expect((await store.lookup("/r/t"))?.lastTs).toBe(500);
      expect((await store.seek("/r/t", { position: 0 }, 10)).map((e) => e.ts)).toEqual([500, 500]);
      await store.close();
    });

    test("a large JSON append gets entries at message boundaries inside it, with their seqs", async () => {
      const store = await harness.open();
      const values = Array.from({ length: 2000 }, (_, i) => ({ i }));
      const first = messages(0, ["head"], 1);
      await store.create(meta("/r/big"), first);
      const record = messages(first.data.length, values, 2);
      await store.append("/r/big", record);
      const entries = await store.seek("/r/big", { position: 0 }, 1000);
      expect(entries.length).toBeGreaterThan(record.data.length / 4096 - 1);
      const all = text(first.data) + text(record.data);
      for (const entry of entries) {
        const before = all.slice(0, entry.position);
        expect(before === "" || before.endsWith("\n")).toBe(true);
        expect(entry.seq).toBe(before.split("\n").length - 1);
      }
      // A position inside the append finds the entry at or before it.
      const [floor] = await store.seek("/r/big", { position: 20_000 }, 1);
      expect(floor!.position).toBeLessThanOrEqual(20_000);
      expect(floor!.position).toBeGreaterThan(20_000 - 4096 - 32);
      await store.close();
    });

    test("a fork continues what it inherited: its earliest position, its seqs and its times", async () => {
      const store = await harness.open();
      await store.create(meta("/r/src"), messages(0, [1, 2, 3], 10));
      const inherited = { earliest: 0, seq: 2, ts: 10 };
      await store.create(meta("/r/fork", { fork: { source: "/r/src", position: 6 }, inherited }), undefined);
      expect(await store.lookup("/r/fork")).toMatchObject({ earliest: 0, nextSeq: 2, lastTs: 10, tail: 6 });
      await store.append("/r/fork", messages(6, ["x"], 20));
      expect(await store.seek("/r/fork", { position: 0 }, 10)).toEqual([{ position: 6, seq: 2, ts: 20 }]);
      expect((await store.forksOf("/r/src")).map((s) => s.meta.path)).toEqual(["/r/fork"]);
      expect(await store.forksOf("/r/fork")).toEqual([]);
      await store.close();
    });

    test("a trim moves the earliest position and frees whole units below it; nothing else changes", async () => {
      const store = await harness.open({ unitBytes: UNIT });
      const producer = { id: "p", epoch: 0, seq: 0 };
      await store.create(
        meta("/r/trim", { contentType: "application/octet-stream" }),
        blob(0, 20_000, 1, { producer }),
      );
      for (let i = 1; i < 5; i++) {
        await store.append("/r/trim", blob(i * 20_000, 20_000, 1 + i, { producer: { ...producer, seq: i } }));
      }
      expect(await store.headUnits("/r/trim", 10)).toEqual([UNIT, 2 * UNIT, 3 * UNIT]);
      const before = store.storedBytes?.();
      await store.trim("/r/trim", 40_000);
      expect(await store.lookup("/r/trim")).toMatchObject({ earliest: 40_000, tail: 100_000, nextSeq: 5, lastTs: 5 });
      expect((await store.lookup("/r/trim"))?.producers.get("p")).toMatchObject({ epoch: 0, lastSeq: 4 });
      if (before !== undefined) expect(store.storedBytes!()).toBeLessThan(before);
      expect(await store.headUnits("/r/trim", 10)).toEqual([2 * UNIT, 3 * UNIT]);
      await expect(store.read("/r/trim", 39_999, 40_001)).rejects.toBeInstanceOf(StoreTrimmedError);
      await expect(store.read("/r/trim", 0, 10)).rejects.toMatchObject({
        code: "OFFSET_OUT_OF_RANGE",
        earliest: 40_000,
      });
      expect((await store.read("/r/trim", 40_000, 100_000)).length).toBe(60_000);
      // The index answers from the earliest entry on.
      expect(await store.seek("/r/trim", { position: 0 }, 1)).toEqual([{ position: 40_000, seq: 2, ts: 3 }]);
      expect(await store.seek("/r/trim", { ts: 0 }, 1)).toEqual([{ position: 40_000, seq: 2, ts: 3 }]);
      // Never backwards, never past the tail.
      await expect(store.trim("/r/trim", 20_000)).rejects.toThrow(RangeError);
      await expect(store.trim("/r/trim", 100_001)).rejects.toThrow(RangeError);
      // Appends go on as before, and a trim can reach the tail.
      await store.append("/r/trim", blob(100_000, 10, 9, { producer: { ...producer, seq: 5 } }));
      await store.trim("/r/trim", 100_010);
      expect(await store.lookup("/r/trim")).toMatchObject({ earliest: 100_010, tail: 100_010, nextSeq: 6 });
      expect(await store.seek("/r/trim", { position: 0 }, 10)).toEqual([]);
      await store.close();
    });

    test("retention settings change, and forks' trims never reach their source", async () => {
      const store = await harness.open();
      await store.create(meta("/r/conf", { retention: { ms: 1000 } }), undefined);
      expect((await store.lookup("/r/conf"))?.meta.retention).toEqual({ ms: 1000 });
      await store.configure("/r/conf", { bytes: 5 });
      expect((await store.lookup("/r/conf"))?.meta.retention).toEqual({ bytes: 5 });
      await store.create(meta("/r/base"), messages(0, [1, 2], 1));
      const inherited = { earliest: 0, seq: 1, ts: 1 };
      await store.create(meta("/r/f", { fork: { source: "/r/base", position: 3 }, inherited }), messages(3, [9], 2));
      await store.trim("/r/f", 3);
      expect((await store.lookup("/r/base"))?.earliest).toBe(0);
      expect(text(await store.read("/r/base", 0, 6))).toBe("1,\n2,\n");
      await store.close();
    });

    if (!harness.reopen) return;
    const reopen = harness.reopen;

    test("seqs, times, the index, trims and retention settings survive a reopen", async () => {
      let store: Store = await harness.open({ unitBytes: UNIT });
      await store.create(
        meta("/r/d", { retention: { ms: 5 } }),
        messages(
          0,
          Array.from({ length: 3000 }, (_, i) => i),
          7,
        ),
      );
      const tail = (await store.lookup("/r/d"))!.tail;
      await store.append("/r/d", messages(tail, ["last"], 8));
      const [cut] = await store.seek("/r/d", { position: 40_000 }, 1);
      await store.trim("/r/d", cut!.position);
      await store.configure("/r/d", { ms: 6, bytes: 7 });
      const before = await store.lookup("/r/d");
      const index = await store.seek("/r/d", { position: 0 }, 10_000);

      store = await reopen(store);
      await store.open();
      const after = await store.lookup("/r/d");
      expect(after).toMatchObject({
        tail: before!.tail,
        earliest: cut!.position,
        nextSeq: 3001,
        lastTs: 8,
        meta: { retention: { ms: 6, bytes: 7 } },
      });
      expect(await store.seek("/r/d", { position: 0 }, 10_000)).toEqual(index);
      expect(await store.seek("/r/d", { ts: 8 }, 1)).toEqual([index.at(-1)]);
      await expect(store.read("/r/d", 0, 1)).rejects.toBeInstanceOf(StoreTrimmedError);
      await store.close();
    });
  });
}
