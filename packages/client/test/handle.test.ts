import { DurableStream, StreamClosedError, StreamError } from "@rivulet/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function errorOf(promise: Promise<unknown>): Promise<StreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StreamError) return error;
    throw error;
  }
  throw new Error("expected a StreamError");
}

describe("DurableStream handle", () => {
  it("creates a stream, appends, and returns each new offset", async () => {
    const url = server.streamUrl("create");
    const handle = await DurableStream.create({ url, contentType: "text/plain" });
    expect(handle.contentType).toBe("text/plain");
    const first = await handle.append("hello ");
    const second = await handle.append(new TextEncoder().encode("world"));
    expect(first.offset < second.offset).toBe(true);
    expect((await handle.head()).offset).toBe(second.offset);
    const read = await handle.stream();
    expect(await read.text()).toBe("hello world");
  });

  it("create is idempotent, reports created=false, and fails with ALREADY_EXISTS when exclusive or different", async () => {
    const url = server.streamUrl("idem");
    const handle = new DurableStream({ url });
    expect((await handle.create({ contentType: "application/json" })).created).toBe(true);
    expect((await handle.create({ contentType: "application/json" })).created).toBe(false);
    const exclusive = await errorOf(handle.create({ contentType: "application/json", exclusive: true }));
    expect(exclusive.code).toBe("ALREADY_EXISTS");
    const different = await errorOf(handle.create({ contentType: "text/plain" }));
    expect(different.code).toBe("ALREADY_EXISTS");
    expect(different.status).toBe(409);
    expect(different.url).toBe(url);
    expect(different.isRetryable).toBe(false);
  });

  it("connect checks that the stream exists and learns its content type", async () => {
    const url = server.streamUrl("connect");
    const missing = await errorOf(DurableStream.connect({ url }));
    expect(missing.code).toBe("NOT_FOUND");
    expect(missing.status).toBe(404);
    await DurableStream.create({ url, contentType: "application/json" });
    const handle = await DurableStream.connect({ url });
    expect(handle.contentType).toBe("application/json");
    expect(await handle.exists()).toBe(true);
    expect(await new DurableStream({ url: `${url}-nope` }).exists()).toBe(false);
  });

  it("head reports offset, closure and lifetime", async () => {
    const url = server.streamUrl("head");
    const handle = await DurableStream.create({ url, contentType: "text/plain", ttlSeconds: 3600 });
    const info = await handle.head();
    expect(info).toMatchObject({ contentType: "text/plain", closed: false, ttlSeconds: 3600 });
    await handle.close();
    expect((await handle.head()).closed).toBe(true);
  });

  it("appends JSON messages one at a time and in batches, keeping arrays as single messages", async () => {
    const url = server.streamUrl("json");
    const handle = await DurableStream.create({ url, contentType: "application/json" });
    await handle.appendJson({ n: 1 });
    await handle.appendJson([1, 2]);
    await handle.appendJsonBatch([{ n: 2 }, "three"]);
    const read = await handle.stream();
    expect(await read.json()).toEqual([{ n: 1 }, [1, 2], { n: 2 }, "three"]);
  });

  it("streams an append body from an async iterable and from a ReadableStream", async () => {
    const url = server.streamUrl("append-stream");
    const handle = await DurableStream.create({ url, contentType: "text/plain" });
    async function* parts() {
      yield "a";
      yield new TextEncoder().encode("b");
      yield "c";
    }
    await handle.appendStream(parts());
    const readable = new ReadableStream<string>({
      start(controller) {
        controller.enqueue("d");
        controller.enqueue("e");
        controller.close();
      },
    });
    const result = await handle.appendStream(readable);
    expect(result.offset).toBe((await handle.head()).offset);
    expect(await (await handle.stream()).text()).toBe("abcde");
  });

  it("closes with a final message, then rejects appends with STREAM_CLOSED and the final offset", async () => {
    const url = server.streamUrl("close");
    const handle = await DurableStream.create({ url, contentType: "text/plain" });
    await handle.append("body;");
    const closed = await handle.close({ body: "the end" });
    expect(closed.closed).toBe(true);
    const error = await errorOf(handle.append("more"));
    expect(error).toBeInstanceOf(StreamClosedError);
    expect(error.code).toBe("STREAM_CLOSED");
    expect((error as StreamClosedError).finalOffset).toBe(closed.offset);
    // Close-only is idempotent.
    expect((await handle.close()).offset).toBe(closed.offset);
    expect(await (await handle.stream()).text()).toBe("body;the end");
  });

  it("deletes, after which the stream is NOT_FOUND", async () => {
    const url = server.streamUrl("delete");
    const handle = await DurableStream.create({ url, contentType: "text/plain" });
    await handle.delete();
    expect((await errorOf(handle.head())).code).toBe("NOT_FOUND");
    expect((await errorOf(handle.delete())).code).toBe("NOT_FOUND");
  });

  it("forks at an offset: the fork inherits data up to there and then diverges", async () => {
    const url = server.streamUrl("source");
    const source = await DurableStream.create({ url, contentType: "text/plain" });
    const { offset } = await source.append("shared;");
    await source.append("source-only;");
    const fork = await source.fork(`${url}-fork`, { offset });
    expect(fork.contentType).toBe("text/plain");
    await fork.append("fork-only;");
    expect(await (await fork.stream()).text()).toBe("shared;fork-only;");
    expect(await (await source.stream()).text()).toBe("shared;source-only;");
  });

  it("createFork also tells the fork's tail offset and whether it is new", async () => {
    const url = server.streamUrl("create-fork");
    const source = await DurableStream.create({ url, contentType: "text/plain" });
    const { offset } = await source.append("shared;");
    await source.append("more;");
    const first = await source.createFork(`${url}-fork`, { offset });
    expect(first).toMatchObject({ created: true, offset, contentType: "text/plain", closed: false });
    expect((await first.stream.head()).offset).toBe(offset);
    // Forking again with the same settings is idempotent (PROTOCOL §4.2).
    expect(await source.createFork(`${url}-fork`, { offset })).toMatchObject({ created: false, offset });
  });

  it("fork target paths resolve relative to the source URL", async () => {
    const url = server.streamUrl("relative");
    const source = await DurableStream.create({ url, contentType: "text/plain" });
    await source.append("x");
    const fork = await source.fork("relative-fork-target");
    expect(fork.url).toBe(new URL("relative-fork-target", url).toString());
    expect(await (await fork.stream()).text()).toBe("x");
  });

  it("a Stream-Seq that does not increase is a SEQUENCE_CONFLICT", async () => {
    const url = server.streamUrl("seq");
    const handle = await DurableStream.create({ url, contentType: "text/plain" });
    await handle.append("a", { seq: "0002" });
    const error = await errorOf(handle.append("b", { seq: "0001" }));
    expect(error.code).toBe("SEQUENCE_CONFLICT");
    expect(error.status).toBe(409);
  });

  it("a content type mismatch is a CONFIG_CONFLICT; an unknown content type is a USAGE error", async () => {
    const url = server.streamUrl("ct");
    const handle = await DurableStream.create({ url, contentType: "application/json" });
    const mismatch = await errorOf(handle.append("x", { contentType: "text/plain" }));
    expect(mismatch.code).toBe("CONFIG_CONFLICT");
    const unknown = await errorOf(new DurableStream({ url }).append("x"));
    expect(unknown.code).toBe("USAGE");
  });

  it("sends static and dynamic headers and params with every request", async () => {
    const seen: { auth: string | null; key: string | null }[] = [];
    let token = 0;
    const url = server.streamUrl("headers");
    const fetchSpy = (input: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      seen.push({ auth: headers.get("authorization"), key: new URL(input).searchParams.get("api_key") });
      return fetch(input, init);
    };
    const handle = new DurableStream({
      url,
      fetch: fetchSpy,
      headers: { authorization: () => `Bearer t${++token}`, "x-static": "yes" },
      params: { api_key: "k1" },
    });
    await handle.create({ contentType: "text/plain" });
    await handle.append("x");
    expect(seen).toEqual([
      { auth: "Bearer t1", key: "k1" },
      { auth: "Bearer t2", key: "k1" },
    ]);
  });
});
