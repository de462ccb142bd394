/**
 * The plain consumer against a real server: records with their positions and envelope,
 * commits that survive a restart, offsets policies, autoCommit, maxPollRecords, and the error
 * paths (a missing topic, bad options).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsumerEvent, type ConsumerRecord, jsonSerializer, Kafka, TopicNotFoundError } from "../../src/index.js";
import {
  createTopic,
  describeGroup,
  groupOffsets,
  produce,
  readPartition,
  startTestServer,
  type TestServer,
  uniqueName,
} from "../support/group-server.js";

let server: TestServer;
let kafka: Kafka;

beforeAll(async () => {
  server = await startTestServer();
  kafka = new Kafka({ url: server.url });
});
afterAll(() => server.close());

async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length === count) break;
  }
  return out;
}

describe("consumer", () => {
  it("reads every record of its partitions with key, value, headers, offsets, seq and times; commit covers it", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 2);
    const produced = await produce(server.base, topic, [
      { key: "a", value: { n: 1 }, headers: { source: "web" }, partition: 0 },
      { key: "b", value: { n: 2 }, partition: 1 },
      { key: "a", value: { n: 3 }, partition: 0 },
    ]);
    const consumer = kafka.consumer(topic, { group, offset: "earliest", autoCommit: false });
    const seen: ConsumerRecord[] = [];
    for await (const record of consumer) {
      seen.push(record);
      if (seen.length === 3) {
        await record.commit();
        break;
      }
    }
    const byPartition = (p: number) => seen.filter((r) => r.partition === p);
    expect(byPartition(0).map((r) => r.value)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(byPartition(1).map((r) => r.value)).toEqual([{ n: 2 }]);
    const first = byPartition(0)[0]!;
    expect(first).toMatchObject({ topic, key: "a", headers: { source: "web" }, seq: 0, offset: produced[0]!.offset });
    expect(first.nextOffset).toBe(produced[0]!.next_offset);
    expect(typeof first.timestamp).toBe("number");
    expect(typeof first.eventTime).toBe("number");
    // Only the last record was committed, and in autoCommit: false, only an explicit commit counts.
    const last = seen[2]!;
    const offsets = await groupOffsets(server.base, group);
    const committed = offsets.find((o) => o.partition === last.partition)?.committed?.offset;
    expect(committed).toBe(last.nextOffset);
    const other = offsets.find((o) => o.partition !== last.partition)?.committed ?? null;
    expect(other).toBeNull();
  });

  it("commitAsync() of every record, then break: close sends what was asked before leaving the group", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(
      server.base,
      topic,
      [1, 2, 3, 4].map((n) => ({ value: n, partition: 0 })),
    );
    const consumer = kafka.consumer(topic, { group, offset: "earliest", autoCommit: false });
    let count = 0;
    for await (const record of consumer) {
      record.commitAsync();
      if (++count === 4) break;
    }
    const offsets = await groupOffsets(server.base, group);
    expect(offsets.find((o) => o.partition === 0)?.committed?.offset).toBe(produced[3]!.next_offset);
  });

  it("closed while it still checks its topics: it never joins the group, and process() returns", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    await produce(server.base, topic, [{ value: 1, partition: 0 }]);
    // A worker told to stop (SIGTERM) just after it was started: process() has only begun
    // checking the topic when close() comes.
    const consumer = kafka.consumer(topic, { group, offset: "earliest" });
    const handled: unknown[] = [];
    const processing = consumer.process((record) => {
      handled.push(record.value);
    });
    await consumer.close();
    await processing;
    expect(handled).toEqual([]);
    // Nobody joined: the group was never made, so it has no member holding the partition.
    await expect(describeGroup(server.base, group)).rejects.toThrow(/404/);
  });

  it("resumes from its commit after a restart, and autoCommit commits records the loop moved past", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    await produce(
      server.base,
      topic,
      [1, 2, 3, 4, 5].map((n) => ({ value: n })),
    );
    const sdkEvents: string[] = [];
    const observed = new Kafka({ url: server.url, onEvent: (event) => sdkEvents.push(event.type) });
    const first = await take(observed.consumer(topic, { group, offset: "earliest" }), 3);
    expect(first.map((r) => r.value)).toEqual([1, 2, 3]);
    // Commits and rebalances reach the SDK's own hook too.
    expect(sdkEvents).toEqual(expect.arrayContaining(["rebalance", "commit"]));
    // Breaking out closed the consumer, committing records 1 and 2 (the loop moved past them);
    // 3 was in the loop's hands when it broke (a break and a throw look alike), so it comes again.
    const second = await take(kafka.consumer(topic, { group, offset: "earliest" }), 3);
    expect(second.map((r) => r.value)).toEqual([3, 4, 5]);
  });

  it("starts at the tail with 'latest', at the first record since a time with a Date", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 1);
    await produce(server.base, topic, [{ value: "old" }]);
    await new Promise((resolve) => setTimeout(resolve, 5)); // two distinct append times
    const since = new Date();
    await produce(server.base, topic, [{ value: "recent" }]);
    const fromTime = await take(kafka.consumer(topic, { group: uniqueName("g"), offset: since }), 1);
    expect(fromTime.map((r) => r.value)).toEqual(["recent"]);

    let assigned!: () => void;
    const whenAssigned = new Promise<void>((resolve) => (assigned = resolve));
    const latest = kafka.consumer(topic, { group: uniqueName("g"), offset: "latest", onAssigned: () => assigned() });
    const reading = take(latest, 1);
    await whenAssigned;
    await produce(server.base, topic, [{ value: "new" }]);
    expect((await reading).map((r) => r.value)).toEqual(["new"]);
  });

  it("hands its finished offsets to a transaction, which writes results and commits them together", async () => {
    const topic = uniqueName("orders");
    const out = uniqueName("invoices");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    await createTopic(server.base, out, 1);
    const produced = await produce(
      server.base,
      topic,
      [1, 2, 3].map((value) => ({ value })),
    );
    const consumer = kafka.consumer<number>(topic, { group, offset: "earliest", autoCommit: false });
    const handled: number[] = [];
    for await (const record of consumer) {
      if (record.value === 3) {
        // Records 1 and 2 are finished (the loop moved past them): invoice them and commit, atomically.
        await kafka.transaction([out], async (tx) => {
          for (const n of handled) await tx.send({ invoiced: n }, { key: `order-${n}` });
          await tx.commitOffsets(consumer);
        });
        break;
      }
      handled.push(record.value);
    }
    const offsets = await groupOffsets(server.base, group);
    expect(offsets.find((o) => o.topic === topic)?.committed?.offset).toBe(produced[1]!.next_offset);
    const invoices = await readPartition(server.base, out, 0);
    expect(invoices.map((r) => (r.value as { value: unknown }).value)).toEqual([{ invoiced: 1 }, { invoiced: 2 }]);
  });

  it("restarts at the earliest record, and says so, when its committed offset was trimmed away (410)", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = [];
    for (const value of [0, 1, 2, 3, 4]) produced.push(...(await produce(server.base, topic, [{ value }])));
    const first = await take(kafka.consumer<number>(topic, { group, offset: "earliest" }), 3);
    expect(first.map((r) => r.value)).toEqual([0, 1, 2]); // commits up to record 2 (record 2 was in hand)
    const trimmed = await fetch(`${server.base}/__ds/trim/topics/${topic}/0`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ offset: produced[3]!.offset }),
    });
    expect(trimmed.ok).toBe(true);
    const events: ConsumerEvent[] = [];
    const again = kafka.consumer<number>(topic, { group, onEvent: (event) => events.push(event) });
    expect((await take(again, 2)).map((r) => r.value)).toEqual([3, 4]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "consumer:offset-reset", topic, partition: 0, from: produced[2]!.offset }),
    );
  });

  it("holds at most maxPollRecords ahead per fetch and still reads everything", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 1);
    await produce(
      server.base,
      topic,
      Array.from({ length: 25 }, (_, n) => ({ value: n })),
    );
    const records = await take(
      kafka.consumer(topic, { group: uniqueName("g"), offset: "earliest", maxPollRecords: 4 }),
      25,
    );
    expect(records.map((r) => r.value)).toEqual(Array.from({ length: 25 }, (_, n) => n));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, n) => n));
  });

  it("fetches answers uncompressed unless the headers ask for a coding", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 1);
    // Well over the server's 1 KiB compression threshold.
    const values = Array.from({ length: 40 }, (_, n) => ({ n, text: "x".repeat(40) }));
    await produce(
      server.base,
      topic,
      values.map((value) => ({ value })),
    );
    const readThrough = async (headers: Record<string, string> | undefined) => {
      const seen: { asked: string | null; answered: string | null }[] = [];
      const fetch = async (input: string | URL | Request, init?: RequestInit) => {
        const response = await globalThis.fetch(input, init);
        if (String(input).includes("view=records"))
          seen.push({
            asked: new Headers(init?.headers).get("accept-encoding"),
            answered: response.headers.get("content-encoding"),
          });
        return response;
      };
      const client = new Kafka({ url: server.url, fetch, ...(headers === undefined ? {} : { headers }) });
      const records = await take(client.consumer(topic, { group: uniqueName("g"), offset: "earliest" }), values.length);
      expect(records.map((r) => r.value)).toEqual(values);
      return seen[0];
    };
    expect(await readThrough(undefined)).toEqual({ asked: "identity", answered: null });
    expect(await readThrough({ "Accept-Encoding": "gzip" })).toEqual({ asked: "gzip", answered: "gzip" });
  });

  it("refuses an unknown topic with TopicNotFoundError and bad options with INVALID_ARGUMENT", async () => {
    const missing = kafka.consumer(uniqueName("missing"), { group: uniqueName("g") });
    await expect(take(missing, 1)).rejects.toBeInstanceOf(TopicNotFoundError);
    const bad: unknown[] = [
      { group: "" },
      { group: "a b" },
      { group: "g", offset: "middle" },
      { group: "g", maxPollRecords: 0 },
      { group: "g", autoCommitIntervalMs: -1 },
      { group: "g", onAssigned: "no" },
      { group: "g", deserializer: 42 },
    ];
    for (const options of bad) {
      expect(() => kafka.consumer("orders", options as { group: string })).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
    }
    expect(() => kafka.consumer([], { group: "g" })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => kafka.consumer("__x y", { group: "g" })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("turns values through a deserializer, and its failure into a SerializationError", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 1);
    await produce(server.base, topic, [{ value: { total: "42" } }, { value: "not an order" }]);
    const consumer = kafka.consumer(topic, {
      group: uniqueName("g"),
      offset: "earliest",
      deserializer: (value: unknown) => {
        if (typeof value !== "object" || value === null) throw new Error("not an object");
        return { total: Number((value as { total: string }).total) };
      },
    });
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const record of consumer) seen.push(record.value);
      })(),
    ).rejects.toMatchObject({ name: "SerializationError", code: "SERIALIZATION_FAILED" });
    expect(seen).toEqual([{ total: 42 }]);

    // The SDK's serializers work here too: a schema checks each value on the way in.
    const schema = (value: unknown) => {
      if (typeof value !== "object" || value === null) throw new Error("an order is an object");
      return value as { total: string };
    };
    const checked = kafka.consumer(topic, {
      group: uniqueName("g"),
      offset: "earliest",
      deserializer: jsonSerializer(schema),
    });
    const values: unknown[] = [];
    await expect(
      (async () => {
        for await (const record of checked) values.push(record.value);
      })(),
    ).rejects.toMatchObject({ name: "SerializationError", code: "SERIALIZATION_FAILED" });
    expect(values).toEqual([{ total: "42" }]);
  });
});
