/**
 * Compacted topics over HTTP on both stores (docs/kafka-layer.md, "Compaction"): the
 * background compactor keeps at least every key's latest record, removes tombstones after
 * their delay, and never changes an offset or a seq; reads of every kind (plain JSON, records
 * view, SSE, `?at=`) keep working on compacted partitions; the change feed is compacted too.
 */
import { afterEach, describe, expect, test } from "vitest";
import { BASE, eventually, readSse, type TestApp } from "../handlers/helpers.js";
import { createTopic, describeTopic, produce, readRecords, STORES, topicApp } from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const PAD = "v".repeat(300);
const PARTITION = `${BASE}/topics/table/0`;

async function compactingApp(kind: string) {
  let now = 1_800_000_000_000;
  const t = await topicApp(kind, {
    clock: () => now,
    topics: { compaction: { intervalMs: 10, minDirtyRatio: 0 } },
  });
  apps.push(t);
  return { t, advance: (ms: number) => (now += ms) };
}

/** Waits until a compaction pass covered everything up to `position`. */
async function cleanedPast(t: TestApp, position: number): Promise<void> {
  await eventually(async () => {
    const cleaned = (await describeTopic(t, "table")).partitions[0]!.cleaned_to;
    return cleaned !== undefined && Number(cleaned.split("_")[1]) >= position;
  }, 10_000);
}

