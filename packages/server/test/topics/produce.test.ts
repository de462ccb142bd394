/**
 * Keyed produce over HTTP on both stores (docs/kafka-layer.md, "Produce"): records land on
 * the partition Kafka's partitioner picks for their key, in envelopes, with the offset, seq
 * and time the partition's records view shows; null keys stick to one partition; explicit
 * partitions are honoured; idempotent producers deduplicate retries across partitions;
 * gzip bodies work; every bad request has its code.
 */
import { gzipSync } from "node:zlib";
import { partitionForKey } from "@rivulet/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import { createTopic, jsonHeaders, produce, readRecords, STORES, TOPICS, topicApp } from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(kind: string, options: Parameters<typeof topicApp>[1] = {}) {
  const t = await topicApp(kind, options);
  apps.push(t);
  return t;
}

const producer = (seq: number, epoch = 0, id = "thin-1") => ({
  "producer-id": id,
  "producer-epoch": String(epoch),
  "producer-seq": String(seq),
});

for (const kind of Object.keys(STORES)) {
  describe(`produce: ${kind}`, () => {
    test("keyed records go where murmur2 puts them, as envelopes, with the offsets their partition shows", async () => {
      const t = await app(kind);
      await createTopic(t, "orders", { partitions: 12 });
      const records = Array.from({ length: 200 }, (_, i) => ({
        key: `customer-${i % 37}`,
        value: { order: i },
        headers: { source: "test" },
        ts: 1_700_000_000_000 + i,
      }));
      const result = await produce(t, "orders", records);
      expect(result.status).toBe(200);
      expect(result.records).toHaveLength(200);
      const seen = new Map<string, number>();
      for (let i = 0; i < records.length; i++) {
        const answer = result.records[i]!;
        expect(answer.partition).toBe(partitionForKey(records[i]!.key, 12));
        seen.set(`${answer.partition}:${answer.offset}`, i);
      }
      // Read every partition back: each record is where its answer said, with its seq.
      for (let p = 0; p < 12; p++) {
        const read = await readRecords(t, `${BASE}/topics/orders/${p}`);
        for (const record of read) {
          const i = seen.get(`${p}:${record.offset}`);
          expect(i, `${p}:${record.offset}`).toBeDefined();
          const answer = result.records[i!]!;
          expect(record.seq).toBe(answer.seq);
          expect(record.next_offset).toBe(answer.next_offset);
          expect(record.ts).toBe(answer.timestamp);
          expect(record.value).toEqual({ ...records[i!], value: records[i!]!.value });
        }
        // Records of one key keep their order.
        const orders = read.map((r) => (r.value.value as { order: number }).order);
        expect(orders).toEqual([...orders].sort((a, b) => a - b));
      }
      expect([...seen.keys()]).toHaveLength(200);
    });

    test("values are stored byte for byte; a missing ts is the server's time, a missing value a tombstone", async () => {
      const t = await app(kind);
      await createTopic(t, "raw");
      const before = Date.now();
      const res = await produce(t, "raw", '[{"key":"k","value":{"id":12345678901234567890123}},{"key":"k"}]');
      expect(res.status).toBe(200);
      const text = await (await t.request(`${BASE}/topics/raw/0?offset=-1`)).text();
      expect(text).toContain('"value":{"id":12345678901234567890123}');
      const read = await readRecords(t, `${BASE}/topics/raw/0`);
      expect(read[1]!.value).toMatchObject({ key: "k", value: null, headers: {} });
      expect(read[0]!.value.ts).toBeGreaterThanOrEqual(before);
      // One record object is a request of one.
      const one = await produce(t, "raw", { key: "single", value: 1 });
      expect(one.records).toEqual([expect.objectContaining({ partition: 0, seq: 2 })]);
    });

    test("null keys stick to one partition until a batch's worth went there; explicit partitions are kept", async () => {
      const t = await app(kind, { topics: { stickyBatchBytes: 2000 } });
      await createTopic(t, "sticky", { partitions: 4 });
      const request = Array.from({ length: 10 }, (_, i) => ({ value: { i, pad: "x".repeat(50) } }));
      const first = await produce(t, "sticky", request);
      const partitions = new Set(first.records.map((r) => r.partition));
      expect(partitions.size).toBe(1);
      // The first request sent ~800 bytes there: the next stays, the one after moves on.
      const second = await produce(t, "sticky", request);
      expect(second.records[0]!.partition).toBe(first.records[0]!.partition);
      const third = await produce(t, "sticky", request);
      expect(third.records[0]!.partition).toBe(first.records[0]!.partition);
      const fourth = await produce(t, "sticky", request);
      expect(fourth.records[0]!.partition).not.toBe(first.records[0]!.partition);
      const explicit = await produce(t, "sticky", [
        { key: "a", partition: 3, value: 1 },
        { partition: 2, value: 2 },
      ]);
      expect(explicit.records.map((r) => r.partition)).toEqual([3, 2]);
    });

    test("an idempotent producer's retry is a duplicate on every partition it reached, new data where it did not", async () => {
      const t = await app(kind);
      await createTopic(t, "idem", { partitions: 6 });
      const batch = (n: number) => Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: { n, i } }));
      const first = await produce(t, "idem", batch(0), producer(0));
      expect(first.status).toBe(200);
      expect(first.records.every((r) => r.seq !== undefined)).toBe(true);
      const retry = await produce(t, "idem", batch(0), producer(0));
      expect(retry.status).toBe(200);
      expect(retry.records.every((r) => r.duplicate === true)).toBe(true);
      const next = await produce(t, "idem", batch(1), producer(1));
      expect(next.records.every((r) => r.duplicate === undefined)).toBe(true);
      // Null keys of a request with producer headers land where a retry lands too.
      const keyless = [{ value: "a" }, { value: "b" }];
      const sent = await produce(t, "idem", keyless, producer(2));
      const again = await produce(t, "idem", keyless, producer(2));
      expect(again.records.map((r) => r.partition)).toEqual(sent.records.map((r) => r.partition));
      expect(again.records.every((r) => r.duplicate)).toBe(true);
      // Every record is there once.
      let total = 0;
      for (let p = 0; p < 6; p++) total += (await readRecords(t, `${BASE}/topics/idem/${p}`)).length;
      expect(total).toBe(42);
    });

    test("an older request after a newer one, and an older epoch, are refused per partition", async () => {
      const t = await app(kind);
      await createTopic(t, "order", { partitions: 2 });
      const to = (partition: number, value: unknown) => ({ partition, value });
      expect((await produce(t, "order", [to(0, "a")], producer(5))).status).toBe(200);
      const late = await t.request(`${TOPICS}/order/records`, {
        method: "POST",
        headers: { ...jsonHeaders, ...producer(4) },
        body: JSON.stringify([to(0, "late")]),
      });
      await expectError(late, 409, "PRODUCER_OUT_OF_ORDER");
      expect((await produce(t, "order", [to(0, "b")], producer(0, 1))).status).toBe(200);
      const zombie = await t.request(`${TOPICS}/order/records`, {
        method: "POST",
        headers: { ...jsonHeaders, ...producer(6, 0) },
        body: JSON.stringify([to(0, "zombie")]),
      });
      await expectError(zombie, 403, "STALE_PRODUCER_EPOCH");
      expect(zombie.headers.get("producer-epoch")).toBe("1");
      // Mixed: one partition refuses, the other takes it: 207 with each record's outcome.
      const mixed = await produce(t, "order", [to(0, "x"), to(1, "y")], producer(7, 0));
      expect(mixed.status).toBe(207);
      expect(mixed.records[0]).toMatchObject({ partition: 0, error: { code: "STALE_PRODUCER_EPOCH" } });
      expect(mixed.records[1]).toMatchObject({ partition: 1, seq: 0 });
      // Out-of-range producer headers.
      const big = await t.request(`${TOPICS}/order/records`, {
        method: "POST",
        headers: { ...jsonHeaders, ...producer(0, 2 ** 21) },
        body: "[{}]",
      });
      await expectError(big, 400, "INVALID_PRODUCER_HEADERS");
      const partial = await t.request(`${TOPICS}/order/records`, {
        method: "POST",
        headers: { ...jsonHeaders, "producer-id": "x" },
        body: "[{}]",
      });
      await expectError(partial, 400, "INVALID_PRODUCER_HEADERS");
    });

    test("a gzip-compressed produce body", async () => {
      const t = await app(kind);
      await createTopic(t, "gz", { partitions: 2 });
      const res = await t.request(`${TOPICS}/gz/records`, {
        method: "POST",
        headers: { ...jsonHeaders, "content-encoding": "gzip" },
        body: gzipSync(JSON.stringify([{ key: "z", value: "compressed" }])),
      });
      expect(res.status).toBe(200);
      const [answer] = ((await res.json()) as { records: Array<{ partition: number }> }).records;
      const read = await readRecords(t, `${BASE}/topics/gz/${answer!.partition}`);
      expect(read.map((r) => r.value.value)).toEqual(["compressed"]);
    });

    test("errors: unknown topic and partition, bad records, compacted topics need keys", async () => {
      const t = await app(kind, { topics: { maxRecordsPerRequest: 3 } });
      await createTopic(t, "e", { partitions: 2 });
      await createTopic(t, "c", { cleanup_policy: "compact" });
      const post = (name: string, body: string) =>
        t.request(`${TOPICS}/${name}/records`, { method: "POST", headers: jsonHeaders, body });
      await expectError(await post("missing", "[{}]"), 404, "TOPIC_NOT_FOUND");
      await expectError(await post("e", '[{"partition":2}]'), 404, "PARTITION_NOT_FOUND");
      await expectError(await post("e", '[{"key":1}]'), 400, "INVALID_RECORD");
      await expectError(await post("e", '[{"value":1,"extra":2}]'), 400, "INVALID_RECORD");
      await expectError(await post("e", "[{},{},{},{}]"), 400, "INVALID_RECORD");
      await expectError(await post("e", "[]"), 400, "EMPTY_JSON_ARRAY");
      await expectError(await post("e", "[{"), 400, "INVALID_JSON");
      await expectError(await post("c", '[{"key":"a","value":1},{"value":2}]'), 400, "INVALID_RECORD");
      await expectError(await post("bad name", "[{}]"), 400, "INVALID_TOPIC_NAME");
      // A partition stream deleted behind the topic's back.
      expect((await t.request(`${BASE}/topics/e/1`, { method: "DELETE" })).status).toBe(204);
      await expectError(await post("e", '[{"partition":1}]'), 404, "PARTITION_NOT_FOUND");
      // A partition stream closed behind the topic's back refuses its records.
      const closed = await t.request(`${BASE}/topics/e/0`, { method: "POST", headers: { "stream-closed": "true" } });
      expect(closed.status).toBe(204);
      await expectError(await post("e", '[{"partition":0,"value":1}]'), 409, "STREAM_CLOSED");
      // Nothing was written by any refused request.
      expect(await readRecords(t, `${BASE}/topics/e/0`)).toEqual([]);
    });
  });
}
