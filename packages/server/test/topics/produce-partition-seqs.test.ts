/**
 * Per-partition idempotent producers on the produce endpoint (docs/kafka-layer.md,
 * "Idempotent produce, per partition"): `Producer-Partitions` numbers each partition's share
 * of a request as §5.2.1 numbers a stream's appends, so requests may be pipelined, a retry is
 * a duplicate where it landed, a gap is refused on its partition only (207), and malformed
 * claims are refused whole.
 */
import type { ErrorCode } from "@rivulet/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import { createTopic, jsonHeaders, produce, readRecords, STORES, TOPICS, topicApp } from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(kind: string) {
  const t = await topicApp(kind);
  apps.push(t);
  return t;
}

const claims = (entries: string, id = "sdk-1") => ({ "producer-id": id, "producer-partitions": entries });
const to = (partition: number, value: unknown, key: string | null = null) => ({ partition, key, value });

for (const kind of Object.keys(STORES)) {
  describe(`produce with per-partition seqs: ${kind}`, () => {
    test("each partition's share is an idempotent append: retries are duplicates, later seqs new data", async () => {
      const t = await app(kind);
      await createTopic(t, "pp", { partitions: 3 });
      const first = await produce(t, "pp", [to(0, "a"), to(2, "b"), to(0, "c")], claims("0:0:0,2:0:0"));
      expect(first.status).toBe(200);
      expect(first.records.map((r) => [r.partition, r.seq])).toEqual([
        [0, 0],
        [2, 0],
        [0, 1],
      ]);
      const retry = await produce(t, "pp", [to(0, "a"), to(2, "b"), to(0, "c")], claims("0:0:0,2:0:0"));
      expect(retry.status).toBe(200);
      expect(retry.records.every((r) => r.duplicate === true)).toBe(true);
      // Partition 1 starts its own numbering at 0 while partition 0 goes on at 1.
      const next = await produce(t, "pp", [to(1, "d"), to(0, "e")], claims("1:0:0,0:0:1"));
      expect(next.status).toBe(200);
      expect(next.records.map((r) => [r.partition, r.seq])).toEqual([
        [1, 0],
        [0, 2],
      ]);
      const values = async (p: number) =>
        (await readRecords(t, `${BASE}/topics/pp/${p}`)).map((r) => r.value.value as string);
      expect(await values(0)).toEqual(["a", "c", "e"]);
      expect(await values(1)).toEqual(["d"]);
      expect(await values(2)).toEqual(["b"]);
    });

    test("a gap fails only its partition (207 with the code per record); the batch lands once retried in order", async () => {
      const t = await app(kind);
      await createTopic(t, "gap", { partitions: 2 });
      await produce(t, "gap", [to(0, "a0"), to(1, "b0")], claims("0:0:0,1:0:0"));
      // Seq 2 of partition 1 arrives before seq 1 (two requests in flight).
      const early = await produce(t, "gap", [to(0, "a1"), to(1, "b2")], claims("0:0:1,1:0:2"));
      expect(early.status).toBe(207);
      expect(early.records[0]).toMatchObject({ partition: 0, seq: 1 });
      expect(early.records[1]).toMatchObject({ partition: 1, error: { code: "PRODUCER_SEQ_GAP" } });
      expect((await produce(t, "gap", [to(1, "b1")], claims("1:0:1"))).status).toBe(200);
      const retried = await produce(t, "gap", [to(1, "b2")], claims("1:0:2"));
      expect(retried.records[0]).toMatchObject({ partition: 1, seq: 2 });
      const read = await readRecords(t, `${BASE}/topics/gap/1`);
      expect(read.map((r) => r.value.value)).toEqual(["b0", "b1", "b2"]);
    });

    test("every partition refusing alike answers that error; a stale epoch names the current one", async () => {
      const t = await app(kind);
      await createTopic(t, "fence", { partitions: 2 });
      await produce(t, "fence", [to(0, "new"), to(1, "new")], claims("0:3:0,1:3:0"));
      const res = await t.request(`${TOPICS}/fence/records`, {
        method: "POST",
        headers: { ...jsonHeaders, ...claims("0:2:5,1:2:5") },
        body: JSON.stringify([to(0, "old"), to(1, "old")]),
      });
      await expectError(res, 403, "STALE_PRODUCER_EPOCH");
      expect(res.headers.get("producer-epoch")).toBe("3");
    });

    test("malformed or mismatched claims are refused before anything is written", async () => {
      const t = await app(kind);
      await createTopic(t, "bad", { partitions: 2 });
      const send = (records: unknown, headers: Record<string, string>) =>
        t.request(`${TOPICS}/bad/records`, {
          method: "POST",
          headers: { ...jsonHeaders, ...headers },
          body: JSON.stringify(records),
        });
      const one = [to(0, "x")];
      const cases: [unknown, Record<string, string>, number, ErrorCode][] = [
        [one, { "producer-partitions": "0:0:0" }, 400, "INVALID_PRODUCER_HEADERS"],
        [one, { ...claims("0:0:0"), "producer-epoch": "0" }, 400, "INVALID_PRODUCER_HEADERS"],
        [one, { ...claims("0:0:0"), "producer-seq": "0" }, 400, "INVALID_PRODUCER_HEADERS"],
        [one, claims("0:0"), 400, "INVALID_PRODUCER_HEADERS"],
        [one, claims("0:0:-1"), 400, "INVALID_PRODUCER_HEADERS"],
        [one, claims("0:0:0,0:0:1"), 400, "INVALID_PRODUCER_HEADERS"],
        [one, claims("0:0:0,1:0:0"), 400, "INVALID_PRODUCER_HEADERS"],
        [[to(0, "x"), to(1, "y")], claims("0:0:0"), 400, "INVALID_PRODUCER_HEADERS"],
        [[{ key: "k", value: "x" }], claims("0:0:0"), 400, "INVALID_RECORD"],
        [[to(5, "x")], claims("5:0:0"), 404, "PARTITION_NOT_FOUND"],
      ];
      for (const [records, headers, status, code] of cases)
        await expectError(await send(records, headers), status, code);
      for (let p = 0; p < 2; p++) expect(await readRecords(t, `${BASE}/topics/bad/${p}`)).toEqual([]);
    });
  });
}
