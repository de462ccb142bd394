import { type ClientEvent, DurableStream, StaleEpochError, type StreamError } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, isPost, startFaultProxy } from "./support/fault-proxy.js";
import { eventually, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startTestServer();
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await server.close();
});

async function jsonStream(name: string, onEvent?: (event: ClientEvent) => void, base?: string) {
  const url = server.streamUrl(name, base);
  return DurableStream.create({ url, contentType: "application/json", ...(onEvent ? { onEvent } : {}) });
}

async function contents(handle: DurableStream): Promise<unknown[]> {
  return (await new DurableStream({ url: handle.url }).stream()).json();
}

const sent = (events: ClientEvent[]) =>
  events.filter((e): e is Extract<ClientEvent, { type: "producer:batch-sent" }> => e.type === "producer:batch-sent");

describe("IdempotentProducer", () => {
  it("queues appends at once, batches them, and flush resolves with the last offset", async () => {
    const events: ClientEvent[] = [];
    const handle = await jsonStream("basic", (e) => events.push(e));
    const producer = new IdempotentProducer(handle, "p1");
    for (let i = 0; i < 20; i++) expect(producer.append({ i })).toBeUndefined();
    const result = await producer.flush();
    expect(result).toEqual({ offset: (await handle.head()).offset, duplicates: 0 });
    expect(await contents(handle)).toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
    // Lingering gathered the synchronous appends into far fewer requests than items.
    expect(sent(events).length).toBeLessThan(5);
    expect(sent(events).map((e) => e.seq)).toEqual(sent(events).map((_, i) => i));
  });

  it("cuts batches at maxBatchItems and maxBatchBytes", async () => {
    const events: ClientEvent[] = [];
    const handle = await jsonStream("limits", (e) => events.push(e));
    const byItems = new IdempotentProducer(handle, "items", { maxBatchItems: 3 });
    for (let i = 0; i < 10; i++) byItems.append(i);
    await byItems.flush();
    expect(sent(events).map((e) => e.items)).toEqual([3, 3, 3, 1]);

    events.length = 0;
    const byBytes = new IdempotentProducer(handle, "bytes", { maxBatchBytes: 25 });
    for (let i = 0; i < 6; i++) byBytes.append("abcdef"); // 8 bytes each as JSON
    await byBytes.flush();
    expect(sent(events).every((e) => e.bytes <= 25)).toBe(true);
    expect(sent(events).map((e) => e.items)).toEqual([2, 2, 2]);
    expect((await contents(handle)).length).toBe(16);
  });

  it("rejects an item larger than maxBatchBytes at once, without queueing it", async () => {
    const handle = await jsonStream("oversize");
    const producer = new IdempotentProducer(handle, "p", { maxBatchBytes: 16 });
    producer.append("ok");
    expect(() => producer.append("x".repeat(40))).toThrow(
      expect.objectContaining({ code: "PAYLOAD_TOO_LARGE", message: expect.stringContaining("maxBatchBytes") }),
    );
    await producer.flush();
    expect(await contents(handle)).toEqual(["ok"]);
  });

  it("sends after lingerMs without a flush", async () => {
    const handle = await jsonStream("linger");
    const producer = new IdempotentProducer(handle, "p", { lingerMs: 20 });
    producer.append("soon");
    await eventually(async () => (await contents(handle)).length === 1);
  });

  it("lingerMs Infinity: batches are cut by size and flushes only, so a re-run lands nothing twice", async () => {
    const events: ClientEvent[] = [];
    const handle = await jsonStream("no-linger", (e) => events.push(e));
    const items = Array.from({ length: 25 }, (_, i) => ({ i }));
    const run = async (pauseEvery: number) => {
      const producer = new IdempotentProducer(handle, "importer", {
        lingerMs: Number.POSITIVE_INFINITY,
        maxBatchItems: 10,
      });
      for (const [index, item] of items.entries()) {
        producer.append(item);
        // Pauses that a timed linger would cut batches at.
        if (index % pauseEvery === 0) await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const closed = await producer.close();
      expect(producer.sealedBatches).toBe(3);
      return closed;
    };
    const duplicates = () => events.filter((e) => e.type === "producer:duplicate").map((e) => e.seq);
    expect((await run(3)).duplicates).toBe(0);
    expect(sent(events).map((e) => e.items)).toEqual([10, 10, 5]);
    expect(duplicates()).toEqual([]);
    // Every batch of the re-run was one the server already had, all counted by close().
    expect((await run(7)).duplicates).toBe(3);
    // Pipelined batches are answered in any order (through a cluster, by different nodes).
    expect(duplicates().toSorted((a, b) => a - b)).toEqual([0, 1, 2]);
    expect(await contents(handle)).toEqual(items);
  });

  it("a batch whose linger ran out while every slot was busy keeps taking items until one frees", async () => {
    const events: ClientEvent[] = [];
    const handle = await jsonStream("linger-busy", (e) => events.push(e), proxy.url);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    proxy.setRule((request) => {
      if (!isPost(request) || !first) return undefined;
      first = false;
      return { kind: "hold", release: held };
    });
    const seenBefore = proxy.requests.length;
    const producer = new IdempotentProducer(handle, "p", { lingerMs: 1, maxInFlight: 1 });
    producer.append(0);
    await eventually(() => proxy.requests.slice(seenBefore).some(isPost));
    // Each of these appends outlives the linger; the one slot is taken by the held request.
    for (let i = 1; i <= 5; i++) {
      producer.append(i);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(producer.sealedBatches).toBe(1);
    release();
    await producer.flush();
    expect(sent(events).map((e) => e.items)).toEqual([1, 5]);
    expect(await contents(handle)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("writes byte and text items to non-JSON streams", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("bytes"), contentType: "text/plain" });
    const producer = new IdempotentProducer(handle, "p");
    producer.append("ab");
    producer.append(new TextEncoder().encode("cd"));
    await producer.flush();
    expect(await (await handle.stream()).text()).toBe("abcd");
    expect(() => producer.append({ not: "bytes" })).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it("close() flushes and, if asked, closes the stream with a final item", async () => {
    const handle = await jsonStream("close");
    const producer = new IdempotentProducer(handle, "p");
    producer.append(1);
    const result = await producer.close({ finalItem: "last" });
    expect(result.closed).toBe(true);
    expect(result.offset).toBe((await handle.head()).offset);
    expect((await handle.head()).closed).toBe(true);
    expect(await contents(handle)).toEqual([1, "last"]);
    expect(() => producer.append(2)).toThrow(expect.objectContaining({ code: "USAGE" }));
    // close() is idempotent.
    expect(await producer.close()).toEqual(result);
  });

  it("close() without closeStream leaves the stream open", async () => {
    const handle = await jsonStream("close-open");
    const producer = new IdempotentProducer(handle, "p");
    producer.append(1);
    expect((await producer.close()).closed).toBe(false);
    expect((await handle.head()).closed).toBe(false);
  });

  it("restart() bumps the epoch and starts again at seq 0", async () => {
    const handle = await jsonStream("restart");
    const producer = new IdempotentProducer(handle, "p", { epoch: 2 });
    producer.append("a");
    await producer.flush();
    expect(producer.epoch).toBe(2);
    expect(producer.nextSeq).toBe(1);
    await producer.restart();
    expect(producer.epoch).toBe(3);
    expect(producer.nextSeq).toBe(0);
    producer.append("b");
    await producer.flush();
    expect(await contents(handle)).toEqual(["a", "b"]);
  });

  it("a fenced producer fails with STALE_EPOCH (server epoch), tells onError once, and restart() recovers", async () => {
    const handle = await jsonStream("fenced");
    const errors: StreamError[] = [];
    const zombie = new IdempotentProducer(handle, "shared", { onError: (e) => errors.push(e) });
    zombie.append("z1");
    await zombie.flush();
    const successor = new IdempotentProducer(handle, "shared", { epoch: 4 });
    successor.append("s1");
    await successor.flush();

    zombie.append("z2");
    const error = await zombie.flush().catch((e: StreamError) => e);
    expect(error).toBeInstanceOf(StaleEpochError);
    expect((error as StaleEpochError).serverEpoch).toBe(4);
    expect(errors).toHaveLength(1);
    expect(() => zombie.append("z3")).toThrow(StaleEpochError);
    await expect(zombie.flush()).rejects.toBeInstanceOf(StaleEpochError);

    await zombie.restart();
    expect(zombie.epoch).toBe(5);
    zombie.append("z4");
    await zombie.flush();
    expect(await contents(handle)).toEqual(["z1", "s1", "z4"]);
  });

  it("autoClaim takes over from a newer epoch and delivers everything", async () => {
    const handle = await jsonStream("claim");
    const other = new IdempotentProducer(handle, "serverless", { epoch: 7 });
    other.append("other");
    await other.flush();
    const fresh = new IdempotentProducer(handle, "serverless", { autoClaim: true, maxInFlight: 3, maxBatchItems: 2 });
    for (let i = 0; i < 7; i++) fresh.append(i);
    await fresh.flush();
    expect(fresh.epoch).toBe(8);
    expect(await contents(handle)).toEqual(["other", 0, 1, 2, 3, 4, 5, 6]);
  });

  it("autoClaim resends pipelined batches fenced mid-flight, in their original order", async () => {
    const handle = await jsonStream("claim-pipelined");
    const producer = new IdempotentProducer(handle, "shared", { autoClaim: true, maxInFlight: 3, maxBatchItems: 1 });
    producer.append("a0");
    await producer.flush();
    const fencer = new IdempotentProducer(handle, "shared", { epoch: 1 });
    fencer.append("fence");
    await fencer.flush();
    for (let i = 1; i <= 6; i++) producer.append(`a${i}`);
    await producer.flush();
    expect(producer.epoch).toBe(2);
    expect(await contents(handle)).toEqual(["a0", "fence", "a1", "a2", "a3", "a4", "a5", "a6"]);
  });

  it("pipelines up to maxInFlight batches, the first of an epoch alone", async () => {
    const direct = await jsonStream("pipeline");
    const via = new DurableStream({
      url: `${proxy.url}${new URL(direct.url).pathname}`,
      contentType: "application/json",
    });
    const before = proxy.requests.length;
    const active: number[] = [];
    let now = 0;
    proxy.setRule((request) => {
      if (!isPost(request)) return undefined;
      now++;
      active.push(now);
      setTimeout(() => now--, 60);
      return { kind: "delay", ms: 60 };
    });
    const producer = new IdempotentProducer(via, "p", { maxInFlight: 3, maxBatchItems: 1 });
    for (let i = 0; i < 10; i++) producer.append(i);
    await producer.flush();
    expect(await contents(direct)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    // Each of the ten batches was accepted exactly once. Through a three-node cluster on a busy
    // machine a pipelined seq can outlast the server's reorder wait and be answered as a gap
    // (409, §5.2.1), which the producer sends again: such refusals are the only extra requests.
    const sent = proxy.requests.slice(before);
    expect(sent.filter((r) => r.status !== undefined && r.status < 300)).toHaveLength(10);
    expect(sent.filter((r) => r.status === undefined || r.status >= 300).every((r) => r.status === 409)).toBe(true);
    expect(active[0]).toBe(1);
    expect(Math.max(...active)).toBe(3);
  });

  it("handles out-of-order arrivals: a sequence gap waits for the earlier batch and retries", async () => {
    const strict = await startTestServer({ producerReorderWaitMs: 0 });
    const strictProxy = await startFaultProxy(strict.url);
    try {
      const direct = await DurableStream.create({ url: strict.streamUrl("gap"), contentType: "application/json" });
      const via = new DurableStream({
        url: `${strictProxy.url}${new URL(direct.url).pathname}`,
        contentType: "application/json",
      });
      // Hold back seq 1 until seq 2 and 3 were answered (409 gaps: the server waits for no one).
      const seqAnswered = (seq: string) => strictProxy.answered((request) => request.headers["producer-seq"] === seq);
      const gapsAnswered = Promise.all([seqAnswered("2"), seqAnswered("3")]);
      strictProxy.setRule((request) =>
        isPost(request) && request.headers["producer-seq"] === "1" && request.index < 4
          ? { kind: "hold", release: gapsAnswered }
          : undefined,
      );
      const events: ClientEvent[] = [];
      const producer = new IdempotentProducer(
        new DurableStream({
          url: via.url,
          contentType: "application/json",
          onEvent: (e) => events.push(e),
        }),
        "p",
        { maxInFlight: 4, maxBatchItems: 1 },
      );
      producer.append("first");
      await producer.flush();
      for (const item of ["a", "b", "c"]) producer.append(item);
      await producer.flush();
      expect(await contents(direct)).toEqual(["first", "a", "b", "c"]);
      const gaps = strictProxy.requests.filter((r) => r.headers["producer-seq"] === "2").length;
      expect(gaps).toBeGreaterThan(1);
    } finally {
      await strictProxy.close();
      await strict.close();
    }
  });

  it("uses the handle's fetch and headers", async () => {
    const auth: (string | null)[] = [];
    const handle = await DurableStream.create({
      url: server.streamUrl("auth"),
      contentType: "application/json",
      headers: { authorization: () => "Bearer producer-token" },
      fetch: (input, init) => {
        auth.push(new Headers(init.headers).get("authorization"));
        return fetch(input, init);
      },
    });
    const producer = new IdempotentProducer(handle, "p");
    producer.append(1);
    await producer.flush();
    expect(auth.length).toBe(2);
    expect(auth.every((a) => a === "Bearer producer-token")).toBe(true);
  });

  it("reports a permanent failure to onError for fire-and-forget use", async () => {
    const handle = await jsonStream("gone");
    const errors: StreamError[] = [];
    const producer = new IdempotentProducer(handle, "p", { onError: (e) => errors.push(e) });
    await handle.delete();
    producer.append(1);
    await eventually(() => errors.length === 1);
    expect(errors[0]?.code).toBe("NOT_FOUND");
    expect(producer.error?.code).toBe("NOT_FOUND");
  });
});
