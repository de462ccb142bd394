/**
 * The file store's catalog entry keeps an idle stream small: flags in one field, in-flight and
 * rarely used state in side objects, and one shared empty index count until a stream's first
 * index entry. These tests check that every stream still behaves as its own: nothing one
 * stream does shows up in another, and a checkpoint line round-trips every field.
 */
import { describe, expect, test } from "vitest";
import { Catalog, Entry } from "../../src/store/file/catalog.js";
import { IndexCounts } from "../../src/store/file/index-files.js";
import type { AppendRecord, StreamMeta } from "../../src/store/types.js";

const SEGMENT = 1 << 20;

function meta(path: string): StreamMeta {
  return {
    path,
    contentType: "application/json",
    lifetime: {},
    createdAt: 1_700_000_000_000,
    retention: {},
  };
}

function record(position: number, json: string, ts: number): AppendRecord {
  const data = new TextEncoder().encode(json);
  return { position, data, producer: undefined, streamSeq: undefined, close: false, ts, messages: 1 };
}

function twoIdleStreams(): { busy: Entry; idle: Entry } {
  const catalog = new Catalog(SEGMENT);
  const busy = catalog.entryFor(1, meta("/busy"));
  const idle = catalog.entryFor(2, meta("/idle"));
  catalog.add(busy);
  catalog.add(idle);
  return { busy, idle };
}

describe("catalog entry", () => {
  test("an append counts index entries for its own stream only", () => {
    const { busy, idle } = twoIdleStreams();
    expect(idle.counts).toBe(busy.counts);

    const placed = busy.accept(record(0, '{"a":1},', 10));
    expect(placed).toHaveLength(1);
    busy.apply(record(0, '{"a":1},', 10));

    expect(busy.counts.of(0)).toBe(1);
    expect(idle.counts.of(0)).toBe(0);
    expect(idle.counts.last).toBe(-1);
    expect(IndexCounts.none.last).toBe(-1);
  });

  test("the shared empty count refuses to be changed in place", () => {
    expect(() => IndexCounts.none.claim(0)).toThrow(TypeError);
    expect(() => IndexCounts.none.cutAt(0, 1)).toThrow(TypeError);
    expect(IndexCounts.none.of(0)).toBe(0);
  });

  test("accepted state runs ahead while appends are in flight and falls back on a failure", () => {
    const { busy } = twoIdleStreams();
    busy.accept(record(0, '{"a":1},', 10));
    busy.accept(record(8, '{"b":2},', 20));
    expect([busy.acceptedTail, busy.acceptedSeq, busy.acceptedTs]).toEqual([16, 2, 20]);
    expect([busy.tail, busy.nextSeq, busy.lastTs]).toEqual([0, 0, 0]);

    busy.apply(record(0, '{"a":1},', 10));
    expect([busy.tail, busy.acceptedTail]).toEqual([8, 16]);

    busy.rewind();
    expect([busy.acceptedTail, busy.acceptedSeq, busy.acceptedTs]).toEqual([8, 1, 10]);
  });

  test("accepted state meets the durable state once every accepted append commits", () => {
    const { busy } = twoIdleStreams();
    busy.accept(record(0, '{"a":1},', 10));
    busy.apply(record(0, '{"a":1},', 10));
    expect([busy.acceptedTail, busy.acceptedSeq, busy.acceptedTs]).toEqual([8, 1, 10]);
    // The next accept counts from the durable counts, not from a stale accepted copy.
    const [next] = busy.accept(record(8, '{"b":2},', 20));
    expect(next?.slot).toBe(1);
  });

  test("a trim of an idle stream moves only its own earliest position and counts", () => {
    const { busy, idle } = twoIdleStreams();
    idle.tail = 3 * SEGMENT;
    expect(idle.trim(2 * SEGMENT)).toEqual([0, 1]);
    expect(idle.earliest).toBe(2 * SEGMENT);
    expect(idle.counts.first).toBe(2);
    expect(busy.counts.first).toBe(0);
    expect(IndexCounts.none.first).toBe(0);
  });

  test("flags, writer state and checkpoint progress survive a checkpoint line", () => {
    const { busy } = twoIdleStreams();
    busy.apply({ ...record(0, '{"a":1},', 10), streamSeq: "s1", producer: { id: "p", epoch: 0, seq: 0 }, close: true });
    busy.softDeleted = true;
    busy.syncedTail = 8;

    const line = JSON.parse(JSON.stringify(busy.toJson())) as Record<string, unknown>;
    const back = Entry.fromJson(line);
    expect([back.tail, back.nextSeq, back.lastTs, back.closed, back.softDeleted]).toEqual([8, 1, 10, true, true]);
    expect([back.checksummed, back.indexed, back.layoutGuessed]).toEqual([true, true, false]);
    expect(back.lastStreamSeq).toBe("s1");
    expect(back.closedBy).toEqual({ id: "p", epoch: 0, seq: 0 });
    expect(back.producers?.get("p")?.lastSeq).toBe(0);
    expect(back.syncedTail).toBe(8);
    expect(back.counts.of(0)).toBe(1);
    expect(back.acceptedTail).toBe(8);
  });

  test("an idle stream's checkpoint line reads back with the shared empty count and no flags set", () => {
    const { idle } = twoIdleStreams();
    const back = Entry.fromJson(JSON.parse(JSON.stringify(idle.toJson())) as Record<string, unknown>);
    expect(back.counts).toBe(IndexCounts.none);
    expect([back.closed, back.softDeleted, back.checksummed, back.indexed]).toEqual([false, false, true, true]);
    expect([back.syncedTail, back.failures]).toEqual([0, 0]);
  });

  test("a line from before segments and the index reads back as guessed and unindexed", () => {
    const back = Entry.fromJson({ id: 7, tail: 5, meta: { path: "/old", contentType: "text/plain", createdAt: 1 } });
    expect([back.layoutGuessed, back.indexed, back.checksummed]).toEqual([true, false, false]);
    back.checksummed = true;
    back.indexed = true;
    expect([back.layoutGuessed, back.indexed, back.checksummed]).toEqual([true, true, true]);
  });

  test("streams read back from checkpoint lines share empty settings; set ones keep their values", () => {
    const line = (id: number, extra: object) => ({
      id,
      tail: 0,
      meta: { path: `/s${id}`, contentType: "application/json", createdAt: 1, ...extra },
    });
    const [a, b] = [Entry.fromJson(line(1, {})), Entry.fromJson(line(2, {}))];
    expect(a.meta.lifetime).toBe(b.meta.lifetime);
    expect(a.meta.retention).toBe(b.meta.retention);
    const c = Entry.fromJson(line(3, { ttlSeconds: 60, retention: { ms: 1000 } }));
    expect(c.meta.lifetime).toEqual({ ttlSeconds: 60 });
    expect(c.meta.retention).toEqual({ ms: 1000 });
    expect(Entry.fromJson(line(4, { retention: {} })).meta.retention).toBe(a.meta.retention);
  });
});
