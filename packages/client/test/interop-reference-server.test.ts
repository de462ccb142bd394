/**
 * Interop: this client against the reference server (`@durable-streams/server`), for
 * create/append/read in every live mode, closure, forks and idempotent producers.
 */

import { DurableStreamTestServer } from "@durable-streams/server";
import { type Batch, DurableStream, type LiveMode, StaleEpochError, StreamClosedError } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "./support/server.js";

let reference: DurableStreamTestServer;
let base: string;
beforeAll(async () => {
  reference = new DurableStreamTestServer({ port: 0, longPollTimeout: 300 });
  base = await reference.start();
});
afterAll(() => reference.stop());

const urlFor = (name: string) => `${base}/v1/stream/${uniqueName(name)}`;

async function jsonStream(name: string, items: unknown[] = []): Promise<DurableStream> {
  const handle = await DurableStream.create({ url: urlFor(name), contentType: "application/json" });
  if (items.length > 0) await handle.appendJsonBatch(items);
  return handle;
}

describe("this client against the reference server", () => {
  it("creates, appends with offsets, reads back, and connects", async () => {
    const handle = await DurableStream.create({ url: urlFor("basic"), contentType: "text/plain" });
    const a = await handle.append("hello ");
    const b = await handle.append("world");
    expect(a.offset < b.offset).toBe(true);
    expect(await (await handle.stream()).text()).toBe("hello world");
    const connected = await DurableStream.connect({ url: handle.url });
    expect(connected.contentType).toMatch(/^text\/plain/);
    await expect(DurableStream.connect({ url: urlFor("missing") })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("reads JSON messages from the beginning, from an offset and from now", async () => {
    const handle = await jsonStream("json", [{ n: 1 }, [2]]);
    expect(await (await handle.stream()).json()).toEqual([{ n: 1 }, [2]]);
    const { offset } = await handle.appendJson("three");
    await handle.appendJson("four");
    expect(await (await handle.stream({ offset })).json()).toEqual(["four"]);
    expect(await (await handle.stream({ offset: "now" })).json()).toEqual([]);
  });

  it.each<LiveMode>(["long-poll", "sse", "auto"])("follows live with %s until closure", async (live) => {
    const handle = await jsonStream(`live-${live}`, [0]);
    const response = await handle.stream<number>({ live });
    const writer = (async () => {
      for (let i = 1; i <= 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        await handle.appendJson(i);
      }
      await handle.close();
    })();
    const batches: Batch<number>[] = [];
    for await (const batch of response) batches.push(batch);
    await writer;
    expect(batches.flatMap((b) => b.items)).toEqual([0, 1, 2, 3]);
    expect(batches.at(-1)?.closed).toBe(true);
    expect(response.mode).toBe(live === "long-poll" ? "long-poll" : "sse");
  });

  it("decodes binary data over SSE", async () => {
    const handle = await DurableStream.create({ url: urlFor("binary"), contentType: "application/octet-stream" });
    const payload = new Uint8Array([0, 255, 1, 254, 10, 13]);
    const response = await handle.stream({ live: "sse", offset: "now" });
    setTimeout(() => void handle.append(payload), 40);
    for await (const chunk of response.byteChunks()) {
      expect([...chunk]).toEqual([...payload]);
      break;
    }
    response.cancel();
  });

  it("closes with a final message; appends then fail with STREAM_CLOSED", async () => {
    const handle = await DurableStream.create({ url: urlFor("close"), contentType: "text/plain" });
    await handle.append("a");
    const closed = await handle.close({ body: "z" });
    expect(closed.closed).toBe(true);
    const error = await handle.append("b").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamClosedError);
    expect((await handle.head()).closed).toBe(true);
    expect(await (await handle.stream()).text()).toBe("az");
  });

  it("forks and deletes", async () => {
    const source = await DurableStream.create({ url: urlFor("fork-src"), contentType: "text/plain" });
    const { offset } = await source.append("shared;");
    await source.append("source;");
    const fork = await source.fork(`${source.url}-fork`, { offset });
    await fork.append("fork;");
    expect(await (await fork.stream()).text()).toBe("shared;fork;");
    await fork.delete();
    await expect(fork.head()).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("idempotent producer: pipelined batches, restart, fencing and auto-claim", async () => {
    const handle = await jsonStream("producer");
    const producer = new IdempotentProducer(handle, "p", { maxBatchItems: 2, maxInFlight: 3 });
    for (let i = 0; i < 9; i++) producer.append(i);
    const flushed = await producer.flush();
    expect(flushed.offset).toBe((await handle.head()).offset);
    await producer.restart();
    producer.append("after-restart");
    await producer.flush();

    const zombie = new IdempotentProducer(handle, "p", { epoch: 0 });
    zombie.append("zombie");
    const error = await zombie.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleEpochError);
    expect((error as StaleEpochError).serverEpoch).toBe(1);

    const claimer = new IdempotentProducer(handle, "p", { autoClaim: true });
    claimer.append("claimed");
    const closed = await claimer.close({ closeStream: true });
    expect(claimer.epoch).toBe(2);
    expect(closed.closed).toBe(true);
    expect(await (await handle.stream()).json()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, "after-restart", "claimed"]);
  });
});
