/**
 * consumer.process(): concurrent handlers, per-key order, commits that never pass a record
 * still being handled, and dead letters sent with their commit in one transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommittedPosition, type ConsumerEvent, Kafka } from "../../src/index.js";
import {
  createTopic,
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

/** A promise with its resolve function, to block a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves when `predicate` holds for an event seen so far or later. */
function eventWatcher() {
  const events: ConsumerEvent[] = [];
  const waiting: { predicate: (e: ConsumerEvent) => boolean; resolve: () => void }[] = [];
  return {
    events,
    onEvent(event: ConsumerEvent) {
      events.push(event);
      for (const w of waiting.splice(0))
        if (w.predicate(event)) w.resolve();
        else waiting.push(w);
    },
    when(predicate: (e: ConsumerEvent) => boolean): Promise<void> {
      if (events.some(predicate)) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ predicate, resolve }));
    },
  };
}

const committedAt = (offset: string) => (e: ConsumerEvent) =>
  e.type === "consumer:commit" && e.offsets.some((o: CommittedPosition) => o.offset === offset);

describe("process()", () => {
  it("handles records concurrently but never commits past one still being handled", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(
      server.base,
      topic,
      Array.from({ length: 10 }, (_, n) => ({ key: `k${n}`, value: n })),
    );
    const blocked = gate();
    const allButBlocked = gate();
    const handled: number[] = [];
    const watcher = eventWatcher();
    const consumer = kafka.consumer<number>(topic, { group, offset: "earliest", onEvent: watcher.onEvent });
    const processing = consumer.process(
      async (record) => {
        if (record.value === 2) await blocked.promise;
        handled.push(record.value);
        if (handled.length === 9) allButBlocked.open();
      },
      { concurrency: 4 },
    );
    await allButBlocked.promise;
    // Everything after record 2 is done, yet the commit stops where record 2 starts.
    await watcher.when(committedAt(produced[1]!.next_offset));
    await consumer.commit();
    let offsets = await groupOffsets(server.base, group);
    expect(offsets[0]!.committed?.offset).toBe(produced[2]!.offset);
    const beyond = produced.slice(2).map((p) => p.next_offset);
    expect(
      watcher.events.some((e) => e.type === "consumer:commit" && e.offsets.some((o) => beyond.includes(o.offset))),
    ).toBe(false);
    blocked.open();
    await watcher.when(committedAt(produced[9]!.next_offset));
    await consumer.close();
    await processing;
    offsets = await groupOffsets(server.base, group);
    expect(offsets[0]!.committed?.offset).toBe(produced[9]!.next_offset);
    expect(handled.toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("keeps each key's records in order, one at a time, while other keys run beside them", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 2);
    const records = Array.from({ length: 40 }, (_, n) => ({ key: `key-${n % 4}`, value: n }));
    await produce(server.base, topic, records);
    const order = new Map<string, number[]>();
    const inFlight = new Map<string, number>();
    let running = 0;
    let mostRunning = 0;
    let overlapped = false;
    const done = gate();
    let count = 0;
    const consumer = kafka.consumer<number>(topic, { group: uniqueName("g"), offset: "earliest" });
    const processing = consumer.process(
      async (record) => {
        const key = record.key!;
        if ((inFlight.get(key) ?? 0) > 0) overlapped = true;
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        // Yield a varying number of times so handlers finish out of order.
        for (let i = 0; i < (record.value * 7) % 5; i++) await new Promise((resolve) => setImmediate(resolve));
        order.set(key, [...(order.get(key) ?? []), record.value]);
        inFlight.set(key, inFlight.get(key)! - 1);
        running -= 1;
        if (++count === records.length) done.open();
      },
      { concurrency: 8, perKeyOrdering: true },
    );
    await done.promise;
    await consumer.close();
    await processing;
    expect(overlapped).toBe(false);
    expect(mostRunning).toBeGreaterThan(1);
    for (const [key, values] of order) {
      const expected = records.filter((r) => r.key === key).map((r) => r.value);
      expect(values).toEqual(expected);
    }
  });

  it("without a dead-letter topic, a failing handler ends process() with its error and the record is not committed", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(server.base, topic, [{ value: "ok" }, { value: "bad" }, { value: "ok" }]);
    const consumer = kafka.consumer<string>(topic, { group, offset: "earliest" });
    await expect(
      consumer.process(async (record) => {
        if (record.value === "bad") throw new Error("cannot handle bad");
      }),
    ).rejects.toMatchObject({ code: "HANDLER_FAILED", message: "cannot handle bad" });
    const offsets = await groupOffsets(server.base, group);
    expect(offsets[0]!.committed?.offset).toBe(produced[1]!.offset);
  });

  it("sends a record that keeps failing to the dead-letter topic with its origin and error, and commits it in the same transaction", async () => {
    const topic = uniqueName("orders");
    const dlq = `${topic}-dlq`;
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    await createTopic(server.base, dlq, 1);
    const produced = await produce(server.base, topic, [
      { key: "c1", value: "ok" },
      { key: "c2", value: "bad", headers: { trace: "t-1" } },
      { key: "c3", value: "ok" },
    ]);
    const attempts: string[] = [];
    const watcher = eventWatcher();
    const consumer = kafka.consumer<string>(topic, { group, offset: "earliest", onEvent: watcher.onEvent });
    const processing = consumer.process(
      async (record) => {
        attempts.push(record.value);
        if (record.value === "bad") throw new TypeError("price missing");
      },
      { deadLetter: { topic: dlq, maxAttempts: 2 } },
    );
    await watcher.when(committedAt(produced[2]!.next_offset));
    await consumer.close();
    await processing;
    expect(attempts).toEqual(["ok", "bad", "bad", "ok"]);
    const letters = await readPartition(server.base, dlq, 0);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.value).toMatchObject({
      key: "c2",
      value: "bad",
      headers: {
        trace: "t-1",
        "original-topic": topic,
        "original-partition": "0",
        "original-offset": produced[1]!.offset,
        "original-seq": "1",
        "error-message": "price missing",
        "error-name": "TypeError",
        "error-attempts": "2",
      },
    });
    // The dead letter's transaction committed past the bad record.
    expect(watcher.events.some(committedAt(produced[1]!.next_offset))).toBe(true);
  });

  it("commits nothing when the dead letter cannot be written: both happen or neither", async () => {
    const topic = uniqueName("orders");
    const dlq = `${topic}-dlq`;
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    await createTopic(server.base, dlq, 1);
    // A closed partition refuses appends: the transaction must be refused whole.
    const closed = await fetch(`${server.base}/topics/${dlq}/0`, {
      method: "POST",
      headers: { "stream-closed": "true" },
    });
    expect(closed.ok).toBe(true);
    const produced = await produce(server.base, topic, [{ value: "ok" }, { value: "bad" }]);
    const consumer = kafka.consumer<string>(topic, { group, offset: "earliest" });
    await expect(
      consumer.process(
        async (record) => {
          if (record.value === "bad") throw new Error("no");
        },
        { deadLetter: { topic: dlq, maxAttempts: 1 } },
      ),
    ).rejects.toMatchObject({ code: "TRANSACTION_CONFLICT" });
    const offsets = await groupOffsets(server.base, group);
    expect(offsets[0]!.committed?.offset).toBe(produced[1]!.offset);
    expect(await readPartition(server.base, dlq, 0)).toEqual([]);
  });
});
