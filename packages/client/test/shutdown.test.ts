/**
 * Shutdown inside one process: `await using` closes producers, stops consumers and cancels
 * reads; flush() and close() can stop waiting without failing the producer. Against a real
 * server, with a proxy that holds a producer's request until the test lets it go.
 */
import { type ClientEvent, DurableStream } from "@rivulet/client";
import { Consumer, MemoryOffsetStore } from "@rivulet/client/consumer";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, firstN, isPost, isSse, startFaultProxy } from "./support/fault-proxy.js";
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

async function jsonStream(name: string): Promise<{ direct: DurableStream; proxied: DurableStream }> {
  const direct = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  const proxied = new DurableStream({
    url: `${proxy.url}${new URL(direct.url).pathname}`,
    contentType: "application/json",
  });
  return { direct, proxied };
}

/** A request the proxy holds until `release()`. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe("await using", () => {
  it("a producer leaving its block is closed: everything queued lands", async () => {
    const { direct } = await jsonStream("using-producer");
    {
      await using producer = new IdempotentProducer(direct, "p", { lingerMs: Number.POSITIVE_INFINITY });
      for (let i = 0; i < 5; i++) producer.append(i);
      expect(producer.pendingItems).toBe(5);
    }
    expect(await (await direct.stream()).json()).toEqual([0, 1, 2, 3, 4]);
  });

  it("a consumer leaving its block is stopped after its handler, with the checkpoint saved", async () => {
    const { direct } = await jsonStream("using-consumer");
    await direct.appendJsonBatch([1, 2]);
    const store = new MemoryOffsetStore();
    const seen: unknown[] = [];
    let consumer: Consumer | undefined;
    {
      await using running = new Consumer({
        stream: direct,
        offsetStore: store,
        live: "long-poll",
        handler: (b) => void seen.push(...b.items),
      });
      consumer = running;
      await running.start();
      await eventually(() => seen.length === 2);
    }
    expect(consumer.running).toBe(false);
    expect(await consumer.done).toEqual({ reason: "stopped" });
    expect(store.load(direct.url)).toBe((await direct.head()).offset);
  });

  it("a live read leaving its block lets go of its connection", async () => {
    const { direct } = await jsonStream("using-read");
    const events: ClientEvent[] = [];
    const reader = new DurableStream({
      url: `${proxy.url}${new URL(direct.url).pathname}`,
      onEvent: (e) => events.push(e),
    });
    {
      await using response = await reader.stream({ live: "sse", offset: "now" });
      const batches = response[Symbol.asyncIterator]();
      await batches.next(); // caught up
      await direct.appendJson("y");
      expect((await batches.next()).value?.items).toEqual(["y"]); // over SSE, whose connection stays open
      expect(events.filter((e) => e.type === "request:end")).toHaveLength(1);
    }
    // Disposal ended the SSE request (the catch-up read was the first to end), not as a failure.
    const ended = events.filter((e) => e.type === "request:aborted" || e.type === "request:end");
    expect(ended).toHaveLength(2);
    expect(events.filter((e) => e.type === "request:error")).toEqual([]);
    expect(proxy.requests.filter(isSse).length).toBe(1);
  });
});

describe("flush and close that stop waiting", () => {
  it("flush({ timeoutMs }) gives up with TIMEOUT; the batch goes on and a later flush sees it land", async () => {
    const { direct, proxied } = await jsonStream("flush-timeout");
    const held = gate();
    proxy.setRule(firstN(1, isPost, { kind: "hold", release: held.promise }));
    const producer = new IdempotentProducer(proxied, "p");
    producer.append("a");
    await expect(producer.flush({ timeoutMs: 30 })).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(producer.error).toBeUndefined();
    expect(producer.pendingItems).toBe(1);
    producer.append("b"); // still accepting
    held.release();
    const result = await producer.flush();
    expect(result.offset).toBe((await direct.head()).offset);
    expect(await (await direct.stream()).json()).toEqual(["a", "b"]);
    expect(producer.pendingItems).toBe(0);
  });

  it("flush({ signal }) gives up with ABORTED without failing the producer", async () => {
    const { direct, proxied } = await jsonStream("flush-signal");
    const held = gate();
    proxy.setRule(firstN(1, isPost, { kind: "hold", release: held.promise }));
    const producer = new IdempotentProducer(proxied, "p");
    producer.append(1);
    const controller = new AbortController();
    const waiting = producer.flush({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "ABORTED" });
    held.release();
    await producer.flush();
    expect(await (await direct.stream()).json()).toEqual([1]);
  });

  it("close({ timeoutMs }) gives up with TIMEOUT; the close carries on, and close() again waits for it", async () => {
    const { direct, proxied } = await jsonStream("close-timeout");
    const held = gate();
    proxy.setRule(firstN(1, isPost, { kind: "hold", release: held.promise }));
    const producer = new IdempotentProducer(proxied, "p");
    producer.append("last");
    await expect(producer.close({ closeStream: true, timeoutMs: 30 })).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(() => producer.append("late")).toThrow(expect.objectContaining({ code: "USAGE" }));
    held.release();
    expect(await producer.close()).toMatchObject({ closed: true, duplicates: 0 });
    expect(await (await direct.stream()).json()).toEqual(["last"]);
    expect((await direct.head()).closed).toBe(true);
  });

  it("a wait option that cannot work is INVALID_ARGUMENT", async () => {
    const { direct } = await jsonStream("wait-bad");
    const producer = new IdempotentProducer(direct, "p");
    await expect(producer.flush({ timeoutMs: -1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      option: "timeoutMs",
    });
    expect(() => producer.close({ signal: "soon" as never })).toThrow(expect.objectContaining({ option: "signal" }));
  });
});
