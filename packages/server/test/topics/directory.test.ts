/**
 * What other features see of topics (features/groups/sources/types.ts): the directory's
 * partition counts, paths and change signals, and partition stats — positions, seqs, sizes and
 * time lookups — as a feature embedded beside the topics feature gets them.
 */
import {
  type Feature,
  PARTITION_STATS,
  type PartitionStats,
  TOPIC_DIRECTORY,
  type TopicDirectory,
} from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { BASE, type TestApp } from "../handlers/helpers.js";
import { createTopic, produce, STORES, TOPICS, topicApp } from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A feature that takes the directory and stats once every feature is set up. */
function consumer(found: { directory?: TopicDirectory; stats?: PartitionStats }): Feature {
  return {
    name: "consumer",
    setup(host) {
      host.onOpen(() => {
        const directory = host.lookup(TOPIC_DIRECTORY);
        const stats = host.lookup(PARTITION_STATS);
        if (directory) found.directory = directory;
        if (stats) found.stats = stats;
      });
    },
  };
}

for (const kind of Object.keys(STORES)) {
  describe(`topic directory and partition stats: ${kind}`, () => {
    test("partition counts and paths, and a signal when they change", async () => {
      const found: { directory?: TopicDirectory; stats?: PartitionStats } = {};
      const t = await topicApp(kind, { features: [consumer(found)] });
      apps.push(t);
      const directory = found.directory!;
      const changes: string[] = [];
      const stop = directory.onChange((topic) => changes.push(topic));
      expect(directory.partitions("orders")).toBeUndefined();
      await createTopic(t, "orders", { partitions: 2 });
      expect(directory.partitions("orders")).toBe(2);
      expect(directory.partitionPath("orders", 1)).toBe(`${BASE}/topics/orders/1`);
      const grow = await t.request(`${TOPICS}/orders`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: '{"partitions":3,"retention_ms":99}',
      });
      expect(grow.status).toBe(200);
      // A change that leaves the count alone is no signal.
      await t.request(`${TOPICS}/orders`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: '{"retention_ms":98}',
      });
      expect(directory.partitions("orders")).toBe(3);
      await t.request(`${TOPICS}/orders`, { method: "DELETE" });
      expect(directory.partitions("orders")).toBeUndefined();
      expect(changes).toEqual(["orders", "orders", "orders"]);
      stop();
      await createTopic(t, "later");
      expect(changes).toHaveLength(3);
    });

    test("positions, seqs, sizes and offsets by time", async () => {
      const found: { directory?: TopicDirectory; stats?: PartitionStats } = {};
      let now = 5_000_000;
      const t = await topicApp(kind, { features: [consumer(found)], clock: () => now });
      apps.push(t);
      const stats = found.stats!;
      await createTopic(t, "s", { partitions: 2 });
      const empty = await stats.describe("s", 0);
      expect(empty).toEqual({
        earliest: { offset: "0000000000000000_0000000000000000", seq: 0 },
        next: { offset: "0000000000000000_0000000000000000", seq: 0 },
        bytes: 0,
      });
      const first = await produce(t, "s", [
        { partition: 0, value: 1 },
        { partition: 0, value: 2 },
      ]);
      now += 1000;
      const second = await produce(t, "s", [{ partition: 0, value: 3 }]);
      const state = await stats.describe("s", 0);
      expect(state!.next).toEqual({ offset: second.records[0]!.next_offset, seq: 3 });
      expect(state!.bytes).toBe(Number(second.records[0]!.next_offset!.split("_")[1]));
      expect(await stats.seqAt("s", 0, first.records[1]!.offset!)).toBe(1);
      expect(await stats.seqAt("s", 0, second.records[0]!.next_offset!)).toBe(3);
      expect(await stats.offsetAt("s", 0, now)).toEqual({ offset: second.records[0]!.offset, seq: 2 });
      expect(await stats.offsetAt("s", 0, now + 1)).toEqual({ offset: second.records[0]!.next_offset, seq: 3 });
      expect(await stats.offsetAt("s", 0, 0)).toEqual({ offset: first.records[0]!.offset, seq: 0 });
      // Unknown topics and partitions, offsets that are no message boundary or past the tail.
      expect(await stats.describe("s", 2)).toBeUndefined();
      expect(await stats.describe("nope", 0)).toBeUndefined();
      expect(await stats.seqAt("s", 0, "0000000000000000_0000000000000003")).toBeUndefined();
      expect(await stats.seqAt("s", 0, "0000000000000000_9999999999999999")).toBeUndefined();
      expect(await stats.seqAt("s", 0, "garbage")).toBeUndefined();
      expect(await stats.offsetAt("s", 5, 0)).toBeUndefined();
    });
  });
}
