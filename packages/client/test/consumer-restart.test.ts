/** The consumer's restart policy: a failed run starts again from the last checkpoint, after a backoff, with an event. */
import { type ClientEvent, DurableStream } from "@rivulet/client";
import { Consumer, MemoryOffsetStore } from "@rivulet/client/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 200 });
});
afterAll(() => server.close());

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

async function jsonStream(name: string, items: unknown[]) {
  const handle = await DurableStream.create({
    url: server.streamUrl(name),
    contentType: "application/json",
  });
  for (const item of items) await handle.appendJson(item);
  return handle;
}

describe("restart", () => {
  it("restarts after a handler failure, from the last checkpoint, reporting each restart", async () => {
    const events: ClientEvent[] = [];
    const direct = await jsonStream("handler", ["ok", "flaky", "after"]);
    const handle = new DurableStream({ url: direct.url, onEvent: (e) => events.push(e) });
    let failures = 2;
    const handled: unknown[] = [];
    const store = new MemoryOffsetStore();
    const consumer = new Consumer<string>({
      stream: handle,
      offsetStore: store,
      live: "long-poll",
      restart: { backoff: fast },
      handler: (batch) => {
        if (batch.items.includes("flaky") && failures-- > 0) throw new Error("not yet");
        handled.push(...batch.items);
      },
    });
    await consumer.start();
    await eventually(() => handled.length === 3);
    await consumer.stop();
    expect(handled).toEqual(["ok", "flaky", "after"]);
    const restarts = events.filter((e) => e.type === "consumer:restart");
    expect(restarts.map((e) => e.type === "consumer:restart" && e.attempt)).toEqual([1, 2]);
    expect(restarts[0]).toMatchObject({ key: consumer.checkpointKey, error: { message: "not yet" } });
    expect(await consumer.done).toEqual({ reason: "stopped" });
    expect(store.load(handle.url)).toBe((await handle.head()).offset);
  });

  it("restarts after a read error that cannot heal, e.g. a stream not created yet", async () => {
    const url = server.streamUrl("later");
    const events: ClientEvent[] = [];
    const seen: unknown[] = [];
    const consumer = new Consumer({
      stream: { url, onEvent: (e) => events.push(e) },
      restart: { backoff: fast },
      handler: (batch) => void seen.push(...batch.items),
    });
    await consumer.start();
    await eventually(() => events.some((e) => e.type === "consumer:restart"));
    const created = await DurableStream.create({ url, contentType: "application/json" });
    await created.appendJson("finally");
    await eventually(() => seen.length === 1);
    await consumer.stop();
    expect(events.find((e) => e.type === "consumer:restart")).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("gives up after maxRestarts restarts in a row", async () => {
    const handle = await jsonStream("give-up", ["poison"]);
    const events: ClientEvent[] = [];
    let runs = 0;
    const consumer = new Consumer({
      stream: { url: handle.url, onEvent: (e) => events.push(e) },
      restart: { maxRestarts: 2, backoff: fast },
      handler: () => {
        runs++;
        throw new Error("always");
      },
    });
    await consumer.start();
    await expect(consumer.done).rejects.toThrow("always");
    expect(runs).toBe(3);
    expect(events.filter((e) => e.type === "consumer:restart")).toHaveLength(2);
  });

  it('does not restart after onError answers "stop"', async () => {
    const handle = await jsonStream("stop", ["poison"]);
    let runs = 0;
    const consumer = new Consumer({
      stream: handle,
      restart: { backoff: fast },
      onError: () => "stop",
      handler: () => {
        runs++;
        throw new Error("stop here");
      },
    });
    await consumer.start();
    await expect(consumer.done).rejects.toThrow("stop here");
    expect(runs).toBe(1);
  });

  it("stop() during the backoff before a restart ends the consumer quietly", async () => {
    const handle = await jsonStream("stop-in-backoff", ["poison"]);
    const events: ClientEvent[] = [];
    const consumer = new Consumer({
      stream: { url: handle.url, onEvent: (e) => events.push(e) },
      restart: { backoff: { initialDelayMs: 60_000, maxDelayMs: 60_000 } },
      handler: () => {
        throw new Error("fails");
      },
    });
    await consumer.start();
    await eventually(() => events.some((e) => e.type === "consumer:restart"));
    await consumer.stop();
    expect(await consumer.done).toEqual({ reason: "stopped" });
  });
});
