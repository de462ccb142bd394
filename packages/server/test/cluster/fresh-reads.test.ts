/**
 * Fresh reads at the engine (Engine `verifyReads`): a stream held in memory is checked with the
 * store's cheap probe before an answer, re-read only when it moved; off (one server, the
 * default) the store is never asked; a store without `probe` is asked with `lookup`.
 */
import { Engine, MemoryStore, type StreamProbe } from "@rivulet/server";
import { describe, expect, test } from "vitest";

const bytes = (value: string) => new TextEncoder().encode(value);
const create = {
  contentType: "text/plain",
  lifetime: {},
  closed: false,
  body: bytes(""),
  retention: {},
  fork: undefined,
};
const append = (body: string) => ({
  body: bytes(body),
  hasBody: true,
  contentType: "text/plain",
  close: false,
  streamSeq: undefined,
  producer: undefined,
});

/** A MemoryStore that counts what it is asked. */
class CountingStore extends MemoryStore {
  probes = 0;
  lookups = 0;
  override async probe(path: string): Promise<StreamProbe | undefined> {
    this.probes++;
    return super.probe(path);
  }
  override async lookup(path: string) {
    this.lookups++;
    return super.lookup(path);
  }
}

async function engines(store: MemoryStore, verifyReads: boolean) {
  const a = new Engine({ store, verifyReads });
  const b = new Engine({ store, verifyReads });
  await a.open();
  await b.open();
  return { a, b };
}

describe("fresh reads", () => {
  test("off (the default), a read of a stream in memory never asks the store", async () => {
    const store = new CountingStore();
    const a = new Engine({ store });
    await a.open();
    await a.create("/s", create);
    await a.append("/s", append("x"));
    const asked = { probes: store.probes, lookups: store.lookups };
    for (let i = 0; i < 5; i++) await a.current("/s", false);
    expect({ probes: store.probes, lookups: store.lookups }).toEqual(asked);
  });

  test("on, an unmoved stream costs one probe and no lookup; a moved one is re-read and current", async () => {
    const store = new CountingStore();
    const { a, b } = await engines(store, true);
    await a.create("/s", create);
    await b.current("/s", false);
    const lookups = store.lookups;
    const probes = store.probes;
    await b.current("/s", false);
    expect(store.probes).toBe(probes + 1);
    expect(store.lookups).toBe(lookups);
    await a.append("/s", append("moved"));
    expect((await b.current("/s", false)).tail).toBe(5);
    expect(store.lookups).toBe(lookups + 1);
  });

  test("a store without probe is asked with lookup", async () => {
    const store = new MemoryStore();
    Object.defineProperty(store, "probe", { value: undefined });
    const { a, b } = await engines(store, true);
    await a.create("/s", create);
    await b.current("/s", false);
    await a.append("/s", append("abc"));
    expect((await b.current("/s", false)).tail).toBe(3);
  });

  test("reads racing this node's own pipelined appends neither wait them out nor undo them", async () => {
    const store = new MemoryStore();
    const { a } = await engines(store, true);
    await a.create("/s", create);
    const appends = Array.from({ length: 50 }, (_, i) => a.append("/s", append(`${i % 10}`)));
    const reads = Array.from({ length: 50 }, () => a.current("/s", false));
    const results = await Promise.all(appends);
    await Promise.all(reads);
    expect(results.map((r) => r.tail)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const stream = await a.current("/s", false);
    expect(stream.tail).toBe(50);
    expect(new TextDecoder().decode(await store.read("/s", 0, 50))).toBe("0123456789".repeat(5));
  });

  test("a delete through B of a stream A re-created removes A's new stream, not a stale one", async () => {
    const store = new MemoryStore();
    const { a, b } = await engines(store, true);
    await a.create("/s", create);
    await b.current("/s", false);
    await a.delete("/s");
    await a.create("/s", { ...create, body: bytes("new") });
    await b.delete("/s");
    expect(await store.lookup("/s")).toBeUndefined();
    await expect(a.current("/s", false)).rejects.toMatchObject({ code: "STREAM_NOT_FOUND" });
  });
});
