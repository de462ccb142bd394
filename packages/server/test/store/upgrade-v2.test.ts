/**
 * The upgrade path (docs/storage.md, "Upgrading"): a data directory written by the second
 * on-disk format (fixtures/v2-data-dir, made by fixtures/make-v2-data-dir.ts with that
 * release) opens in this one, which serves exactly the same streams, data, offsets and
 * producer state, then takes appends and survives clean and crash restarts.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openAll } from "./open-all.js";
import { type Expected, Fixture, removeDir, storedAsExpected } from "./upgrade-fixture.js";

const fixture = await Fixture.load(2);

let dir: string;
let server: RivuletServer | undefined;
beforeEach(async () => {
  dir = await fixture.copy();
});
afterEach(async () => {
  await server?.close({ graceMs: 100 });
  server = undefined;
  await removeDir(dir);
});

async function startOn(target: string): Promise<RivuletServer> {
  server = await startServer({ port: 0, store: new FileStore({ dir: target }) });
  return server;
}

describe("a data directory of the second format", () => {
  test("opens with every stream, its data, offsets, closure, Stream-Seq and producer state as that format recovered them", async () => {
    const store = new FileStore({ dir });
    expect(await storedAsExpected(store, await openAll(store))).toEqual(fixture.streams);
    await store.close();
    // And again, from what this release wrote at its first open.
    const again = new FileStore({ dir });
    expect(await storedAsExpected(again, await openAll(again))).toEqual(fixture.streams);
    await again.close();
  });

  test("is served over HTTP exactly as before, deduplicates producer retries, then takes appends and survives restarts", async () => {
    let { url } = await startOn(dir);
    await fixture.checkServed(url);
    const post = (path: string, type: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
      fetch(`${url}/v1/stream/${path}`, { method: "POST", headers: { "content-type": type, ...headers }, body });
    const producer = (id: string, epoch: number, seq: number) => ({
      "producer-id": id,
      "producer-epoch": String(epoch),
      "producer-seq": String(seq),
    });
    expect((await post("producer", "application/json", "[3]", producer("p1", 0, 3))).status).toBe(204);
    expect((await post("producer", "application/json", '"p2-new-epoch"', producer("p2", 3, 0))).status).toBe(204);
    expect((await post("producer", "application/json", "[4]", producer("p1", 0, 4))).status).toBe(200);
    expect((await post("big-json", "application/json", '{"upgraded":true}')).status).toBe(204);
    expect((await post("big-bytes", "application/octet-stream", new Uint8Array([9, 9]))).status).toBe(204);

    const after: Expected[] = fixture.streams.map((stream) => ({ ...stream }));
    const grow = (path: string, more: Buffer) => {
      const stream = after.find((s) => s.path === path)!;
      stream.data = Buffer.concat([Buffer.from(stream.data, "base64"), more]).toString("base64");
      stream.tail += more.length;
    };
    grow("/v1/stream/producer", Buffer.from("4,\n"));
    grow("/v1/stream/big-json", Buffer.from('{"upgraded":true},\n'));
    grow("/v1/stream/big-bytes", Buffer.from([9, 9]));
    await fixture.checkServed(url, after);
    await server!.close();
    ({ url } = await startOn(dir));
    await fixture.checkServed(url, after);
    expect((await post("producer", "application/json", "[5]", producer("p1", 0, 5))).status).toBe(200);
    grow("/v1/stream/producer", Buffer.from("5,\n"));
    await (server!.app.options.store as FileStore).simulateCrash();
    await server!.close();
    ({ url } = await startOn(dir));
    await fixture.checkServed(url, after);
    expect((await post("producer", "application/json", "[5]", producer("p1", 0, 5))).status).toBe(204);
  });
});

describe("streams of the second format get an append index at the first open", () => {
  interface Rec {
    seq: number;
    ts: number;
    offset: string;
  }
  const records = async (url: string, path: string): Promise<Rec[]> =>
    (await (await fetch(`${url}${path}?offset=-1&view=records`)).json()) as Rec[];

  test("every message gets the seq it would have had and the time of that open, kept from then on", async () => {
    const before = Date.now();
    let { url } = await startOn(dir);
    const after = Date.now();
    const expected: Record<string, number> = {
      "/v1/stream/json": 5,
      "/v1/stream/big-json": 551,
      "/v1/stream/json-fork": 3, // two inherited messages and its own
      "/v1/stream/bytes": 1, // the old bytes are one record
      "/v1/stream/fork": 2, // the source's record it forked inside, and its own
      "/v1/stream/fork-of-fork": 2,
      "/v1/stream/empty": 0,
    };
    const seen = new Map<string, Rec[]>();
    for (const [path, next] of Object.entries(expected)) {
      const head = await fetch(`${url}${path}`, { method: "HEAD" });
      expect(head.headers.get("stream-next-seq"), path).toBe(String(next));
      const recs = await records(url, path);
      seen.set(path, recs);
      for (const rec of recs) {
        expect(rec.ts, path).toBeGreaterThanOrEqual(before);
        expect(rec.ts, path).toBeLessThanOrEqual(after);
      }
    }
    expect(seen.get("/v1/stream/big-json")!.map((r) => r.seq)).toEqual(Array.from({ length: 551 }, (_, i) => i));
    // New appends continue the seqs; a restart keeps the seqs and times the first open gave.
    const appended = await fetch(`${url}/v1/stream/big-json`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[1,2]",
    });
    expect(appended.headers.get("stream-append-seq")).toBe("551");
    await server!.close();
    ({ url } = await startOn(dir));
    for (const path of Object.keys(expected)) {
      const again = await records(url, path);
      expect(again.slice(0, seen.get(path)!.length), path).toEqual(seen.get(path));
    }
    expect((await fetch(`${url}/v1/stream/big-json`, { method: "HEAD" })).headers.get("stream-next-seq")).toBe("553");
  });

  test("its data stays in one segment as large as it was; new data goes to new segments, which retention frees", async () => {
    server = await startServer({ port: 0, store: new FileStore({ dir, segmentBytes: 32 * 1024 }) });
    const { url } = server;
    const path = `${url}/v1/stream/big-bytes`;
    // 75,000 bytes from before: segment 0 ends at 98,304 (three 32 KiB units).
    const more = new Uint8Array(40_000).fill(42); // to 115,000: into segment 1, which ends at 131,072
    expect(
      (await fetch(path, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: more }))
        .status,
    ).toBe(204);
    const names = (await readdir(join(dir, "streams"))).filter((name) => name.startsWith("4."));
    // The append's index entry is where it starts (segment 0); segment 1 has no full block yet.
    expect(names.sort()).toEqual(["4.98304.data", "4.crc", "4.data", "4.idx"]);
    const trimmed = await fetch(`${url}/v1/stream/__ds/trim/big-bytes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ offset: "now" }),
    });
    expect(trimmed.status).toBe(200);
    const left = (await readdir(join(dir, "streams"))).filter((name) => name.startsWith("4."));
    expect(left).toEqual(["4.98304.data"]);
    const tail = await fetch(`${path}?offset=-1`);
    expect(tail.status).toBe(200);
    expect((await tail.arrayBuffer()).byteLength).toBe(0);
  });
});
