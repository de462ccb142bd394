/** readOnce: one bounded catch-up read, one chunk, and where to read next. Against a real server. */
import { DurableStream, StreamError } from "@rivulet/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, firstN, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let small: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  [server, small] = await Promise.all([startTestServer(), startTestServer({ chunkBytes: 64 })]);
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await Promise.all([server.close(), small.close()]);
});

describe("readOnce", () => {
  it("returns one server-sized chunk with the offset to read next, page by page to the tail", async () => {
    const handle = await DurableStream.create({ url: small.streamUrl("pages"), contentType: "text/plain" });
    const text = "0123456789".repeat(30);
    await handle.append(text);
    const pages: string[] = [];
    let offset = "-1";
    for (;;) {
      const batch = await handle.readOnce({ offset });
      pages.push(batch.text);
      expect(batch.offset > offset || offset === "-1").toBe(true);
      offset = batch.offset;
      if (batch.upToDate) break;
    }
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.join("")).toBe(text);
    expect(offset).toBe((await handle.head()).offset);
    // At the tail: nothing, up to date, same offset; closed once the stream is.
    const tail = await handle.readOnce({ offset });
    expect(tail).toMatchObject({ offset, upToDate: true, closed: false, text: "" });
    await handle.close();
    expect((await handle.readOnce({ offset })).closed).toBe(true);
  });

  it("decodes the items of a JSON stream, with the validator when given", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("json"), contentType: "application/json" });
    await handle.appendJsonBatch([{ n: 1 }, { n: 2 }]);
    const reader = new DurableStream({ url: handle.url });
    const batch = await reader.readOnce<number>({ validate: (item) => (item as { n: number }).n });
    expect(batch.items).toEqual([1, 2]);
    expect(batch.upToDate).toBe(true);
    const rejected = await reader
      .readOnce({
        validate: () => {
          throw new Error("no");
        },
      })
      .catch((error: unknown) => error);
    expect(rejected).toMatchObject({ code: "PARSE_ERROR" });
  });

  it("is retried after a retryable failure, and fails NOT_FOUND on a missing stream", async () => {
    const direct = await DurableStream.create({ url: server.streamUrl("retry"), contentType: "text/plain" });
    await direct.append("x");
    const handle = new DurableStream({
      url: `${proxy.url}${new URL(direct.url).pathname}`,
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
    });
    proxy.setRule(firstN(2, (r) => r.method === "GET", { kind: "status", status: 503 }));
    expect((await handle.readOnce()).text).toBe("x");
    expect(proxy.requests.filter((r) => r.method === "GET")).toHaveLength(3);
    const missing = await new DurableStream({ url: server.streamUrl("none") }).readOnce().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StreamError);
    expect(missing).toMatchObject({ code: "NOT_FOUND" });
    const bad = await handle.readOnce({ offset: 5 as never }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "INVALID_ARGUMENT", option: "offset" });
  });
});
