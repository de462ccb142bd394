/**
 * Two engines on one store, as two servers on one database will be: each looks streams up on
 * demand, and a write whose expectation another engine broke is re-decided, not failed. (An
 * engine serves reads from the state it holds; telling it of another's appends is the change
 * feed of the multi-node store, not part of this seam.)
 */
import { Engine, MemoryStore } from "@rivulet/server";
import { describe, expect, test } from "vitest";

const text = (value: string) => new TextEncoder().encode(value);
const create = (body = "") => ({
  contentType: "text/plain",
  lifetime: {},
  closed: false,
  body: text(body),
  retention: {},
  fork: undefined,
});
const append = (body: string, producer?: { id: string; epoch: number; seq: number }) => ({
  body: text(body),
  hasBody: body.length > 0,
  contentType: "text/plain",
  close: false,
  streamSeq: undefined,
  producer,
});

async function twoEngines(verifyReads = false) {
  const store = new MemoryStore();
  const a = new Engine({ store, verifyReads });
  const b = new Engine({ store, verifyReads });
  await a.open();
  await b.open();
  const read = async (engine: Engine, path: string) => {
    const stream = await engine.get(path, false);
    return new TextDecoder().decode(await engine.readStored(stream, 0, stream.tail));
  };
  return { store, a, b, read };
}

describe("engines sharing a store", () => {
  test("a stream created through one is found through the other", async () => {
    const { a, b, read } = await twoEngines();
    await a.create("/s/x", create("hello"));
    expect(await read(b, "/s/x")).toBe("hello");
  });

  test("an append decided on a stale tail is re-decided against the stored one and lands after it", async () => {
    const { store, a, b, read } = await twoEngines();
    await a.create("/s/y", create());
    await b.get("/s/y", false); // b holds the empty stream
    await a.append("/s/y", append("first;"));
    const result = await b.append("/s/y", append("second;"));
    expect(result).toMatchObject({ written: true, tail: 13 });
    expect(new TextDecoder().decode(await store.read("/s/y", 0, 13))).toBe("first;second;");
    expect(await read(b, "/s/y")).toBe("first;second;");
  });

  test("an idempotent producer's retry through the other engine is a duplicate, not new data", async () => {
    const { a, b, read } = await twoEngines();
    await a.create("/s/p", create());
    await b.get("/s/p", false);
    const claim = { id: "p", epoch: 0, seq: 0 };
    expect((await a.append("/s/p", append("once;", claim))).written).toBe(true);
    expect((await b.append("/s/p", append("once;", claim))).written).toBe(false);
    expect(await read(b, "/s/p")).toBe("once;");
  });

  test("a create racing another engine's is decided against what that one made: same config 200, other 409", async () => {
    const { a, b } = await twoEngines();
    await b.get("/s/z", false).catch(() => {}); // b has looked and found nothing
    await a.create("/s/z", create());
    const same = await b.create("/s/z", create());
    expect(same.created).toBe(false);
    await expect(b.create("/s/z", { ...create(), contentType: "application/json" })).rejects.toMatchObject({
      code: "STREAM_EXISTS",
    });
  });

  test("a stream the other engine removed is not found once a write meets its absence", async () => {
    const { a, b } = await twoEngines();
    await a.create("/s/gone", create("x"));
    await b.get("/s/gone", false);
    await a.delete("/s/gone");
    await expect(b.append("/s/gone", append("y"))).rejects.toMatchObject({ code: "STREAM_NOT_FOUND" });
    await expect(b.get("/s/gone", false)).rejects.toMatchObject({ code: "STREAM_NOT_FOUND" });
  });

  test("with fresh reads, a producer's next seq through the other engine is checked against the store, not refused as a gap", async () => {
    const { a, b, read } = await twoEngines(true);
    await a.create("/s/seq", create());
    await b.get("/s/seq", false); // b holds the stream before the producer's first append
    expect((await a.append("/s/seq", append("zero;", { id: "p", epoch: 0, seq: 0 }))).written).toBe(true);
    expect((await b.append("/s/seq", append("one;", { id: "p", epoch: 0, seq: 1 }))).written).toBe(true);
    expect(await read(b, "/s/seq")).toBe("zero;one;");
  });

  test("an append decided for a stream the other engine deleted and re-created is decided again for the new one", async () => {
    const { a, b, read } = await twoEngines(true);
    await a.create("/s/again", create());
    // b holds the first stream, with producer p at seq 0 and a tail of 1.
    expect((await b.append("/s/again", append("a", { id: "p", epoch: 0, seq: 0 }))).written).toBe(true);
    await a.delete("/s/again");
    await a.create("/s/again", create("z")); // same tail, another stream
    // Decided on b's copy, seq 1 would follow seq 0; the new stream has never seen p.
    await expect(b.append("/s/again", append("b", { id: "p", epoch: 0, seq: 1 }))).rejects.toMatchObject({
      code: "PRODUCER_SEQ_GAP",
    });
    expect(await read(b, "/s/again")).toBe("z");
  });
});
