import { type Batch, DurableStream, type LiveMode, type StreamResponse, stream } from "@rivulet/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, isSse, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 300 });
});
afterAll(() => server.close());

async function jsonStream(name: string, items: unknown[] = []): Promise<DurableStream> {
  const handle = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  if (items.length > 0) await handle.appendJsonBatch(items);
  return handle;
}

/** Collects items until `count` have arrived or the stream ends. */
async function takeItems<T>(response: StreamResponse<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of response) {
    out.push(...batch.items);
    if (out.length >= count) break;
  }
  return out;
}

describe("catch-up reads", () => {
  it("reads from the beginning, from an offset, and from now", async () => {
    const handle = await jsonStream("offsets", [1, 2]);
    const all = await handle.stream();
    expect(await all.json()).toEqual([1, 2]);
    const { offset } = await handle.appendJson(3);
    await handle.appendJson(4);
    expect(await (await handle.stream({ offset })).json()).toEqual([4]);
    const now = await handle.stream({ offset: "now" });
    expect(await now.json()).toEqual([]);
    expect(now.offset).toBe((await handle.head()).offset);
  });

  it("delivers an empty up-to-date batch for an empty stream", async () => {
    const handle = await jsonStream("empty");
    const batches: Batch[] = [];
    for await (const batch of await handle.stream()) batches.push(batch);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ upToDate: true, closed: false, items: [] });
  });

  it("reports EOF on a closed stream", async () => {
    const handle = await jsonStream("eof", ["a"]);
    await handle.close();
    const response = await handle.stream();
    const batches: Batch[] = [];
    for await (const batch of response) batches.push(batch);
    expect(batches.at(-1)?.closed).toBe(true);
    expect(response.closed).toBe(true);
  });

  it("follows chunked catch-up responses to the tail", async () => {
    const small = await startTestServer({ chunkBytes: 64 });
    try {
      const handle = await DurableStream.create({ url: small.streamUrl("chunks"), contentType: "text/plain" });
      const text = "0123456789".repeat(50);
      await handle.append(text);
      const response = await handle.stream();
      let batches = 0;
      let out = "";
      for await (const batch of response) {
        batches++;
        out += batch.text;
      }
      expect(out).toBe(text);
      expect(batches).toBeGreaterThan(5);
    } finally {
      await small.close();
    }
  });

  it("json(), text() and bytes() refuse live reads with a clear USAGE error", async () => {
    const handle = await jsonStream("live-refuse", [1]);
    for (const live of ["long-poll", "sse", "auto"] as const) {
      const response = await handle.stream({ live });
      await expect(response.json()).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("live") });
      response.cancel();
    }
    const text = await handle.stream({ live: "sse" });
    await expect(text.text()).rejects.toMatchObject({ code: "USAGE" });
    text.cancel();
    const bytes = await handle.stream({ live: "long-poll" });
    await expect(bytes.bytes()).rejects.toMatchObject({ code: "USAGE" });
    bytes.cancel();
  });

  it("a response can be consumed only once", async () => {
    const handle = await jsonStream("once", [1]);
    const response = await handle.stream();
    expect(await response.json()).toEqual([1]);
    expect(() => response.items()).toThrow(/already consumed/);
  });

  it("fails at open with NOT_FOUND for a missing stream", async () => {
    await expect(stream({ url: server.streamUrl("missing") })).rejects.toMatchObject({
      code: "NOT_FOUND",
      status: 404,
    });
  });
});