for (const kind of Object.keys(STORES)) {
  describe(`compacted topics: ${kind}`, () => {
    test("the latest value per key stays, at the offset and seq it was written with", async () => {
      const { t } = await compactingApp(kind);
      await createTopic(t, "table", { cleanup_policy: "compact", delete_retention_ms: 60_000 });
      const written = new Map<string, { offset: string; seq: number; key: string; version: number }>();
      const latest = new Map<string, number>();
      for (let round = 0; round < 30; round++) {
        const records = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: { round, PAD } }));
        const result = await produce(t, "table", records);
        expect(result.status).toBe(200);
        result.records.forEach((r, i) => {
          written.set(r.offset!, { offset: r.offset!, seq: r.seq!, key: `k${i}`, version: round });
          latest.set(`k${i}`, round);
        });
      }
      const described = await describeTopic(t, "table");
      const tail = Number(described.partitions[0]!.next_offset.split("_")[1]);
      // Whole units end below the tail; wait for a pass over them.
      await cleanedPast(t, Math.floor(tail / (32 * 1024)) * 32 * 1024);

      const read = await readRecords(t, PARTITION);
      expect(read.length).toBeLessThan(written.size);
      for (const record of read) {
        const original = written.get(record.offset)!;
        expect(original).toBeDefined();
        expect(record.seq).toBe(original.seq);
        expect(record.value.key).toBe(original.key);
        expect((record.value.value as { round: number }).round).toBe(original.version);
      }
      for (const [key, version] of latest) {
        expect(read.some((r) => r.value.key === key && (r.value.value as { round: number }).round === version)).toBe(
          true,
        );
      }
      // The next seq and tail did not move; plain reads are arrays of the kept records.
      const after = await describeTopic(t, "table");
      expect(after.partitions[0]!.next_seq).toBe(300);
      expect(after.partitions[0]!.next_offset).toBe(described.partitions[0]!.next_offset);
      const plain = await (await t.request(`${PARTITION}?offset=-1`)).json();
      expect(plain).toEqual(read.map((r) => r.value));
      // A consumer's old offset inside the compacted range still reads, from the next kept record.
      const oldest = [...written.values()][3]!;
      const atOld = (await (await t.request(`${PARTITION}?offset=${oldest.offset}&view=records`)).json()) as Array<{
        seq: number;
      }>;
      expect(atOld[0]!.seq).toBeGreaterThanOrEqual(oldest.seq);
      // SSE sends the kept records only.
      const sse = await t.request(`${PARTITION}?offset=-1&live=sse`);
      const { events } = await readSse(sse, (evs) =>
        evs.some((e) => e.event === "control" && e.data.includes("upToDate")),
      );
      const data = events.filter((e) => e.event === "data").flatMap((e) => JSON.parse(e.data) as unknown[]);
      expect(data.length).toBe(read.length);
    });

    test("a tombstone stays for its delay, then the key is gone", async () => {
      const { t, advance } = await compactingApp(kind);
      await createTopic(t, "table", { cleanup_policy: "compact", delete_retention_ms: 5000 });
      await produce(t, "table", [{ key: "doomed", value: { PAD } }]);
      for (let i = 0; i < 120; i++) await produce(t, "table", [{ key: `k${i % 4}`, value: { i, PAD } }]);
      await produce(t, "table", [{ key: "doomed", value: null }]);
      for (let i = 0; i < 120; i++) await produce(t, "table", [{ key: `k${i % 4}`, value: { i, PAD } }]);
      const tail = Number((await describeTopic(t, "table")).partitions[0]!.next_offset.split("_")[1]);
      await cleanedPast(t, Math.floor(tail / (32 * 1024)) * 32 * 1024);
      let doomed = (await readRecords(t, PARTITION)).filter((r) => r.value.key === "doomed");
      expect(doomed.map((r) => r.value.value)).toEqual([null]);

      advance(5001);
      await eventually(async () => {
        doomed = (await readRecords(t, PARTITION)).filter((r) => r.value.key === "doomed");
        return doomed.length === 0;
      }, 10_000);
      const keys = new Set((await readRecords(t, PARTITION)).map((r) => r.value.key));
      expect(keys).toEqual(new Set(["k0", "k1", "k2", "k3"]));
    });

    test("a tombstone answered only as a duplicate still takes its key, acknowledged value and all, after its delay", async () => {
      // What a producer sees when a crash cut off a tombstone's answer after it was applied: the
      // retry is a duplicate, with no offset, and the value it did see acknowledged may go.
      const { t, advance } = await compactingApp(kind);
      await createTopic(t, "table", { cleanup_policy: "compact", delete_retention_ms: 5000 });
      const producer = (seq: number) => ({ "producer-id": "p", "producer-epoch": "0", "producer-seq": String(seq) });
      const value = await produce(t, "table", [{ key: "k11", value: { PAD } }], producer(0));
      expect(value.records[0]!.offset).toBeDefined();
      await produce(t, "table", [{ key: "k11", value: null }], producer(1));
      const retry = await produce(t, "table", [{ key: "k11", value: null }], producer(1));
      expect(retry.records).toEqual([{ partition: 0, duplicate: true }]);
      for (let i = 0; i < 120; i++) await produce(t, "table", [{ key: `k${i % 4}`, value: { i, PAD } }]);
      const tail = Number((await describeTopic(t, "table")).partitions[0]!.next_offset.split("_")[1]);
      await cleanedPast(t, Math.floor(tail / (32 * 1024)) * 32 * 1024);

      advance(5001);
      await eventually(async () => {
        const keys = new Set((await readRecords(t, PARTITION)).map((r) => r.value.key));
        return keys.size === 4 && !keys.has("k11");
      }, 10_000);
    });

    test("offsets by time still find the first record appended at or after a time", async () => {
      const { t, advance } = await compactingApp(kind);
      await createTopic(t, "table", { cleanup_policy: "compact" });
      const marks: Array<{ at: number; offset: string }> = [];
      for (let i = 0; i < 200; i++) {
        advance(1000);
        const result = await produce(t, "table", [{ key: `k${i % 3}`, value: { i, PAD } }]);
        if (i % 40 === 0) marks.push({ at: result.records[0]!.timestamp!, offset: result.records[0]!.offset! });
      }
      const tail = Number((await describeTopic(t, "table")).partitions[0]!.next_offset.split("_")[1]);
      await cleanedPast(t, Math.floor(tail / (32 * 1024)) * 32 * 1024);
      for (const mark of marks) {
        const head = await t.request(`${PARTITION}?at=${mark.at}`, { method: "HEAD" });
        expect(head.status).toBe(200);
        // The offset is where the record was; it may now be a hole, whose read starts at the next kept one.
        expect(head.headers.get("stream-at-offset")).toBe(mark.offset);
      }
    });

    test("the change feed says every change, as State Protocol messages, and is compacted like a table", async () => {
      const { t } = await compactingApp(kind);
      await createTopic(t, "a", { partitions: 1 });
      await createTopic(t, "b", { partitions: 2 });
      await t.request(`${BASE}/__ds/topics/a`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: '{"partitions":3}',
      });
      await t.request(`${BASE}/__ds/topics/b`, { method: "DELETE" });
      const feed = (await (await t.request(`${BASE}/topics/__changes?offset=-1`)).json()) as Array<{
        type: string;
        key: string;
        value: { config: { partitions: number } } | null;
        headers: { operation: string; txid: string; timestamp: string };
      }>;
      expect(feed.map((m) => [m.key, m.headers.operation, m.headers.txid])).toEqual([
        ["a", "insert", "1"],
        ["b", "insert", "2"],
        ["a", "update", "3"],
        ["b", "delete", "4"],
      ]);
      expect(feed[2]!.value!.config.partitions).toBe(3);
      expect(feed[3]!.value).toBeNull();
      expect(feed.every((m) => m.type === "topic" && !Number.isNaN(Date.parse(m.headers.timestamp)))).toBe(true);
    });
  });
}
