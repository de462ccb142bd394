/**
 * Records mode (docs/extensions.md, "Records view"): `records: true` asks every request of a
 * read for the records view, in catch-up, long-poll and SSE, and each message arrives with its
 * offsets, seq and append time; `items` are the values. Against a real server with its own clock.
 */
import { type Batch, DurableStream, type LiveMode, type StreamRecord } from "@rivulet/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let now = 1_700_000_000_000;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 300, clock: () => now });
});
afterAll(() => server.close());

async function created(name: string, contentType: string): Promise<DurableStream> {
  return DurableStream.create({ url: server.streamUrl(name), contentType });
}

/** Appends each message at its own clock time, one second apart; the offsets after each. */
async function appendTimed(
  handle: DurableStream,
  messages: unknown[],
): Promise<{ offsets: string[]; times: number[] }> {
  const offsets: string[] = [];
  const times: number[] = [];
  for (const message of messages) {
    now += 1_000;
    times.push(now);
    const result = await handle.appendJson(message);
    offsets.push(result.offset);
  }
  return { offsets, times };
}

describe("records in a catch-up read", () => {
  it("every message with its offset, next offset, seq and append time; items are the values", async () => {
    const handle = await created("catch-up", "application/json");
    const start = (await handle.head()).offset;
    const { offsets, times } = await appendTimed(handle, [{ a: 1 }, "two", [3]]);
    const response = await handle.stream({ records: true });
    const batches: Batch[] = [];
    for await (const batch of response) batches.push(batch);
    const records = batches.flatMap((batch) => batch.records ?? []);
    expect(records).toEqual([
      { offset: start, nextOffset: offsets[0], seq: 0, timestamp: times[0], value: { a: 1 } },
      { offset: offsets[0], nextOffset: offsets[1], seq: 1, timestamp: times[1], value: "two" },
      { offset: offsets[1], nextOffset: offsets[2], seq: 2, timestamp: times[2], value: [3] },
    ]);
    expect(batches.flatMap((batch) => batch.items)).toEqual([{ a: 1 }, "two", [3]]);
    expect(response.offset).toBe(offsets[2]);
    // The stream's own content type, not the records answer's.
    expect(response.contentType).toMatch(/^application\/json/);
  });

  it("records() yields them one by one, json() the values; reading from a record's offset starts there", async () => {
    const handle = await created("one-by-one", "application/json");
    await appendTimed(handle, [1, 2, 3]);
    const records: StreamRecord<number>[] = [];
    for await (const record of (await handle.stream<number>({ records: true })).records()) records.push(record);
    expect(records.map((r) => [r.seq, r.value])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(await (await handle.stream({ records: true, offset: records[1]!.offset })).json()).toEqual([2, 3]);
    expect(await (await handle.stream({ records: true, offset: records[1]!.nextOffset })).json()).toEqual([3]);
  });

  it("limit caps the records per response; the read goes on to the tail", async () => {
    const handle = await created("limit", "application/json");
    await handle.appendJsonBatch([0, 1, 2, 3, 4, 5, 6]);
    const sizes: number[] = [];
    const values: unknown[] = [];
    for await (const batch of await handle.stream({ records: { limit: 3 } })) {
      sizes.push(batch.records!.length);
      values.push(...batch.items);
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("one record per append on text and byte streams: text as text, bytes as bytes", async () => {
    const text = await created("text", "text/plain");
    await text.append("hello ");
    await text.append("wörld\n");
    const textRecords = await collectRecords(text);
    expect(textRecords.map((r) => [r.seq, r.value])).toEqual([
      [0, "hello "],
      [1, "wörld\n"],
    ]);
    const binary = await created("bytes", "application/octet-stream");
    await binary.append(new Uint8Array([0, 255, 10]));
    await binary.append(new Uint8Array([13]));
    const byteRecords = await collectRecords(binary);
    expect(byteRecords.map((r) => [r.seq, Array.from(r.value as Uint8Array)])).toEqual([
      [0, [0, 255, 10]],
      [1, [13]],
    ]);
    // Without a known content type, one HEAD tells it before the read.
    const fresh = new DurableStream({ url: binary.url });
    const again = await collectRecords(fresh);
    expect(again[0]!.value).toBeInstanceOf(Uint8Array);
  });

  it("validate checks each value; a rejection is a PARSE_ERROR", async () => {
    const handle = await created("validate", "application/json");
    await handle.appendJsonBatch([1, "x"]);
    const response = await handle.stream<number>({
      records: true,
      validate: (value) => {
        if (typeof value !== "number") throw new Error("not a number");
        return value;
      },
    });
    await expect(response.json()).rejects.toMatchObject({ code: "PARSE_ERROR" });
  });

  it("readOnce pages records; offset now gives none", async () => {
    const handle = await created("read-once", "application/json");
    await handle.appendJsonBatch(["a", "b", "c"]);
    const page = await handle.readOnce({ records: { limit: 2 } });
    expect(page.records!.map((r) => r.value)).toEqual(["a", "b"]);
    expect(page.upToDate).toBe(false);
    const rest = await handle.readOnce({ records: true, offset: page.offset });
    expect(rest.records!.map((r) => [r.seq, r.value])).toEqual([[2, "c"]]);
    expect(rest.upToDate).toBe(true);
    const tail = await handle.readOnce({ records: true, offset: "now" });
    expect(tail.records).toEqual([]);
  });
});

describe.each<LiveMode>(["long-poll", "sse", "auto"])("records live with %s", (live) => {
  it("follows new appends as records until closure", async () => {
    const handle = await created(`live-${live}`, "application/json");
    await appendTimed(handle, ["before"]);
    const response = await handle.stream({ records: true, live });
    const seen: StreamRecord[] = [];
    const reader = (async () => {
      for await (const batch of response) {
        seen.push(...(batch.records ?? []));
        if (batch.closed) return;
      }
    })();
    const { times } = await appendTimed(handle, ["x", "y"]);
    await handle.close();
    await reader;
    expect(seen.map((r) => [r.seq, r.value])).toEqual([
      [0, "before"],
      [1, "x"],
      [2, "y"],
    ]);
    expect(seen.slice(1).map((r) => r.timestamp)).toEqual(times);
    expect(response.closed).toBe(true);
  });

  it("a binary stream's records arrive as bytes", async () => {
    const handle = await created(`live-bytes-${live}`, "application/octet-stream");
    const response = await handle.stream({ records: true, live });
    const values: number[][] = [];
    const reader = (async () => {
      for await (const batch of response) {
        for (const record of batch.records ?? []) values.push(Array.from(record.value as Uint8Array));
        if (batch.closed) return;
      }
    })();
    await handle.append(new Uint8Array([1, 2]));
    await handle.close({ body: new Uint8Array([255]) });
    await reader;
    expect(values).toEqual([[1, 2], [255]]);
  });
});

describe("records mode: misuse", () => {
  it("records() without records mode is USAGE; batches of a plain read carry no records", async () => {
    const handle = await created("plain", "application/json");
    await handle.appendJson(1);
    const response = await handle.stream();
    expect(() => response.records()).toThrow(expect.objectContaining({ code: "USAGE" }));
    const [batch] = await collectBatches(response);
    expect(batch!.records).toBeUndefined();
  });

  it.each([
    [{ records: "yes" }, "records"],
    [{ records: { limit: 0 } }, "records.limit"],
    [{ records: { limit: 1.5 } }, "records.limit"],
  ])("%j is INVALID_ARGUMENT naming %s, before any request", async (options, option) => {
    const handle = new DurableStream({ url: server.streamUrl("never-created"), contentType: "application/json" });
    await expect(handle.stream(options as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", option });
  });

  it("a missing stream is NOT_FOUND in records mode too", async () => {
    const missing = new DurableStream({ url: server.streamUrl("missing") });
    await expect(missing.stream({ records: true })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

async function collectRecords(handle: DurableStream): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  for await (const record of (await handle.stream({ records: true })).records()) out.push(record);
  return out;
}

async function collectBatches(response: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const batch of response) out.push(batch);
  return out;
}