describe.each<LiveMode>(["long-poll", "sse", "auto"])("live mode %s", (live) => {
  it("catches up, then delivers appends as they happen, then EOF on closure", async () => {
    const handle = await jsonStream(`live-${live}`, [1, 2]);
    const response = await handle.stream<number>({ live });
    const seen: number[] = [];
    let closedSeen = false;
    const appender = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await handle.appendJson(3);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await handle.appendJson(4);
      await handle.close();
    })();
    for await (const batch of response) {
      seen.push(...batch.items);
      if (batch.closed) closedSeen = true;
    }
    await appender;
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(closedSeen).toBe(true);
  });

  it("starts at now and sees only new data", async () => {
    const handle = await jsonStream(`now-${live}`, ["old"]);
    const response = await handle.stream({ live, offset: "now" });
    setTimeout(() => void handle.appendJson("new"), 50);
    expect(await takeItems(response, 1)).toEqual(["new"]);
    response.cancel();
  });

  it("decodes binary streams (base64 over SSE)", async () => {
    const handle = await DurableStream.create({
      url: server.streamUrl(`bin-${live}`),
      contentType: "application/octet-stream",
    });
    const response = await handle.stream({ live, offset: "now" });
    const payload = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
    setTimeout(() => void handle.append(payload), 50);
    for await (const chunk of response.byteChunks()) {
      expect([...chunk]).toEqual([...payload]);
      break;
    }
  });

  it("uses its live transport and echoes the server's cursor", async () => {
    const exchanges: { live: string | null; sentCursor: string | null; gotCursor: string | null }[] = [];
    const handle = await jsonStream(`cursor-${live}`);
    const spy = new DurableStream({
      url: handle.url,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const params = new URL(input).searchParams;
        exchanges.push({
          live: params.get("live"),
          sentCursor: params.get("cursor"),
          gotCursor: response.headers.get("stream-cursor"),
        });
        return response;
      },
    });
    const response = await spy.stream({ live, offset: "now" });
    setTimeout(() => void handle.appendJson(1), 400);
    expect(await takeItems(response, 1)).toEqual([1]);
    expect(response.mode).toBe(live === "long-poll" ? "long-poll" : "sse");
    response.cancel();
    const liveExchanges = exchanges.filter((e) => e.live !== null);
    expect(new Set(liveExchanges.map((e) => e.live))).toEqual(new Set([live === "long-poll" ? "long-poll" : "sse"]));
    if (live === "long-poll") {
      // Every long-poll after the first echoes the cursor the previous response carried.
      expect(liveExchanges.length).toBeGreaterThan(1);
      for (let i = 1; i < liveExchanges.length; i++) {
        expect(liveExchanges[i]?.sentCursor).toBe(liveExchanges[i - 1]?.gotCursor);
        expect(liveExchanges[i]?.sentCursor).toMatch(/^\d+$/);
      }
    }
  });
});

describe("SSE line endings at the end of a connection", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(server.url);
  });
  afterAll(() => proxy.close());

  it("an event closed by a lone CR as the connection ends is delivered, not dropped", async () => {
    const direct = await jsonStream("lone-cr", ["real"]);
    const tail = (await direct.head()).offset;
    const body = (items: unknown[], eol: string) =>
      `event: data${eol}data: ${JSON.stringify(items)}${eol}${eol}` +
      `event: control${eol}data: ${JSON.stringify({ streamNextOffset: tail, streamCursor: "c", upToDate: true })}${eol}${eol}`;
    let sse = 0;
    proxy.setRule((request) => {
      if (!isSse(request)) return undefined;
      sse++;
      // The first connection ends right after a lone CR; a dropped event would show as "again".
      const text = sse === 1 ? body(["injected"], "\r") : body(["again"], "\n");
      return { kind: "status", status: 200, headers: { "content-type": "text/event-stream" }, body: text };
    });
    const response = await stream<string>({ url: `${proxy.url}${new URL(direct.url).pathname}`, live: "sse" });
    expect(await takeItems(response, 2)).toEqual(["real", "injected"]);
    response.cancel();
  });
});

