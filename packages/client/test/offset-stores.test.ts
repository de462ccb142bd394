import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryOffsetStore, type StorageLike, WebStorageOffsetStore } from "@rivulet/client/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileOffsetStore } from "../src/node.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-offsets-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

class MapStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

describe("offset stores", () => {
  it("MemoryOffsetStore keeps offsets per key", () => {
    const store = new MemoryOffsetStore();
    expect(store.load("a")).toBeUndefined();
    store.save("a", "0_1");
    store.save("b", "0_2");
    store.save("a", "0_3");
    expect([store.load("a"), store.load("b")]).toEqual(["0_3", "0_2"]);
  });

  it("WebStorageOffsetStore writes prefixed keys to the given storage", () => {
    const storage = new MapStorage();
    const store = new WebStorageOffsetStore({ storage, prefix: "app:" });
    store.save("s", "0_9");
    expect(storage.map.get("app:s")).toBe("0_9");
    expect(new WebStorageOffsetStore({ storage, prefix: "app:" }).load("s")).toBe("0_9");
    expect(store.load("other")).toBeUndefined();
  });

  it("WebStorageOffsetStore uses localStorage when the runtime has one, and says so when not", () => {
    const global = globalThis as { localStorage?: StorageLike };
    const had = Object.hasOwn(globalThis, "localStorage");
    const previous = global.localStorage;
    try {
      global.localStorage = new MapStorage();
      new WebStorageOffsetStore().save("k", "0_1");
      expect(global.localStorage.getItem("rivulet:offset:k")).toBe("0_1");
      delete global.localStorage;
      expect(WebStorageOffsetStore.defaultStorage()).toBeUndefined();
      expect(() => new WebStorageOffsetStore()).toThrow(expect.objectContaining({ code: "USAGE" }));
    } finally {
      if (had && previous !== undefined) global.localStorage = previous;
      else delete global.localStorage;
    }
  });

  it("FileOffsetStore persists across instances, leaving no temporary files", async () => {
    const path = join(dir, "nested", "offsets.json");
    const store = new FileOffsetStore(path);
    expect(await store.load("a")).toBeUndefined();
    await store.save("a", "0_1");
    await store.save("b", "0_2");
    const reopened = new FileOffsetStore(path);
    expect(await reopened.load("a")).toBe("0_1");
    expect(await reopened.load("b")).toBe("0_2");
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ a: "0_1", b: "0_2" });
    expect(await readdir(join(dir, "nested"))).toEqual(["offsets.json"]);
  });

  it("FileOffsetStore serialises concurrent saves; the last one wins", async () => {
    const path = join(dir, "concurrent.json");
    const store = new FileOffsetStore(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save("k", `0_${i}`)));
    expect(await new FileOffsetStore(path).load("k")).toBe("0_19");
  });

  it("FileOffsetStore reports an unreadable file instead of starting over", async () => {
    const path = join(dir, "not-a-dir");
    await writeFile(path, "x");
    const store = new FileOffsetStore(join(path, "offsets.json"));
    await expect(store.load("k")).rejects.toThrow();
  });
});
