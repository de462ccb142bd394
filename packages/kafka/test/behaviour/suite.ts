/**
 * One behaviour suite for every implementation of `KafkaLike`: run against a real in-process
 * server (real-server.test.ts) and against `MockKafka` (mock.test.ts), it keeps the mock honest —
 * what an application's unit test sees on the mock is what it gets from a server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsumerRecord,
  GroupCoordinatorError,
  type KafkaConsumer,
  KafkaError,
  type KafkaLike,
  PartitionNotFoundError,
  partitionForKey,
  TopicNotFoundError,
} from "../../src/index.js";

export interface BehaviourTarget {
  kafka: KafkaLike;
  close(): Promise<void>;
}

let names = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++names}-${Math.random().toString(36).slice(2, 7)}`;

/** Reads `count` records from a consumer's loop (the last one is finished by the next read or the close). */
async function read<T>(consumer: KafkaConsumer<T>, count: number): Promise<ConsumerRecord<T>[]> {
  const out: ConsumerRecord<T>[] = [];
  if (count === 0) return out;
  for await (const record of consumer.take(count)) out.push(record);
  return out;
}

/** Polls a condition that another member's work makes true (no fixed sleeps: it checks after each turn of the event loop). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function behaviourSuite(name: string, makeTarget: () => Promise<BehaviourTarget>): void {
  describe(`KafkaLike behaviour: ${name}`, () => {
    let target: BehaviourTarget;
    let kafka: KafkaLike;
    beforeAll(async () => {
      target = await makeTarget();
      kafka = target.kafka;
    });
    afterAll(() => target.close());

    it("produces and consumes a round trip with keys, headers and positions", async () => {
      const topic = unique("orders");
      await kafka.admin().createTopic(topic, { partitions: 1 });
      const producer = kafka.producer<{ id: number }>(topic);
      const meta = await producer.send({ id: 1 }, { key: "c-1", headers: { trace: "t1" } });
      await producer.sendBatch([{ value: { id: 2 } }, { value: { id: 3 }, key: "c-3" }]);
      await producer.close();
      expect(meta).toMatchObject({ topic, partition: 0, seq: 0 });

      const consumer = kafka.consumer<{ id: number }>(topic, { group: unique("g"), offset: "earliest" });
      const records = await read(consumer, 3);
      expect(records.map((r) => r.value.id)).toEqual([1, 2, 3]);
      expect(records.map((r) => r.seq)).toEqual([0, 1, 2]);
      expect(records[0]).toMatchObject({ key: "c-1", headers: { trace: "t1" }, offset: meta.offset });
      expect(records[0]!.nextOffset).toBe(records[1]!.offset);
      expect(records[1]!.key).toBeNull();
    });

    it("sends a key to its murmur2 partition, the same one every time", async () => {
      const topic = unique("keyed");
      await kafka.admin().createTopic(topic, { partitions: 6 });
      const producer = kafka.producer(topic);
      for (const key of ["alice", "bob", "carol", "dave"]) {
        const metas = await producer.sendBatch([
          { key, value: 1 },
          { key, value: 2 },
        ]);
        for (const meta of metas) expect(meta.partition).toBe(partitionForKey(key, 6));
      }
      const pinned = await producer.send("x", { key: "alice", partition: 5 });
      expect(pinned.partition).toBe(5);
      await producer.close();
    });

    it("shares a topic's partitions among the members of a group, each record to one member", async () => {
      const topic = unique("shared");
      const group = unique("g");
      await kafka.admin().createTopic(topic, { partitions: 4 });
      const seen: string[] = [];
      const a = kafka.consumer<number>(topic, { group, offset: "earliest", autoCommitIntervalMs: 50 });
      const b = kafka.consumer<number>(topic, { group, offset: "earliest", autoCommitIntervalMs: 50 });
      const loop = (c: KafkaConsumer<number>, who: string) =>
        (async () => {
          for await (const record of c) seen.push(`${who}:${record.value}`);
        })();
      await a.start();
      const runA = loop(a, "a");
      await b.start();
      const runB = loop(b, "b");
      await until(() => a.assignment().length === 2 && b.assignment().length === 2);
      const all = [...a.assignment(), ...b.assignment()].map((p) => p.partition).sort();
      expect(all).toEqual([0, 1, 2, 3]);

      const producer = kafka.producer<number>(topic);
      await producer.sendBatch(Array.from({ length: 20 }, (_, n) => ({ key: `k${n}`, value: n })));
      await until(() => seen.length === 20);
      await Promise.all([a.close(), b.close()]);
      await Promise.all([runA, runB]);
      expect(seen.map((s) => Number(s.split(":")[1])).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 20 }, (_, n) => n),
      );
      expect(new Set(seen.map((s) => s.split(":")[0]))).toEqual(new Set(["a", "b"]));
    });

    it("commits finished records and a new member of the group resumes after them; lag shows in describeGroup", async () => {
      const topic = unique("resume");
      const group = unique("g");
      await kafka.admin().createTopic(topic, { partitions: 1 });
      const producer = kafka.producer<number>(topic);
      await producer.sendBatch([1, 2, 3, 4, 5].map((value) => ({ value })));

      const first = kafka.consumer<number>(topic, { group, offset: "earliest", autoCommit: false });
      const records: ConsumerRecord<number>[] = [];
      for await (const record of first) {
        records.push(record);
        if (record.value === 2) {
          await record.commit();
          break; // the record in hand was committed: only 3, 4, 5 remain
        }
      }
      const described = await kafka.admin().describeGroup(group);
      expect(described.state).toBe("empty");
      expect(described.partitions).toEqual([
        expect.objectContaining({
          topic,
          partition: 0,
          committedOffset: records[1]!.nextOffset,
          committedSeq: 2,
          lag: 3,
        }),
      ]);
      expect(described.totalLag).toBe(3);

      const second = kafka.consumer<number>(topic, { group, offset: "earliest" });
      expect((await read(second, 3)).map((r) => r.value)).toEqual([3, 4, 5]);
      expect((await kafka.admin().describeGroup(group)).totalLag).toBe(0);
      await producer.close();
    });

    it("process() with concurrency commits only the contiguous finished records", async () => {
      const topic = unique("process");
      const group = unique("g");
      await kafka.admin().createTopic(topic, { partitions: 1 });
      await kafka.producer<number>(topic).sendBatch([1, 2, 3, 4].map((value) => ({ value })));
      const consumer = kafka.consumer<number>(topic, { group, offset: "earliest" });
      // Record 2 fails after 3 and 4 finished: the commit must stop before 2.
      const done: number[] = [];
      let release: () => void = () => {};
      const twoMayFail = new Promise<void>((resolve) => {
        release = resolve;
      });
      const processing = consumer.process(
        async (record) => {
          if (record.value === 2) {
            await twoMayFail;
            throw new Error("boom");
          }
          done.push(record.value);
          if (done.length === 3) release();
        },
        { concurrency: 4 },
      );
      await expect(processing).rejects.toThrow("boom");
      const described = await kafka.admin().describeGroup(group);
      expect(described.partitions[0]?.committedSeq).toBe(1);
    });

    it("a transaction writes all of its records, or none when its function throws", async () => {
      const orders = unique("tx-orders");
      const audit = unique("tx-audit");
      await kafka.admin().createTopic(orders, { partitions: 2 });
      await kafka.admin().createTopic(audit, { partitions: 1 });
      await expect(
        kafka.transaction([orders, audit], async (tx) => {
          await tx.send({ n: 1 }, { key: "a" });
          await tx.send({ n: 1 }, { topic: audit });
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      const result = await kafka.transaction([orders, audit], async (tx) => {
        await tx.send({ n: 2 }, { key: "a" });
        await tx.send({ n: 2 }, { topic: audit });
        return "ok";
      });
      expect(result.value).toBe("ok");
      expect(result.records.map((r) => r.topic)).toEqual([orders, audit]);
      const auditDescription = await kafka.admin().describeTopic(audit);
      expect(auditDescription.partitionDetails[0]!.nextSeq).toBe(1);
      const consumer = kafka.consumer<{ n: number }>(orders, { group: unique("g"), offset: "earliest" });
      expect((await read(consumer, 1)).map((r) => r.value.n)).toEqual([2]);
    });

    it("administers topics: create (idempotent), list, describe, alter (grow only), delete", async () => {
      const admin = kafka.admin();
      const topic = unique("admin");
      const created = await admin.createTopic(topic, { partitions: 2 });
      expect(created).toMatchObject({ name: topic, partitions: 2, cleanupPolicy: "delete" });
      await expect(admin.createTopic(topic, { partitions: 2 })).resolves.toMatchObject({ partitions: 2 });
      await expect(admin.createTopic(topic, { partitions: 3 })).rejects.toMatchObject({ code: "TOPIC_EXISTS" });
      expect((await admin.listTopics()).map((t) => t.name)).toContain(topic);
      const grown = await admin.alterTopic(topic, { partitions: 3 });
      expect(grown.partitionDetails).toHaveLength(3);
      await expect(admin.alterTopic(topic, { partitions: 1 })).rejects.toBeInstanceOf(KafkaError);
      await admin.deleteTopic(topic);
      await expect(admin.describeTopic(topic)).rejects.toBeInstanceOf(TopicNotFoundError);
      expect((await admin.listTopics()).map((t) => t.name)).not.toContain(topic);
    });

    it("resets a group's offsets only while it has no members (GROUP_NOT_EMPTY)", async () => {
      const topic = unique("reset");
      const group = unique("g");
      await kafka.admin().createTopic(topic, { partitions: 1 });
      await kafka.producer<number>(topic).sendBatch([1, 2, 3].map((value) => ({ value })));
      const consumer = kafka.consumer<number>(topic, { group, offset: "earliest" });
      await read(consumer, 3);
      expect((await kafka.admin().listGroups()).map((g) => g.id)).toContain(group);

      const member = kafka.consumer<number>(topic, { group, offset: "earliest" });
      await member.start();
      const refused = kafka.admin().resetOffsets(group, topic, "earliest");
      await expect(refused).rejects.toBeInstanceOf(GroupCoordinatorError);
      await expect(refused).rejects.toMatchObject({ code: "GROUP_NOT_EMPTY" });
      await member.close();

      const reset = await kafka.admin().resetOffsets(group, topic, "earliest");
      expect(reset).toEqual([expect.objectContaining({ topic, partition: 0, seq: 0 })]);
      const again = kafka.consumer<number>(topic, { group });
      expect((await read(again, 3)).map((r) => r.value)).toEqual([1, 2, 3]);
      const toLatest = await kafka.admin().resetOffsets(group, topic, "latest");
      expect(toLatest[0]?.seq).toBe(3);
    });

    it("answers with the SDK's error classes", async () => {
      const missing = unique("missing");
      await expect(kafka.producer(missing).send(1)).rejects.toBeInstanceOf(TopicNotFoundError);
      await expect(kafka.admin().describeTopic(missing)).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND" });
      await expect(read(kafka.consumer(missing, { group: unique("g") }), 1)).rejects.toBeInstanceOf(TopicNotFoundError);
      await expect(kafka.admin().describeGroup(unique("nobody"))).rejects.toBeInstanceOf(GroupCoordinatorError);
      const topic = unique("two");
      await kafka.admin().createTopic(topic, { partitions: 2 });
      await expect(kafka.producer(topic).send(1, { partition: 7 })).rejects.toBeInstanceOf(PartitionNotFoundError);
      expect(() => kafka.consumer(topic, { group: "no spaces" })).toThrow(KafkaError);
    });
  });
}