describe("consumption styles", () => {
  it("iterates items, byte chunks and text chunks", async () => {
    const json = await jsonStream("items", [{ a: 1 }, { a: 2 }]);
    const items: unknown[] = [];
    for await (const item of (await json.stream()).items()) items.push(item);
    expect(items).toEqual([{ a: 1 }, { a: 2 }]);

    const text = await DurableStream.create({ url: server.streamUrl("text"), contentType: "text/plain" });
    await text.append("héllo ");
    await text.append("wörld");
    const chunks: string[] = [];
    for await (const chunk of (await text.stream()).textChunks()) chunks.push(chunk);
    expect(chunks.join("")).toBe("héllo wörld");
    const bytes: Uint8Array[] = [];
    for await (const chunk of (await text.stream()).byteChunks()) bytes.push(chunk);
    expect(new TextDecoder().decode(Buffer.concat(bytes))).toBe("héllo wörld");
  });

  it("offers ReadableStreams of bytes, text and items", async () => {
    const json = await jsonStream("readable", [1, 2, 3]);
    const items: unknown[] = [];
    const reader = (await json.stream()).itemStream().getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) items.push(next.value);
    expect(items).toEqual([1, 2, 3]);

    const text = await DurableStream.create({ url: server.streamUrl("readable-text"), contentType: "text/plain" });
    await text.append("abc");
    const body = await new Response((await text.stream()).byteStream()).text();
    expect(body).toBe("abc");
    let out = "";
    const textReader = (await text.stream()).textStream().getReader();
    for (let next = await textReader.read(); !next.done; next = await textReader.read()) out += next.value;
    expect(out).toBe("abc");
  });

  it("items are refused on a non-JSON stream", async () => {
    const text = await DurableStream.create({ url: server.streamUrl("not-json"), contentType: "text/plain" });
    await text.append("x");
    await expect((await text.stream()).json()).rejects.toMatchObject({ code: "USAGE" });
  });

  it("subscribe waits for each handler promise before the next batch", async () => {
    const handle = await jsonStream("subscribe", [1]);
    const response = await handle.stream<number>({ live: "long-poll" });
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    const feeder = (async () => {
      for (let i = 2; i <= 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        await handle.appendJson(i);
      }
      await handle.close();
    })();
    const subscription = response.subscribe(async (batch) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 40));
      seen.push(...batch.items);
      running--;
    });
    await subscription.done;
    await feeder;
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(maxRunning).toBe(1);
  });

  it("unsubscribe ends the subscription quietly", async () => {
    const handle = await jsonStream("unsubscribe", [1]);
    const response = await handle.stream({ live: "sse" });
    const subscription = response.subscribe(() => subscription.unsubscribe());
    await expect(subscription.done).resolves.toBeUndefined();
  });

  it("a subscription reports a failing handler through onError and done", async () => {
    const handle = await jsonStream("sub-fail", [1]);
    const response = await handle.stream();
    let reported: unknown;
    const subscription = response.subscribe(
      () => {
        throw new Error("handler broke");
      },
      { onError: (error) => (reported = error) },
    );
    await expect(subscription.done).rejects.toThrow("handler broke");
    expect(reported).toBeInstanceOf(Error);
  });

  it("typed items go through the validator; a rejection is a PARSE_ERROR", async () => {
    interface Event {
      kind: string;
    }
    const validate = (item: unknown): Event => {
      if (typeof item !== "object" || item === null || typeof (item as Event).kind !== "string") {
        throw new TypeError("not an Event");
      }
      return item as Event;
    };
    const good = await jsonStream("typed", [{ kind: "a" }, { kind: "b" }]);
    const events = await (await good.stream<Event>({ validate })).json();
    expect(events.map((e) => e.kind)).toEqual(["a", "b"]);
    const bad = await jsonStream("typed-bad", [{ kind: "a" }, { nope: 1 }]);
    await expect((await bad.stream<Event>({ validate })).json()).rejects.toMatchObject({ code: "PARSE_ERROR" });
  });

  it("cancel() ends a live iteration quietly; the caller's AbortSignal ends it with ABORTED", async () => {
    const handle = await jsonStream("cancel");
    const response = await handle.stream({ live: "long-poll" });
    setTimeout(() => response.cancel(), 50);
    const seen: Batch[] = [];
    for await (const batch of response) seen.push(batch);
    expect(seen.length).toBeGreaterThanOrEqual(1);

    const controller = new AbortController();
    const aborted = await handle.stream({ live: "sse", signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(
      (async () => {
        for await (const _ of aborted) {
          // waiting for the abort
        }
      })(),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("the read-only stream() function reads with handle-level and read options in one object", async () => {
    const handle = await jsonStream("readonly", [1, 2]);
    const response = await stream<number>({ url: handle.url, headers: { "x-test": "1" }, offset: "-1" });
    expect(response.contentType).toBe("application/json");
    expect(await response.json()).toEqual([1, 2]);
  });
});
