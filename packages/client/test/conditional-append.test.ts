/**
 * Appends with the extensions (docs/extensions.md): every append result carries its first
 * message's seq and its append time; a conditional append (`expectedOffset`, `expectedSeq`)
 * writes only at the tail it names, else fails with a TailMismatchError naming the tail;
 * racing clients expecting one tail: exactly one wins. HEAD tells the earliest offset, the
 * next seq and the retention that applies.
 */
import { type ClientEvent, createClient, DurableStream, TailMismatchError } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
let now = 1_800_000_000_000;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now, retentionMs: 86_400_000 });
  proxy = await startFaultProxy(server.url);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

const jsonStream = (name: string, options: { onEvent?: (e: ClientEvent) => void } = {}) =>
  DurableStream.create({ url: server.streamUrl(name), contentType: "application/json", ...options });

describe("append metadata", () => {
  it("each append answers the seq of its first message and its append time", async () => {
    const handle = await jsonStream("metadata");
    now += 5;
    expect(await handle.appendJson("a")).toMatchObject({ seq: 0, timestamp: now, duplicate: false });
    now += 5;
    expect(await handle.appendJsonBatch(["b", "c", "d"])).toMatchObject({ seq: 1, timestamp: now });
    expect(await handle.appendJson("e")).toMatchObject({ seq: 4, timestamp: now });
    const text = await DurableStream.create({ url: server.streamUrl("text-meta"), contentType: "text/plain" });
    expect((await text.append("one")).seq).toBe(0);
    expect((await text.append("two")).seq).toBe(1);
  });

  it("a close without a body and a producer's duplicate write nothing new: no seq, no time", async () => {
    const handle = await jsonStream("nothing-new");
    const first = await handle.appendJson(1, { producer: { id: "p", epoch: 0, seq: 0 } });
    expect(first.seq).toBe(0);
    const again = await handle.appendJson(1, { producer: { id: "p", epoch: 0, seq: 0 } });
    expect(again).toMatchObject({ duplicate: true, seq: undefined, timestamp: undefined });
    const closed = await handle.close();
    expect(closed).toMatchObject({ closed: true, seq: undefined, timestamp: undefined });
  });

  it("HEAD tells the earliest offset, the next seq and the retention that applies", async () => {
    const handle = await jsonStream("head");
    const start = (await handle.head()).offset;
    await handle.appendJsonBatch([1, 2, 3]);
    expect(await handle.head()).toMatchObject({
      earliestOffset: start,
      nextSeq: 3,
      retentionMs: 86_400_000,
      retentionBytes: undefined,
    });
    const own = await DurableStream.create({
      url: server.streamUrl("own-retention"),
      contentType: "text/plain",
      retentionMs: 60_000,
      retentionBytes: 1 << 20,
    });
    expect(await own.head()).toMatchObject({ retentionMs: 60_000, retentionBytes: 1 << 20, nextSeq: 0 });
    // Part of the configuration an idempotent create compares (PROTOCOL §5.1): another value is a conflict.
    await expect(own.create({ contentType: "text/plain", retentionMs: 1 })).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
  });

  it.each([
    [{ retentionMs: -1 }, "retentionMs"],
    [{ retentionBytes: 1.5 }, "retentionBytes"],
  ])("create with %j is INVALID_ARGUMENT naming %s", async (options, option) => {
    const handle = new DurableStream({ url: server.streamUrl("bad-retention") });
    await expect(handle.create(options)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", option });
  });
});

describe("conditional appends", () => {
  it("write at the expected offset or seq; at another, nothing is written and the error names the tail", async () => {
    const handle = await jsonStream("expected");
    const start = (await handle.head()).offset;
    const first = await handle.appendJson("a", { expectedOffset: start });
    const second = await handle.appendJson("b", { expectedSeq: 1 });
    expect(second.seq).toBe(1);
    const both = await handle.appendJson("c", { expectedOffset: second.offset, expectedSeq: 2 });
    expect(both.seq).toBe(2);

    const stale = await handle.appendJson("lost", { expectedOffset: first.offset }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(TailMismatchError);
    expect(stale).toMatchObject({
      code: "TAIL_MISMATCH",
      status: 412,
      serverCode: "TAIL_MISMATCH",
      currentOffset: both.offset,
      currentSeq: 3,
      isRetryable: false,
    });
    await expect(handle.appendJson("lost", { expectedSeq: 7 })).rejects.toMatchObject({
      code: "TAIL_MISMATCH",
      currentOffset: both.offset,
      currentSeq: 3,
    });
    expect(await (await handle.stream()).json()).toEqual(["a", "b", "c"]);
  });

  it("the error's tail is where the next conditional append goes through", async () => {
    const handle = await jsonStream("retry-at-tail");
    await handle.appendJson("other writer");
    const error = (await handle.appendJson("mine", { expectedSeq: 0 }).catch((e: unknown) => e)) as TailMismatchError;
    const result = await handle.appendJson("mine", { expectedOffset: error.currentOffset! });
    expect(result.seq).toBe(error.currentSeq);
  });

  it("racing clients expecting one tail: exactly one wins each round, the others learn the new tail", async () => {
    const handle = await jsonStream("race");
    const clients = Array.from(
      { length: 12 },
      () => new DurableStream({ url: handle.url, contentType: "application/json" }),
    );
    let expectedOffset = (await handle.head()).offset;
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.allSettled(
        clients.map((client, i) => client.appendJson({ round, i }, { expectedOffset })),
      );
      const winners = outcomes.filter((o) => o.status === "fulfilled");
      expect(winners).toHaveLength(1);
      const tail = (winners[0] as PromiseFulfilledResult<{ offset: string }>).value.offset;
      for (const lost of outcomes.filter((o) => o.status === "rejected")) {
        expect(lost.reason).toBeInstanceOf(TailMismatchError);
        expect((lost.reason as TailMismatchError).currentOffset).toBe(tail);
        expect((lost.reason as TailMismatchError).currentSeq).toBe(round + 1);
      }
      expectedOffset = tail;
    }
    const items = await (await handle.stream<{ round: number }>()).json();
    expect(items.map((item) => item.round)).toEqual([0, 1, 2, 3, 4]);
  });

  it("closes atomically with the append, and a closed stream refuses with STREAM_CLOSED", async () => {
    const handle = await jsonStream("close");
    const last = await handle.appendJson("final", { expectedSeq: 0, close: true });
    expect(last).toMatchObject({ closed: true, seq: 0 });
    await expect(handle.appendJson("late", { expectedSeq: 1 })).rejects.toMatchObject({ code: "STREAM_CLOSED" });
  });

  it("with a producer stamp, a retry after a lost response is a duplicate, not a mismatch", async () => {
    const direct = await jsonStream("producer-retry");
    const start = (await direct.head()).offset;
    const url = `${proxy.url}${new URL(direct.url).pathname}`;
    let dropped = 0;
    proxy.setRule((request) => {
      if (request.method !== "POST" || dropped > 0) return undefined;
      dropped++;
      return { kind: "drop-response" };
    });
    try {
      const via = new DurableStream({
        url,
        contentType: "application/json",
        retry: { initialDelayMs: 1, maxDelayMs: 5 },
      });
      const result = await via.appendJson("once", { expectedOffset: start, producer: { id: "w", epoch: 0, seq: 0 } });
      expect(result.duplicate).toBe(true);
      expect(dropped).toBe(1);
    } finally {
      proxy.setRule(undefined);
    }
    expect(await (await direct.stream()).json()).toEqual(["once"]);
  });

  it("appendStream takes the expectation too", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("stream-body"), contentType: "text/plain" });
    await handle.append("x");
    const body = (async function* () {
      yield "streamed";
    })();
    await expect(handle.appendStream(body, { expectedSeq: 0 })).rejects.toBeInstanceOf(TailMismatchError);
    const again = (async function* () {
      yield "streamed";
    })();
    expect((await handle.appendStream(again, { expectedSeq: 1 })).seq).toBe(1);
  });

  it.each([
    [{ expectedOffset: "" }, "expectedOffset"],
    [{ expectedOffset: 5 }, "expectedOffset"],
    [{ expectedSeq: -1 }, "expectedSeq"],
    [{ expectedSeq: 2.5 }, "expectedSeq"],
  ])("%j is INVALID_ARGUMENT naming %s, before any request", async (options, option) => {
    const events: ClientEvent[] = [];
    const handle = new DurableStream({
      url: server.streamUrl("bad"),
      contentType: "application/json",
      onEvent: (e) => events.push(e),
    });
    await expect(handle.appendJson(1, options as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", option });
    expect(events).toEqual([]);
  });

  it("a malformed expected offset is the server's BAD_REQUEST, and nothing is written", async () => {
    const handle = await jsonStream("malformed");
    await expect(handle.appendJson(1, { expectedOffset: "not-an-offset" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      serverCode: "INVALID_OFFSET",
    });
    expect((await handle.head()).nextSeq).toBe(0);
  });

  it("asks the server's capabilities once per client, then only appends", async () => {
    const events: ClientEvent[] = [];
    const client = createClient({ baseUrl: `${server.url}/v1/stream`, onEvent: (e) => events.push(e) });
    const a = await client.create("caps-a", { contentType: "application/json" });
    const b = await client.create("caps-b", { contentType: "application/json" });
    await a.appendJson(1, { expectedSeq: 0 });
    await b.appendJson(1, { expectedSeq: 0 });
    await a.appendJson(2, { expectedSeq: 1 });
    const gets = events.filter((e) => e.type === "request:start" && e.method === "GET");
    expect(gets.map((e) => (e as { url: string }).url)).toEqual([`${server.url}/v1/stream/__ds/capabilities`]);
  });
});

describe("the producer is unaffected", () => {
  it("an idempotent producer still writes exactly once beside conditional appends", async () => {
    const handle = await jsonStream("producer");
    const producer = new IdempotentProducer(handle, "p");
    producer.append(1);
    await producer.flush();
    expect((await handle.appendJson(2, { expectedSeq: 1 })).seq).toBe(1);
    producer.append(3);
    await producer.close();
    expect(await (await handle.stream()).json()).toEqual([1, 2, 3]);
  });
});
