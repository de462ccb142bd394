/**
 * The client in a real browser (headless Chromium): catch-up reads never present the
 * browser's cached copy of a read as up to date. Chunks stay cacheable (PROTOCOL §10.1); a
 * catch-up read revalidates them with If-None-Match, so an unchanged chunk costs a 304 and a
 * grown tail is fetched. The page is on its own origin, so every request is cross-origin.
 */
import { DurableStream } from "@rivulet/client";
import type { Consumer, MemoryOffsetStore } from "@rivulet/client/consumer";
import { parseReadOffset } from "@rivulet/protocol";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type PageServer, startPageServer } from "./support/browser-page.js";
import { ensureChromium, type HeadlessChromium, launchChromium } from "./support/chromium.js";
import { type FaultProxy, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer, uniqueName } from "./support/server.js";

/** What the page's bundle exposes as `window.Rivulet`. */
interface PageClient {
  DurableStream: typeof DurableStream;
  Consumer: typeof Consumer;
  MemoryOffsetStore: typeof MemoryOffsetStore;
}

let server: TestServer;
let smallChunks: TestServer;
let proxy: FaultProxy;
let pages: PageServer;
let chromium: HeadlessChromium;
let page: Page;

beforeAll(async () => {
  [server, pages, chromium] = await Promise.all([startTestServer(), startPageServer(), launchChromium()]);
  // A server whose chunks hold exactly the messages 1, 2 and 3, however they are stored.
  smallChunks = await startTestServer({ chunkBytes: await storedSize([1, 2, 3]) });
  // Every request the browser makes passes here, so the test sees what reached the server.
  proxy = await startFaultProxy(server.url);
  page = await chromium.context.newPage();
  await page.goto(`${pages.url}/`);
  // On a fresh machine this includes installing Chromium (apt-get), once.
}, 300_000);

afterAll(async () => {
  await chromium?.close();
  await Promise.all([proxy?.close(), pages?.close(), server?.close(), smallChunks?.close()]);
});

async function storedSize(messages: unknown[]): Promise<number> {
  const handle = await DurableStream.create({ url: server.streamUrl("size"), contentType: "application/json" });
  const offset = parseReadOffset((await handle.appendJsonBatch(messages)).offset);
  if (offset.kind !== "position") throw new Error(`unexpected offset ${JSON.stringify(offset)}`);
  return offset.position;
}

const readsOf = (url: string) =>
  proxy.requests.filter((request) => request.method === "GET" && url.endsWith(request.url.pathname));

describe("catch-up reads in Chromium", () => {
  it("two live: false reads with an append in between: the second has the append and is up to date", async () => {
    const url = `${proxy.url}/v1/stream/${uniqueName("two-reads")}`;
    const reads = await page.evaluate(async (url) => {
      const { DurableStream } = (globalThis as unknown as { Rivulet: PageClient }).Rivulet;
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const read = async () => {
        const response = await handle.stream<number>({ live: false });
        const items = await response.json();
        return { items, upToDate: response.upToDate, offset: response.offset };
      };
      await handle.appendJsonBatch([1, 2, 3]);
      const first = await read();
      await handle.appendJsonBatch([4, 5, 6]);
      const second = await read();
      const third = await read();
      return { first, second, third, tail: (await handle.head()).offset };
    }, url);

    expect(reads.first).toMatchObject({ items: [1, 2, 3], upToDate: true });
    expect(reads.second).toEqual({ items: [1, 2, 3, 4, 5, 6], upToDate: true, offset: reads.tail });
    expect(reads.third).toEqual(reads.second);
    // Chunks stay cacheable, and every repeat read revalidates: a changed tail is fetched
    // again (200), an unchanged one costs a 304 without a body.
    const gets = readsOf(url);
    expect(gets.map((get) => get.headers["if-none-match"] !== undefined)).toEqual([false, true, true]);
    expect(gets.map((get) => get.status)).toEqual([200, 200, 304]);
  });

  it("a Consumer on a closed 6-item stream, appended to between runs, reads all 6 and sees the close", async () => {
    const url = `${proxy.url}/v1/stream/${uniqueName("consumer")}`;
    const runs = await page.evaluate(async (url) => {
      const { DurableStream, Consumer, MemoryOffsetStore } = (globalThis as unknown as { Rivulet: PageClient }).Rivulet;
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const consume = async () => {
        const items: unknown[] = [];
        const consumer = new Consumer({
          stream: handle,
          live: false,
          offsetStore: new MemoryOffsetStore(),
          handler: (batch) => void items.push(...batch.items),
        });
        await consumer.start();
        return { items, end: await consumer.done };
      };
      await handle.appendJsonBatch([1, 2, 3]);
      const before = await consume();
      for (const item of [4, 5, 6]) await handle.appendJson(item);
      await handle.close();
      const after = await consume();
      return { before, after };
    }, url);

    expect(runs.before).toEqual({ items: [1, 2, 3], end: { reason: "caught-up" } });
    expect(runs.after).toEqual({ items: [1, 2, 3, 4, 5, 6], end: { reason: "closed" } });
  });

  it("a chunk that was the tail and no longer is: its revalidation does not keep the old up-to-date mark", async () => {
    // Straight to the server with small chunks: [1,2,3] fills the first chunk exactly, so the
    // chunk keeps its range when more is appended and only its place at the tail changes: a
    // 304 for it would leave the cached Stream-Up-To-Date: true in place, and the read would stop.
    const url = smallChunks.streamUrl("chunk-edge");
    const reads = await page.evaluate(async (url) => {
      const { DurableStream } = (globalThis as unknown as { Rivulet: PageClient }).Rivulet;
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const read = async () => (await handle.stream<number>({ live: false })).json();
      await handle.appendJsonBatch([1, 2, 3]);
      const first = await read();
      await handle.appendJson(4);
      return { first, second: await read() };
    }, url);

    expect(reads).toEqual({ first: [1, 2, 3], second: [1, 2, 3, 4] });
  });
});

describe("the Chromium helper", () => {
  it("without Chromium and without root, says what to install instead of trying", async () => {
    const getuid = vi.spyOn(process, "getuid").mockReturnValue(1000);
    try {
      await expect(ensureChromium("/nonexistent/chromium")).rejects.toThrow(
        "chromium is not installed and installing it needs root: run `sudo apt-get install -y chromium`",
      );
    } finally {
      getuid.mockRestore();
    }
  });
});
