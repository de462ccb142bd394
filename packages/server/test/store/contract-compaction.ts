/**
 * The contract every Store passes for compaction (docs/kafka-layer.md, "Compaction"): a whole
 * unit rewritten without some messages keeps every other byte where it was, the removed ones
 * read as holes (spaces ending in a newline, as long as the message was), the append index,
 * tail and seqs do not change, earlier holes stay, and only the kept bytes take room. Durable
 * stores are reopened to check it all survives.
 */
import { type AppendRecord, type Span, type Store, StoreTrimmedError, type StreamMeta } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import type { StoreHarness } from "./contract.js";

const UNIT = 32 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function meta(path: string): StreamMeta {
  return {
    path,
    contentType: "application/json",
    lifetime: {},
    createdAt: 1_700_000_000_000,
    retention: {},
  };
}

/** A stream of `count` JSON messages of about 300 bytes, appended 10 at a time; their spans. */
async function fill(store: Store, path: string, count: number): Promise<Span[]> {
  const spans: Span[] = [];
  let position = 0;
  await store.create(meta(path), undefined);
  for (let i = 0; i < count; i += 10) {
    const texts: string[] = [];
    for (let j = i; j < Math.min(count, i + 10); j++) {
      const text = `${JSON.stringify({ key: `k${j % 7}`, value: j, pad: "p".repeat(260 + (j % 13)) })},\n`;
      spans.push({ start: position, end: position + text.length });
      position += text.length;
      texts.push(text);
    }
    const record: AppendRecord = {
      position: spans[i]!.start,
      data: encoder.encode(texts.join("")),
      producer: undefined,
      streamSeq: undefined,
      close: false,
      ts: 1000 + i,
      messages: texts.length,
    };
    await store.append(path, record);
  }
  return spans;
}

/** Every other message wholly inside [start, end). */
function everyOther(spans: Span[], start: number, end: number): Span[] {
  return spans.filter((s, i) => i % 2 === 0 && s.start >= start && s.end <= end);
}

function holeOf(span: Span): string {
  return `${" ".repeat(span.end - span.start - 1)}\n`;
}

/** What the stream must read as: the original with `removed` as holes. */
function expected(original: string, removed: Span[]): string {
  let out = original;
  for (const span of removed) out = out.slice(0, span.start) + holeOf(span) + out.slice(span.end);
  return out;
}

