import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Kafka, SerializationError, TransactionConflictError } from "../src/index.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "./support/server.js";

let server: TestServer;
let kafka: Kafka;
beforeAll(async () => {
  server = await startTestServer();
  kafka = server.kafka();
});
afterAll(() => server.close());

async function topic(partitions: number): Promise<string> {
  const name = uniqueName("tx");
  await kafka.admin().createTopic(name, { partitions });
  return name;
}

async function allRecords(name: string, partitions: number) {
  const all = [];
  for (let p = 0; p < partitions; p++)
    all.push(...(await partitionRecords(server.url, name, p)).map((r) => ({ ...r, p })));
  return all;
}

describe("kafka.transaction", () => {
  it("writes every send across partitions and topics at once, and answers where each landed", async () => {
    const orders = await topic(3);
    const audit = await topic(1);
    const result = await kafka.transaction([orders, audit], async (tx) => {
      await tx.send({ id: 1, status: "created" }, { key: "order-1" });
      await tx.send({ id: 1, status: "validated" }, { key: "order-1" });
      await tx.send({ id: 2 }, { key: "order-2", headers: { source: "web" } });
      await tx.send({ moved: 3 }, { topic: audit, key: "audit" });
      return "done";
    });
    expect(result.value).toBe("done");
    expect(result.records).toHaveLength(4);
    const stored = [...(await allRecords(orders, 3)), ...(await allRecords(audit, 1))];
    expect(stored).toHaveLength(4);
    for (const meta of result.records) {
      const record = (await partitionRecords(server.url, meta.topic, meta.partition)).find((r) => r.seq === meta.seq)!;
      expect(record.offset).toBe(meta.offset);
      expect(record.next_offset).toBe(meta.nextOffset);
      expect(record.ts).toBe(meta.timestamp);
    }
    // The same key went to the same partition, in send order.
    expect(result.records[0]!.partition).toBe(result.records[1]!.partition);
    expect(result.records[1]!.seq).toBe(result.records[0]!.seq! + 1);
    const second = await partitionRecords(server.url, orders, result.records[2]!.partition);
    expect(second.find((r) => r.seq === result.records[2]!.seq)!.value).toMatchObject({
      key: "order-2",
      value: { id: 2 },
      headers: { source: "web" },
    });
  });

  it("sends nothing when the function throws, and rethrows its error", async () => {
    const name = await topic(2);
    const failure = new Error("validation failed");
    await expect(
      kafka.transaction(name, async (tx) => {
        await tx.send({ id: 1 });
        tx.send({ id: 2 }); // not awaited: still part of the transaction, and still dropped
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await allRecords(name, 2)).toEqual([]);
  });

  it("keeps sends the function did not await, in order", async () => {
    const name = await topic(1);
    const result = await kafka.transaction(name, (tx) => {
      for (let i = 0; i < 5; i++) void tx.send(i);
    });
    expect(result.records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect((await allRecords(name, 1)).map((r) => r.value.value)).toEqual([0, 1, 2, 3, 4]);
  });

  it("fails with SerializationError and sends nothing when a value cannot be serialized", async () => {
    const name = await topic(1);
    const serializer = { serialize: (v: unknown) => (typeof v === "number" ? String(v) : "{broken") };
    const attempt = kafka.transaction(
      name,
      async (tx) => {
        await tx.send(1);
        await tx.send("bad");
      },
      { serializer },
    );
    await expect(attempt).rejects.toBeInstanceOf(SerializationError);
    await expect(attempt).rejects.toMatchObject({ code: "SERIALIZATION_FAILED" });
    expect(await allRecords(name, 1)).toEqual([]);
  });

  it("refuses a topic the transaction did not name, an unknown topic, and a missing partition", async () => {
    const name = await topic(2);
    await expect(kafka.transaction(name, (tx) => tx.send(1, { topic: "elsewhere" }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(kafka.transaction(uniqueName("missing"), (tx) => tx.send(1))).rejects.toMatchObject({
      code: "TOPIC_NOT_FOUND",
    });
    await expect(kafka.transaction(name, (tx) => tx.send(1, { partition: 7 }))).rejects.toMatchObject({
      code: "PARTITION_NOT_FOUND",
    });
    await expect(kafka.transaction([], () => undefined)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(kafka.transaction("__bad", () => undefined)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await allRecords(name, 2)).toEqual([]);
  });

  it("answers TRANSACTION_CONFLICT with each refusal when a partition cannot take the records, writing none", async () => {
    const name = await topic(2);
    // Partition 1 closed directly: a transaction touching it is refused as a whole.
    const closed = await fetch(`${server.url}/v1/stream/topics/${name}/1`, {
      method: "POST",
      headers: { "stream-closed": "true" },
    });
    expect(closed.ok).toBe(true);
    const attempt = kafka.transaction(name, async (tx) => {
      await tx.send("a", { partition: 0 });
      await tx.send("b", { partition: 1 });
    });
    await expect(attempt).rejects.toBeInstanceOf(TransactionConflictError);
    const error = (await attempt.catch((e) => e)) as TransactionConflictError;
    expect(error.refusals).toEqual([expect.objectContaining({ code: "STREAM_CLOSED", item: 1 })]);
    expect(await partitionRecords(server.url, name, 0)).toEqual([]);
    // The partition that took nothing is still usable by the next transaction.
    const next = await kafka.transaction(name, (tx) => tx.send("c", { partition: 0 }));
    expect(next.records[0]).toMatchObject({ partition: 0, seq: 0 });
  });

  it("runs transactions on the same partitions concurrently without losing or doubling one", async () => {
    const name = await topic(2);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        kafka.transaction(name, async (tx) => {
          await tx.send({ i, part: 0 }, { partition: 0 });
          await tx.send({ i, part: 1 }, { partition: 1 });
          return i;
        }),
      ),
    );
    expect(results.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const p of [0, 1]) {
      const stored = await partitionRecords(server.url, name, p);
      expect(stored.map((r) => (r.value.value as { i: number }).i).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      );
    }
  });

  it("a transaction without sends or commits sends nothing and returns the value", async () => {
    const name = await topic(1);
    const result = await kafka.transaction(name, () => 42);
    expect(result).toEqual({ value: 42, records: [] });
  });
});

describe("transaction retries and group commits", () => {
  it("retries a transaction whose answer was lost without writing it twice", async () => {
    const name = await topic(2);
    let lost = 0;
    const flaky = server.kafka({
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        if (url.endsWith("/__ds/transactions") && lost === 0) {
          lost++;
          throw new TypeError("connection reset after the server answered");
        }
        return response;
      },
    });
    const result = await flaky.transaction(name, async (tx) => {
      await tx.send("x", { partition: 0 });
      await tx.send("y", { partition: 1 });
    });
    expect(lost).toBe(1);
    // The retry was answered as already written, with the original results.
    expect(result.records).toEqual([
      expect.objectContaining({ partition: 0, seq: 0, duplicate: true }),
      expect.objectContaining({ partition: 1, seq: 0, duplicate: true }),
    ]);
    expect((await allRecords(name, 2)).map((r) => r.value.value)).toEqual(["x", "y"]);
    // Later transactions carry on from there.
    const next = await flaky.transaction(name, (tx) => tx.send("z", { partition: 0 }));
    expect(next.records[0]).toMatchObject({ seq: 1 });
    expect(next.records[0]!.duplicate).toBeUndefined();
  });

  it("sends a group commit as the transaction's commit part, from an object or a consumer", async () => {
    const name = await topic(1);
    const bodies: Record<string, unknown>[] = [];
    const recording = server.kafka({
      fetch: async (url, init) => {
        if (url.endsWith("/__ds/transactions")) bodies.push(JSON.parse(String(init.body)));
        return fetch(url, init);
      },
    });
    const offsets = [{ topic: name, partition: 0, offset: "0000000000000000_0000000000000000" }];
    const consumer = { transactionCommit: () => ({ group: "billing", memberId: "m-1", memberEpoch: 3, offsets }) };
    // Whether the server takes the part depends on its participants; the request is what is checked here.
    await recording
      .transaction(name, async (tx) => {
        await tx.send("out");
        await tx.commitOffsets(consumer);
      })
      .catch(() => undefined);
    expect(bodies[0]).toMatchObject({
      items: [{ path: `topics/${name}/0`, body: [{ key: null, value: "out", headers: {} }] }],
      commit: { group: "billing", member_id: "m-1", member_epoch: 3, offsets },
    });
  });

  it("refuses malformed commits with INVALID_ARGUMENT before sending anything", async () => {
    const name = await topic(1);
    const bad = [
      { offsets: [] },
      { group: "g", offsets: [] },
      { group: "g", memberId: "m", offsets: [{ topic: name, partition: 0, offset: "x" }] },
      { group: "g", offsets: [{ topic: name, partition: -1, offset: "x" }] },
      {
        group: "g",
        offsets: [
          { topic: name, partition: 0, offset: "x" },
          { topic: name, partition: 0, offset: "y" },
        ],
      },
    ];
    for (const commit of bad) {
      await expect(
        kafka.transaction(name, async (tx) => {
          await tx.send(1);
          await tx.commitOffsets(commit as never);
        }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
    expect(await allRecords(name, 1)).toEqual([]);
  });
});
