/**
 * The produce endpoint's compact answer (docs/kafka-layer.md, "The answer"): with
 * `Produce-Answer: partitions` one entry per partition share — first offset, the offset after
 * its last record, first seq, count — that agrees with what the per-record answer says of the
 * same records; duplicates and refusals per share; an unknown form refused before anything is
 * written; without the header, the per-record answer as before.
 */
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

interface PartitionAnswer {
  partition: number;
  count: number;
  offset?: string;
  next_offset?: string;
  seq?: number;
  timestamp?: number;
  duplicate?: true;
  error?: { code: string; message: string };
}

async function producePartitions(
  t: TestApp,
  name: string,
  records: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; partitions: PartitionAnswer[] }> {
  const res = await t.request(`${TOPICS}/${name}/records`, {
    method: "POST",
    headers: { ...jsonHeaders, "produce-answer": "partitions", ...headers },
    body: JSON.stringify(records),
  });
  const body = (await res.json()) as { partitions: PartitionAnswer[] };
  return { status: res.status, partitions: body.partitions };
}

const to = (partition: number, value: unknown, key: string | null = null) => ({ partition, key, value });
const claims = (entries: string) => ({ "producer-id": "compact-1", "producer-partitions": entries });

for (const kind of Object.keys(STORES)) {
  describe(`produce answers per partition: ${kind}`, () => {
    test("one entry per share, in order of first record, agreeing with the records as stored", async () => {
      const t = await app(kind);
      await createTopic(t, "c", { partitions: 3 });
      await produce(t, "c", [to(2, "before")]);
      const records = [to(2, { n: 1 }, "k"), to(0, "é multi-byte"), to(2, [1, 2, 3]), to(2, null)];
      const answer = await producePartitions(t, "c", records);
      expect(answer.status).toBe(200);
      expect(answer.partitions.map((p) => [p.partition, p.count, p.seq])).toEqual([
        [2, 3, 1],
        [0, 1, 0],
      ]);
      for (const share of answer.partitions) {
        const stored = await readRecords(t, `${BASE}/topics/c/${share.partition}`);
        const mine = stored.slice(share.seq!, share.seq! + share.count);
        expect(mine.length).toBe(share.count);
        expect(mine[0]!.offset).toBe(share.offset);
        expect(mine.at(-1)!.next_offset).toBe(share.next_offset);
        expect(mine.every((r) => r.ts === share.timestamp)).toBe(true);
      }
    });

    test("a retry's shares are duplicates; a refused share carries its code (207)", async () => {
      const t = await app(kind);
      await createTopic(t, "d", { partitions: 2 });
      const body = [to(0, "a"), to(1, "b"), to(1, "c")];
      expect((await producePartitions(t, "d", body, claims("0:0:0,1:0:0"))).status).toBe(200);
      const retry = await producePartitions(t, "d", body, claims("0:0:0,1:0:0"));
      expect(retry.partitions).toEqual([
        { partition: 0, count: 1, duplicate: true },
        { partition: 1, count: 2, duplicate: true },
      ]);
      // Partition 1's seq 2 before its seq 1: a gap there only.
      const gap = await producePartitions(t, "d", [to(0, "e"), to(1, "f")], claims("0:0:1,1:0:2"));
      expect(gap.status).toBe(207);
      expect(gap.partitions[0]).toMatchObject({ partition: 0, count: 1, seq: 1 });
      expect(gap.partitions[1]).toMatchObject({ partition: 1, count: 1, error: { code: "PRODUCER_SEQ_GAP" } });
    });

    test("an unknown answer form is refused and nothing is written", async () => {
      const t = await app(kind);
      await createTopic(t, "u", { partitions: 1 });
      const res = await t.request(`${TOPICS}/u/records`, {
        method: "POST",
        headers: { ...jsonHeaders, "produce-answer": "shares" },
        body: JSON.stringify([to(0, "x")]),
      });
      await expectError(res, 400, "BAD_REQUEST");
      expect(await readRecords(t, `${BASE}/topics/u/0`)).toEqual([]);
    });

    test("without the header, and with `records`, the answer is per record", async () => {
      const t = await app(kind);
      await createTopic(t, "r", { partitions: 2 });
      for (const headers of [{}, { "produce-answer": "records" }]) {
        const answer = await produce(t, "r", [to(1, "a"), to(0, "b")], headers);
        expect(answer.status).toBe(200);
        expect(answer.records.map((r) => r.partition)).toEqual([1, 0]);
      }
    });
  });
}
