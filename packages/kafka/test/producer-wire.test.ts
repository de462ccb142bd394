/**
 * The producer's wire (docs/kafka-layer.md, "Idempotent produce, per partition"): a linger
 * window's records for all partitions go out as one request, each partition numbered on its
 * own; a partition's refusal fails only its records; a share that overtakes the one before it
 * lands once that one did, in order; a lost answer is retried as a duplicate, never twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Kafka, PartitionNotFoundError } from "../src/index.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "./support/server.js";

let server: TestServer;
let kafka: Kafka;
beforeAll(async () => {
  server = await startTestServer();
  kafka = server.kafka();
});
afterAll(() => server.close());

async function topic(partitions: number): Promise<string> {
  const name = uniqueName("wire");
  await kafka.admin().createTopic(name, { partitions });
  return name;
}

interface Post {
  partitions: string | null;
  status?: number;
}

/** A Kafka object whose produce requests are recorded, and optionally steered by `around`. */
function watched(
  name: string,
  around?: (post: Post, index: number, send: () => Promise<Response>) => Promise<Response>,
): { kafka: Kafka; posts: Post[] } {
  const posts: Post[] = [];
  const client = server.kafka({
    fetch: async (url, init) => {
      if (init.method !== "POST" || !url.endsWith(`/topics/${name}/records`)) return fetch(url, init);
      const headers = new Headers(init.headers);
      const post: Post = { partitions: headers.get("producer-partitions") };
      const index = posts.push(post) - 1;
      const send = () => fetch(url, init);
      const response = around ? await around(post, index, send) : await send();
      post.status = response.status;
      return response;
    },
  });
  return { kafka: client, posts };
}

