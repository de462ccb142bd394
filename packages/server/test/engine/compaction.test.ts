/**
 * Compaction keeps the latest value per key and never changes an offset (docs/kafka-layer.md,
 * "Compaction"), on both stores: random keyed records and tombstones are appended, passes run
 * at chosen times, and then
 * - every record still readable has the offset, seq, append time and value it was written with;
 * - every key's latest record is there, unless it is a tombstone older than the delay;
 * - records superseded inside the rewritten units are gone, the unit still filling is untouched;
 * - plain reads, the records view and seqs agree, and the freed bytes are what was removed.
 */
import { Engine } from "@rivulet/server";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readRecords } from "../../src/engine/records.js";
import { unitStores } from "../support/unit-stores.js";

const UNIT = 32 * 1024;
const DELAY = 1000;
const stores = unitStores(UNIT, "rivulet-compact-engine-");

interface Written {
  readonly key: string | null;
  readonly value: unknown;
  readonly offset: string;
  readonly next: string;
  readonly seq: number;
  readonly ts: number;
}

interface RecordView {
  offset: string;
  next_offset: string;
  seq: number;
  ts: number;
  value: { key: string | null; value: unknown; headers: Record<string, string>; ts: number };
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

async function setup(kind: string) {
  let clock = 1_000_000;
  const store = await stores[kind]!();
  const engine = new Engine({ store, now: () => clock });
  await engine.open();
  await engine.create("/t/0", {
    contentType: "application/json",
    lifetime: {},
    retention: {},
    closed: false,
    body: new Uint8Array(0),
    fork: undefined,
  });
  return {
    engine,
    store,
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  };
}

/** Appends a batch of records; their offsets and seqs come from the records view afterwards. */
async function append(engine: Engine, batch: Array<{ key: string | null; value: unknown }>, ts: number) {
  const envelopes = batch.map((r, i) => ({ key: r.key, value: r.value, headers: {}, ts: ts + i }));
  await engine.append("/t/0", {
    body: encode(envelopes),
    hasBody: true,
    contentType: "application/json",
    close: false,
    streamSeq: undefined,
    producer: undefined,
  });
}

async function readAll(engine: Engine): Promise<RecordView[]> {
  const stream = await engine.get("/t/0", false);
  const out: RecordView[] = [];
  let at = stream.earliest;
  while (at < stream.tail) {
    const chunk = await readRecords(engine, stream, at, 1 << 20, 10_000);
    out.push(...(JSON.parse(chunk.body.toString("utf8")) as RecordView[]));
    at = chunk.end;
  }
  return out;
}

async function compactFully(engine: Engine) {
  const pass = await engine.compaction("/t/0", { deleteRetentionMs: DELAY, maxKeys: 1_000_000 });
  let freed = 0;
  let units = 0;
  for (;;) {
    const progress = await pass!.step(64 * 1024);
    freed += progress.bytesFreed;
    units += progress.unitsRewritten;
    if (progress.done) return { freed, units, pass: pass! };
  }
}

const batches = fc.array(
  fc.array(
    fc.record({
      key: fc.oneof(fc.constantFrom("a", "b", "c", "d", "e", "f", "g"), fc.constant(null)),
      tombstone: fc.boolean(),
      size: fc.integer({ min: 10, max: 400 }),
    }),
    { minLength: 1, maxLength: 25 },
  ),
  { minLength: 15, maxLength: 40 },
);

for (const kind of Object.keys(stores)) {
  describe(`compaction through the engine: ${kind}`, () => {
    test("property: the latest value per key stays, no offset or seq ever changes", async () => {
      await fc.assert(
        fc.asyncProperty(batches, fc.boolean(), async (plan, expire) => {
          const { engine, store, advance } = await setup(kind);
          let ts = 1;
          for (const batch of plan) {
            const records = batch.map((r) => ({
              key: r.key,
              value: r.tombstone && r.key !== null ? null : { pad: "x".repeat(r.size) },
            }));
            await append(engine, records, ts);
            ts += records.length;
            advance(3);
          }
          const before = await readAll(engine);
          const written: Written[] = before.map((r) => ({
            key: r.value.key,
            value: r.value.value,
            offset: r.offset,
            next: r.next_offset,
            seq: r.seq,
            ts: r.ts,
          }));
          const storedBefore = store.storedBytes?.();
          if (expire) advance(DELAY + 1);
          const { freed, pass } = await compactFully(engine);
          const after = await readAll(engine);

          // Nothing moved: every record left is one written, with its offset, seq, time and value.
          const byOffset = new Map(written.map((w) => [w.offset, w]));
          for (const record of after) {
            const original = byOffset.get(record.offset);
            expect(original, record.offset).toBeDefined();
            expect(record.seq).toBe(original!.seq);
            expect(record.ts).toBe(original!.ts);
            expect(record.value.value).toEqual(original!.value);
          }
          // Every key's latest record stays, unless it is a tombstone past the delay.
          const kept = new Set(after.map((r) => r.offset));
          const latest = new Map<string, Written>();
          for (const w of written) if (w.key !== null) latest.set(w.key, w);
          for (const w of latest.values()) {
            const expiredTombstone = w.value === null && expire;
            if (!expiredTombstone) expect(kept.has(w.offset), `latest of ${w.key} at ${w.offset}`).toBe(true);
          }
          // Records without a key all stay.
          for (const w of written) if (w.key === null) expect(kept.has(w.offset)).toBe(true);
          // Records superseded within the pass (by a later one it read whole) and wholly inside a
          // rewritten unit are gone; past the pass, nothing changed.
          const position = (offset: string) => Number(offset.split("_")[1]);
          const latestInPass = new Map<string, Written>();
          for (const w of written) if (w.key !== null && position(w.next) <= pass.end) latestInPass.set(w.key, w);
          for (const w of written) {
            const start = position(w.offset);
            const end = position(w.next);
            if (start >= pass.end) expect(kept.has(w.offset)).toBe(true);
            const inOneUnit = Math.floor(start / UNIT) === Math.floor((end - 1) / UNIT);
            const superseded = w.key !== null && latestInPass.has(w.key) && latestInPass.get(w.key) !== w;
            if (superseded && inOneUnit && end <= pass.end) expect(kept.has(w.offset), w.offset).toBe(false);
          }
          const stream = await engine.get("/t/0", false);
          // The next seq and the tail are what they were.
          expect(stream.nextSeq).toBe(written.length === 0 ? 0 : written.at(-1)!.seq + 1);
          if (storedBefore !== undefined) expect(store.storedBytes!()).toBe(storedBefore - freed);
          await engine.store.close();
        }),
        { numRuns: kind === "file" ? 4 : 15 },
      );
    }, 120_000);

    test("a tombstone stays for the delay, then goes with every older record of its key", async () => {
      const { engine, advance } = await setup(kind);
      const pad = "p".repeat(400);
      // Enough records of other keys that the tombstone's unit is whole, then more after it.
      await append(engine, [{ key: "gone", value: { v: 1, pad } }], 1);
      for (let i = 0; i < 100; i++) await append(engine, [{ key: `k${i % 5}`, value: { i, pad } }], 10 + i);
      await append(engine, [{ key: "gone", value: null }], 200);
      for (let i = 0; i < 200; i++) await append(engine, [{ key: `k${i % 5}`, value: { i, pad } }], 300 + i);

      await compactFully(engine);
      let keys = (await readAll(engine)).map((r) => r.value.key);
      expect(keys.filter((k) => k === "gone")).toHaveLength(1); // the tombstone alone
      const tombstone = (await readAll(engine)).find((r) => r.value.key === "gone")!;
      expect(tombstone.value.value).toBeNull();

      advance(DELAY + 1);
      const { pass } = await compactFully(engine);
      keys = (await readAll(engine)).map((r) => r.value.key);
      expect(keys).not.toContain("gone");
      expect(pass.tombstoneDue).toBeUndefined();
      // The other keys' latest values are all there.
      for (let k = 0; k < 5; k++) expect(keys).toContain(`k${k}`);
      await engine.store.close();
    });

    test("a pass that may remove nothing rewrites nothing; a stream that is not JSON is left alone", async () => {
      const { engine } = await setup(kind);
      const pad = "q".repeat(300);
      for (let i = 0; i < 200; i++) await append(engine, [{ key: `unique-${i}`, value: { pad } }], i);
      const { units, freed } = await compactFully(engine);
      expect(units).toBe(0);
      expect(freed).toBe(0);
      await engine.create("/bytes", {
        contentType: "application/octet-stream",
        lifetime: {},
        retention: {},
        closed: false,
        body: new Uint8Array(UNIT * 3),
        fork: undefined,
      });
      const pass = await engine.compaction("/bytes", { deleteRetentionMs: 0, maxKeys: 10 });
      expect(await pass!.step(1 << 20)).toMatchObject({ done: true, unitsRewritten: 0 });
      expect(await engine.compaction("/missing", { deleteRetentionMs: 0, maxKeys: 10 })).toBeUndefined();
      await engine.store.close();
    });
  });
}
