/**
 * The upgrade path (docs/storage.md, "Upgrading"): a data directory written by the second
 * on-disk format (fixtures/v2-data-dir, made by fixtures/make-v2-data-dir.ts with that
 * release) opens in this one, which serves exactly the same streams, data, offsets and
 * producer state, then takes appends and survives clean and crash restarts.
 */
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