function latch(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("producer wire", () => {
  it("sends one request for every partition of a window, each partition numbered from 0", async () => {
    const name = await topic(4);
    const { kafka: client, posts } = watched(name);
    const producer = client.producer(name, { lingerMs: 20 });
    const sent = await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ value: i, partition: i % 4 })));
    await producer.close();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.partitions!.split(",").sort()).toEqual(["0:0:0", "1:0:0", "2:0:0", "3:0:0"]);
    for (let p = 0; p < 4; p++) {
      const stored = await partitionRecords(server.url, name, p);
      const mine = sent.filter((m) => m.partition === p);
      expect(stored.map((r) => r.value.value)).toEqual(mine.map((_, k) => p + 4 * k));
      expect(mine.map((m) => [m.seq, m.offset])).toEqual(stored.map((r) => [r.seq, r.offset]));
    }
  });

  it("a partition the server refuses fails its own records only; the request's others land", async () => {
    const name = await topic(2);
    const producer = kafka.producer(name);
    await producer.sendBatch([
      { value: "a", partition: 0 },
      { value: "b", partition: 1 },
    ]);
    await fetch(`${server.url}/v1/stream/topics/${name}/1`, { method: "DELETE" });
    const outcomes = await Promise.allSettled([
      producer.send("c", { partition: 0 }),
      producer.send("d", { partition: 1 }),
    ]);
    expect(outcomes[0]).toMatchObject({ status: "fulfilled", value: { partition: 0, seq: 1 } });
    expect(outcomes[1]).toMatchObject({ status: "rejected", reason: { code: "PARTITION_NOT_FOUND" } });
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(PartitionNotFoundError);
    await producer.close();
    expect((await partitionRecords(server.url, name, 0)).map((r) => r.value.value)).toEqual(["a", "c"]);
  });

  it("a share that overtook the one before it is refused as a gap and lands after it, in order", async () => {
    const name = await topic(1);
    const overtaken = latch();
    const { kafka: client, posts } = watched(name, async (_post, index, send) => {
      // The second request waits until the third one has been answered.
      if (index === 1) await overtaken.promise;
      const response = await send();
      if (index === 2) overtaken.open();
      return response;
    });
    const producer = client.producer(name, { lingerMs: 1, retryBackoffMs: 1 });
    await producer.send("a");
    const b = producer.send("b");
    while (posts.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const c = producer.send("c");
    const [mb, mc] = await Promise.all([b, c]);
    await producer.close();
    expect(posts.map((p) => p.partitions)).toEqual(["0:0:0", "0:0:1", "0:0:2", "0:0:2"]);
    expect(posts.map((p) => p.status)).toEqual([200, 200, 409, 200]);
    expect([mb.seq, mc.seq]).toEqual([1, 2]);
    expect(mc.duplicate).toBeUndefined();
    expect((await partitionRecords(server.url, name, 0)).map((r) => r.value.value)).toEqual(["a", "b", "c"]);
  });

  it("a partition answered as retriable is resent alone with the same seq, and lands once", async () => {
    const name = await topic(2);
    const { kafka: client, posts } = watched(name, async (_post, index, send) => {
      const response = await send();
      if (index !== 0) return response;
      // The server wrote both partitions, but the answer says partition 1 was unavailable.
      const body = (await response.json()) as { partitions: { partition: number; count: number }[] };
      const partitions = body.partitions.map((p) =>
        p.partition === 1 ? { partition: 1, count: 1, error: { code: "UNAVAILABLE", message: "try again" } } : p,
      );
      return new Response(JSON.stringify({ partitions }), {
        status: 207,
        headers: { "content-type": "application/json" },
      });
    });
    const producer = client.producer(name, { retryBackoffMs: 1 });
    const sent = await producer.sendBatch([
      { value: "x", partition: 0 },
      { value: "y", partition: 1 },
    ]);
    await producer.close();
    expect(posts.map((p) => p.partitions)).toEqual(["0:0:0,1:0:0", "1:0:0"]);
    expect(sent[0]).toMatchObject({ partition: 0, seq: 0 });
    expect(sent[0]!.duplicate).toBeUndefined();
    expect(sent[1]).toMatchObject({ partition: 1, duplicate: true });
    expect((await partitionRecords(server.url, name, 1)).map((r) => r.value.value)).toEqual(["y"]);
  });

  it("asks for one answer per share, and reads a server's per-record answer the same way", async () => {
    const name = await topic(3);
    const records = Array.from({ length: 30 }, (_, i) => ({ value: { i, text: "é".repeat(i) }, partition: i % 3 }));
    const asked: (string | null)[] = [];
    const compact = server.kafka({
      fetch: (url, init) => {
        if (init.method === "POST") asked.push(new Headers(init.headers).get("produce-answer"));
        return fetch(url, init);
      },
    });
    // A server that does not know the header: it answers per record.
    const older = server.kafka({
      fetch: (url, init) => {
        if (init.method !== "POST") return fetch(url, init);
        const headers = new Headers(init.headers);
        headers.delete("produce-answer");
        return fetch(url, { ...init, headers });
      },
    });
    const viaShares = await compact.producer(name).sendBatch(records);
    const viaRecords = await older.producer(name).sendBatch(records);
    expect(asked).toEqual(["partitions"]);
    for (let p = 0; p < 3; p++) {
      const stored = await partitionRecords(server.url, name, p);
      const mine = [...viaShares, ...viaRecords].filter((m) => m.partition === p);
      expect(mine.map((m) => [m.seq, m.offset, m.nextOffset, m.timestamp])).toEqual(
        stored.map((r) => [r.seq, r.offset, r.next_offset, r.ts]),
      );
    }
  });

  it("a partition that may not send yet queues full shares: no request over 10,000 records or naming a partition twice", async () => {
    const name = await topic(2);
    const requests: { records: number; partitions: string[] }[] = [];
    const client = server.kafka({
      fetch: (url, init) => {
        if (init.method === "POST" && url.endsWith(`/topics/${name}/records`)) {
          const partitions = (new Headers(init.headers).get("producer-partitions") ?? "").split(",");
          requests.push({ records: (JSON.parse(String(init.body)) as unknown[]).length, partitions });
        }
        return fetch(url, init);
      },
    });
    const producer = client.producer(name);
    // Partition 0's first share fills at 10,000 and goes; the next 15,000 wait until it landed.
    const sent = await producer.sendBatch(
      Array.from({ length: 25_100 }, (_, i) => ({ value: i, partition: i < 25_000 ? 0 : 1 })),
    );
    await producer.close();
    expect(sent.map((m) => m.seq)).toEqual([
      ...Array.from({ length: 25_000 }, (_, i) => i),
      ...Array.from({ length: 100 }, (_, i) => i),
    ]);
    expect(Math.max(...requests.map((r) => r.records))).toBeLessThanOrEqual(10_000);
    for (const request of requests) {
      const named = request.partitions.map((entry) => entry.split(":")[0]);
      expect(new Set(named).size).toBe(named.length);
    }
    // Record i of partition 0 landed at seq i: in order, each once.
    const described = await (await fetch(`${server.url}/v1/stream/__ds/topics/${name}`)).json();
    expect((described as { partitions: { next_seq: number }[] }).partitions.map((p) => p.next_seq)).toEqual([
      25_000, 100,
    ]);
  });

  it("once the layout is known a batch is one promise: a refused partition rejects it, the rest land, flush reports it", async () => {
    const name = await topic(2);
    const events: string[] = [];
    const client = server.kafka({
      onEvent: (event) => events.push(`${event.type}:${"partition" in event ? String(event.partition) : ""}`),
    });
    const producer = client.producer(name);
    await producer.send("first", { partition: 0 });
    await fetch(`${server.url}/v1/stream/topics/${name}/1`, { method: "DELETE" });
    const batch = producer.sendBatch([
      { value: "a", partition: 0 },
      { value: "b", partition: 1 },
      { value: "c", partition: 0 },
    ]);
    const flushed = producer.flush();
    await expect(batch).rejects.toBeInstanceOf(PartitionNotFoundError);
    await expect(flushed).rejects.toMatchObject({ code: "PARTITION_NOT_FOUND" });
    await producer.close();
    expect((await partitionRecords(server.url, name, 0)).map((r) => r.value.value)).toEqual(["first", "a", "c"]);
    expect(events.sort()).toEqual(["send-failed:1", "send:0", "send:0", "send:0"]);
  });
});
