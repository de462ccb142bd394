/**
 * Against a server without the extensions (the reference server, `@durable-streams/server`):
 * every call that needs one fails with UNSUPPORTED, and nothing is sent that such a server
 * would misread — a conditional append is never sent unconditionally, a create with retention
 * never makes a stream that keeps everything. What needs no extension works as before:
 * `"earliest"` is the beginning, append results simply have no seq or time.
 */
import { DurableStreamTestServer } from "@durable-streams/server";
import { type ClientEvent, createClient, DurableStream, type LiveMode, type StreamError } from "@rivulet/client";
import { getRetention, setRetention, trim } from "@rivulet/client/admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "./support/server.js";

let reference: DurableStreamTestServer;
let base: string;
beforeAll(async () => {
  reference = new DurableStreamTestServer({ port: 0, longPollTimeout: 300 });
  base = await reference.start();
});
afterAll(() => reference.stop());

async function jsonStream(name: string, onEvent?: (e: ClientEvent) => void) {
  const handle = await DurableStream.create({
    url: `${base}/v1/stream/${uniqueName(name)}`,
    contentType: "application/json",
    ...(onEvent && { onEvent }),
  });
  await handle.appendJsonBatch(["a", "b"]);
  return handle;
}

function expectUnsupported(error: unknown, extension: string): void {
  expect(error).toMatchObject({ code: "UNSUPPORTED", isRetryable: false });
  expect((error as StreamError).message).toContain(`"${extension}"`);
}

describe("a server without the extensions", () => {
  it("a conditional append is UNSUPPORTED and nothing is written", async () => {
    const events: ClientEvent[] = [];
    const handle = await jsonStream("conditional", (e) => events.push(e));
    events.length = 0;
    const error = await handle.appendJson("c", { expectedSeq: 2 }).catch((e: unknown) => e);
    expectUnsupported(error, "conditional-append");
    expect(events.filter((e) => e.type === "request:start" && e.method === "POST")).toEqual([]);
    expect(await (await handle.stream()).json()).toEqual(["a", "b"]);
  });

  it("a create with retention is UNSUPPORTED and no stream is made", async () => {
    const handle = new DurableStream({ url: `${base}/v1/stream/${uniqueName("retention")}` });
    expectUnsupported(await handle.create({ retentionMs: 60_000 }).catch((e: unknown) => e), "retention");
    expect(await handle.exists()).toBe(false);
  });

  it("reading from a point in time is UNSUPPORTED: the server's plain HEAD names no message", async () => {
    const handle = await jsonStream("at");
    expectUnsupported(await handle.stream({ offset: { at: 0 } }).catch((e: unknown) => e), "time-index");
    expectUnsupported(await handle.offsetAt(new Date()).catch((e: unknown) => e), "time-index");
    expectUnsupported(await handle.readOnce({ offset: { at: 0 } }).catch((e: unknown) => e), "time-index");
  });

  it.each<LiveMode>([false, "long-poll", "sse"])(
    "records mode (live %s) is UNSUPPORTED: the answer does not say it applied the view",
    async (live) => {
      const handle = await jsonStream(`records-${live}`);
      const offset = live === false ? "earliest" : "now";
      const error = await handle.stream({ records: true, live, offset }).catch((e: unknown) => e);
      expectUnsupported(error, "records");
    },
  );

  it("readOnce in records mode is UNSUPPORTED", async () => {
    const handle = await jsonStream("read-once");
    expectUnsupported(await handle.readOnce({ records: true }).catch((e: unknown) => e), "records");
  });

  it("admin calls are UNSUPPORTED, for a bare handle and a client's alike", async () => {
    const handle = await jsonStream("admin");
    expectUnsupported(await getRetention(handle).catch((e: unknown) => e), "retention");
    expectUnsupported(await setRetention(handle, { ms: 1 }).catch((e: unknown) => e), "retention");
    expectUnsupported(await trim(handle, "now").catch((e: unknown) => e), "trim");
    const client = createClient({ baseUrl: `${base}/v1/stream` });
    expectUnsupported(
      await getRetention(client.stream(new URL(handle.url).pathname.split("/").pop()!)).catch((e: unknown) => e),
      "retention",
    );
  });

  it('what needs no extension works: "earliest" reads everything, results have no seq or time', async () => {
    const handle = await jsonStream("plain");
    expect(await (await handle.stream({ offset: "earliest" })).json()).toEqual(["a", "b"]);
    expect(await handle.appendJson("c")).toMatchObject({ seq: undefined, timestamp: undefined });
    expect(await handle.head()).toMatchObject({
      earliestOffset: undefined,
      nextSeq: undefined,
      retentionMs: undefined,
    });
  });
});
