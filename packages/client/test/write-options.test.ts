/**
 * What a single write call can carry beyond its body: its own headers and query parameters,
 * a manual producer stamp (id, epoch, seq), and the context an error keeps. Against a real
 * server, with a recording proxy in front where the test must see what was sent.
 */
import {
  type ClientEvent,
  ConfigConflictError,
  DurableStream,
  InvalidArgumentError,
  SequenceGapError,
  StaleEpochError,
  StreamError,
} from "@rivulet/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, firstN, isPost, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

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

async function errorOf(promise: Promise<unknown>): Promise<StreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StreamError) return error;
    throw error;
  }
  throw new Error("expected a StreamError");
}

const fastRetry = { initialDelayMs: 5, maxDelayMs: 20 };

describe("per-call headers and params on writes", () => {
  it("create, append, close, delete and head send the call's headers and params over the handle's", async () => {
    const url = server.streamUrl("per-call", proxy.url);
    const handle = new DurableStream({
      url,
      headers: { "x-handle": "h", "x-both": "handle" },
      params: { p: "handle" },
    });
    const call = (name: string) => ({
      headers: { "x-call": name, "x-both": () => `call-${name}` },
      params: () => ({ p: name, only: "call" }),
    });
    await handle.create({ contentType: "text/plain", ...call("create") });
    await handle.append("a", call("append"));
    await handle.head(call("head"));
    await handle.close(call("close"));
    await handle.delete(call("delete"));
    const seen = proxy.requests.filter((r) => url.endsWith(r.url.pathname));
    expect(seen.map((r) => r.method)).toEqual(["PUT", "POST", "HEAD", "POST", "DELETE"]);
    for (const [request, name] of seen.map(
      (r, i) => [r, ["create", "append", "head", "close", "delete"][i]] as const,
    )) {
      expect(request.headers["x-handle"]).toBe("h");
      expect(request.headers["x-call"]).toBe(name);
      expect(request.headers["x-both"]).toBe(`call-${name}`);
      expect(request.url.searchParams.get("p")).toBe(name);
      expect(request.url.searchParams.get("only")).toBe("call");
    }
  });

  it("a call's headers that are neither an object nor a function are INVALID_ARGUMENT before any request", async () => {
    const url = server.streamUrl("per-call-bad", proxy.url);
    const handle = new DurableStream({ url, contentType: "text/plain" });
    const before = proxy.requests.length;
    const error = await errorOf(handle.append("x", { headers: "x-a: b" as never }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).option).toBe("headers");
    expect((await errorOf(handle.delete({ params: 3 as never }))).code).toBe("INVALID_ARGUMENT");
    expect(proxy.requests.length).toBe(before);
  });
});