export function runCompactionContract(name: string, harness: StoreHarness): void {
  describe(`store contract, compaction: ${name}`, () => {
    test("removed messages read as holes; every other byte, the index, tail and seqs stay", async () => {
      const store = await harness.open({ unitBytes: UNIT });
      const spans = await fill(store, "/c/a", 400);
      const before = await store.lookup("/c/a");
      const original = decoder.decode(await store.read("/c/a", 0, before!.tail));
      const index = await store.seek("/c/a", { position: 0 }, 10_000);
      const bytesBefore = store.storedBytes?.();
      const [firstEnd, secondEnd] = await store.headUnits("/c/a", 2);
      expect(firstEnd).toBe(UNIT);

      const removed = everyOther(spans, 0, firstEnd!);
      const freed = await store.compactUnit("/c/a", firstEnd!, removed);
      expect(freed).toBe(removed.reduce((n, s) => n + s.end - s.start, 0));
      const after = decoder.decode(await store.read("/c/a", 0, before!.tail));
      expect(after).toBe(expected(original, removed));
      expect(await store.seek("/c/a", { position: 0 }, 10_000)).toEqual(index);
      expect(await store.lookup("/c/a")).toMatchObject({ tail: before!.tail, nextSeq: 400, earliest: 0 });
      if (bytesBefore !== undefined) expect(store.storedBytes!()).toBe(bytesBefore - freed);

      // Compacting again keeps the earlier holes and removes more; a repeated hole is no error.
      const more = [...removed, ...spans.filter((s, i) => i % 2 === 1 && s.end <= firstEnd!).slice(0, 3)];
      more.sort((a, b) => a.start - b.start);
      const freedMore = await store.compactUnit("/c/a", firstEnd!, more);
      expect(freedMore).toBe(more.reduce((n, s) => n + s.end - s.start, 0) - freed);
      expect(decoder.decode(await store.read("/c/a", 0, before!.tail))).toBe(expected(original, more));

      // The next unit is compacted on its own.
      const second = everyOther(spans, firstEnd!, secondEnd!);
      await store.compactUnit("/c/a", secondEnd!, second);
      expect(decoder.decode(await store.read("/c/a", 0, before!.tail))).toBe(expected(original, [...more, ...second]));
      await store.close();
    });

    test("reads that start or end inside a hole, or span units, get exactly those bytes", async () => {
      const store = await harness.open({ unitBytes: UNIT });
      const spans = await fill(store, "/c/b", 300);
      const tail = (await store.lookup("/c/b"))!.tail;
      const original = decoder.decode(await store.read("/c/b", 0, tail));
      const [firstEnd, secondEnd] = await store.headUnits("/c/b", 2);
      const removed = [...everyOther(spans, 0, firstEnd!), ...everyOther(spans, firstEnd!, secondEnd!)];
      await store.compactUnit("/c/b", firstEnd!, everyOther(spans, 0, firstEnd!));
      await store.compactUnit("/c/b", secondEnd!, everyOther(spans, firstEnd!, secondEnd!));
      const whole = expected(original, removed);
      const hole = removed[5]!;
      for (const [from, to] of [
        [hole.start + 3, hole.end + 40],
        [hole.start - 17, hole.end - 1],
        [hole.start + 1, hole.start + 2],
        [firstEnd! - 500, firstEnd! + 500],
        [100, tail],
      ] as const) {
        expect(decoder.decode(await store.read("/c/b", from, to)), `[${from}, ${to})`).toBe(whole.slice(from, to));
      }
      await store.close();
    });

    test("appends go on after compaction; a trim frees compacted units like any other", async () => {
      const store = await harness.open({ unitBytes: UNIT });
      const spans = await fill(store, "/c/t", 400);
      const [firstEnd, secondEnd] = await store.headUnits("/c/t", 2);
      await store.compactUnit("/c/t", firstEnd!, everyOther(spans, 0, firstEnd!));
      const tail = (await store.lookup("/c/t"))!.tail;
      const text = `${JSON.stringify({ key: "late", value: 1 })},\n`;
      await store.append("/c/t", {
        position: tail,
        data: encoder.encode(text),
        producer: undefined,
        streamSeq: undefined,
        close: false,
        ts: 5000,
        messages: 1,
      });
      expect(decoder.decode(await store.read("/c/t", tail, tail + text.length))).toBe(text);
      const cut = spans.find((s) => s.start >= secondEnd!)!.start;
      await store.trim("/c/t", cut);
      await expect(store.read("/c/t", 0, 10)).rejects.toBeInstanceOf(StoreTrimmedError);
      // A unit retention freed is left alone.
      expect(await store.compactUnit("/c/t", firstEnd!, [])).toBe(0);
      expect((await store.lookup("/c/t"))!.nextSeq).toBe(401);
      await store.close();
    });

    test("what is not a whole unit, or not whole messages, is refused and changes nothing", async () => {
      const store = await harness.open({ unitBytes: UNIT });
      const spans = await fill(store, "/c/r", 200);
      const tail = (await store.lookup("/c/r"))!.tail;
      const before = decoder.decode(await store.read("/c/r", 0, tail));
      const inside = spans.filter((s) => s.end <= UNIT);
      await expect(store.compactUnit("/c/r", UNIT - 1, [])).rejects.toThrow(RangeError);
      await expect(store.compactUnit("/c/r", Math.ceil(tail / UNIT) * UNIT, [])).rejects.toThrow(RangeError);
      const notMessage = { start: inside[2]!.start, end: inside[2]!.end - 1 };
      await expect(store.compactUnit("/c/r", UNIT, [notMessage])).rejects.toThrow(RangeError);
      const overlapping = [inside[2]!, { start: inside[2]!.start + 5, end: inside[3]!.end }];
      await expect(store.compactUnit("/c/r", UNIT, overlapping)).rejects.toThrow(RangeError);
      const straddling = spans.find((s) => s.start < UNIT && s.end > UNIT)!;
      await expect(store.compactUnit("/c/r", UNIT, [straddling])).rejects.toThrow(RangeError);
      expect(decoder.decode(await store.read("/c/r", 0, tail))).toBe(before);
      await store.close();
    });

    if (!harness.reopen) return;
    const reopen = harness.reopen;

    test("holes, freed bytes and the index survive a reopen, and compaction goes on after it", async () => {
      let store: Store = await harness.open({ unitBytes: UNIT });
      const spans = await fill(store, "/c/d", 400);
      const tail = (await store.lookup("/c/d"))!.tail;
      const original = decoder.decode(await store.read("/c/d", 0, tail));
      const index = await store.seek("/c/d", { position: 0 }, 10_000);
      const [firstEnd, secondEnd] = await store.headUnits("/c/d", 2);
      const removed = everyOther(spans, 0, firstEnd!);
      await store.compactUnit("/c/d", firstEnd!, removed);
      const bytes = store.storedBytes?.();

      store = await reopen(store);
      await store.open();
      expect(decoder.decode(await store.read("/c/d", 0, tail))).toBe(expected(original, removed));
      expect(await store.seek("/c/d", { position: 0 }, 10_000)).toEqual(index);
      if (bytes !== undefined) expect(store.storedBytes!()).toBeLessThanOrEqual(bytes);
      const second = everyOther(spans, firstEnd!, secondEnd!);
      await store.compactUnit("/c/d", secondEnd!, second);

      store = await reopen(store);
      await store.open();
      expect(decoder.decode(await store.read("/c/d", 0, tail))).toBe(expected(original, [...removed, ...second]));
      await store.close();
    });
  });
}