describe("manual idempotent appends", () => {
  it("sends the producer headers and says whether the server already had the append", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("manual"), contentType: "application/json" });
    const stamp = (seq: number) => ({ producer: { id: "importer", epoch: 0, seq } });
    const first = await handle.appendJson({ n: 0 }, stamp(0));
    expect(first.duplicate).toBe(false);
    const again = await handle.appendJson({ n: 0 }, stamp(0));
    expect(again).toMatchObject({ duplicate: true, closed: false });
    const second = await handle.appendJson({ n: 1 }, stamp(1));
    expect(second.duplicate).toBe(false);
    expect(second.offset > first.offset).toBe(true);
    expect(await (await handle.stream()).json()).toEqual([{ n: 0 }, { n: 1 }]);
    // A plain append is never a duplicate.
    expect((await handle.appendJson({ n: 2 })).duplicate).toBe(false);
  });

  it("is retried after a lost response, and the retry is recognised as a duplicate: the data lands once", async () => {
    const direct = await DurableStream.create({ url: server.streamUrl("manual-lost"), contentType: "text/plain" });
    const handle = new DurableStream({
      url: `${proxy.url}${new URL(direct.url).pathname}`,
      contentType: "text/plain",
      retry: fastRetry,
    });
    proxy.setRule(firstN(1, isPost, { kind: "drop-response" }));
    const result = await handle.append("once", { producer: { id: "p", epoch: 0, seq: 0 } });
    expect(result.duplicate).toBe(true);
    expect(await (await direct.stream()).text()).toBe("once");
    // Without a stamp the same lost response is not repeated: it could write twice.
    proxy.setRule(firstN(1, isPost, { kind: "drop-response" }));
    expect((await errorOf(handle.append("plain"))).code).toBe("NETWORK");
  });

  it("reports a skipped seq as SEQUENCE_GAP and an older epoch as STALE_EPOCH", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("manual-gap"), contentType: "text/plain" });
    await handle.append("a", { producer: { id: "p", epoch: 1, seq: 0 } });
    const gap = await errorOf(handle.append("c", { producer: { id: "p", epoch: 1, seq: 2 } }));
    expect(gap).toBeInstanceOf(SequenceGapError);
    expect(gap).toMatchObject({ expectedSeq: 1, receivedSeq: 2 });
    const stale = await errorOf(handle.append("x", { producer: { id: "p", epoch: 0, seq: 0 } }));
    expect(stale).toBeInstanceOf(StaleEpochError);
    expect((stale as StaleEpochError).serverEpoch).toBe(1);
  });

  it("refuses a stamp that cannot work, naming the field, before any request", async () => {
    const url = server.streamUrl("manual-bad", proxy.url);
    const handle = new DurableStream({ url, contentType: "text/plain" });
    const before = proxy.requests.length;
    const bad = [
      [{ id: "", epoch: 0, seq: 0 }, "producer.id"],
      [{ id: "p", epoch: -1, seq: 0 }, "producer.epoch"],
      [{ id: "p", epoch: 0, seq: 1.5 }, "producer.seq"],
      [{ id: "p", epoch: 0 }, "producer.seq"],
      ["p", "producer"],
    ] as const;
    for (const [producer, option] of bad) {
      const error = await errorOf(handle.append("x", { producer: producer as never }));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).option).toBe(option);
    }
    expect(proxy.requests.length).toBe(before);
  });
});

describe("errors keep their context", () => {
  it("a failed response's headers stay on the error", async () => {
    const missing = await errorOf(new DurableStream({ url: server.streamUrl("missing") }).head());
    expect(missing.code).toBe("NOT_FOUND");
    expect(missing.headers?.get("x-request-id")).toMatch(/.+/);
    const refused = await errorOf(
      new DurableStream({ url: "http://127.0.0.1:1/v1/stream/x", retry: { maxRetries: 0 } }).head(),
    );
    expect(refused.code).toBe("NETWORK");
    expect(refused.headers).toBeUndefined();
  });

  it("a content type conflict names the stream's type and the one sent", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("conflict"), contentType: "application/json" });
    const append = await errorOf(handle.append("text", { contentType: "text/plain" }));
    expect(append).toBeInstanceOf(ConfigConflictError);
    expect(append).toMatchObject({ expectedContentType: "application/json", actualContentType: "text/plain" });
    const close = await errorOf(handle.close({ body: "bye", contentType: "text/csv" }));
    expect(close).toMatchObject({ expectedContentType: "application/json", actualContentType: "text/csv" });
    const fork = await errorOf(handle.fork(`${handle.url}-fork`, { contentType: "text/plain" }));
    expect(fork).toMatchObject({ code: "CONFIG_CONFLICT", expectedContentType: "application/json" });
    expect(fork).toMatchObject({ actualContentType: "text/plain" });
  });
});

describe("request events", () => {
  it("request:start counts the tries of one request", async () => {
    const direct = await DurableStream.create({ url: server.streamUrl("attempts"), contentType: "text/plain" });
    const events: ClientEvent[] = [];
    const handle = new DurableStream({
      url: `${proxy.url}${new URL(direct.url).pathname}`,
      retry: fastRetry,
      onEvent: (event) => events.push(event),
    });
    proxy.setRule(firstN(2, (r) => r.method === "HEAD", { kind: "status", status: 503 }));
    await handle.head();
    const starts = events.filter((e) => e.type === "request:start");
    expect(starts.map((e) => e.type === "request:start" && e.attempt)).toEqual([1, 2, 3]);
  });
});
