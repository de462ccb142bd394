/**
 * The upgrade path (docs/storage.md, "Upgrading"): a data directory written by the first
 * on-disk format (fixtures/v1-data-dir, made by fixtures/make-v1-data-dir.ts with that
 * release) opens in this one, which serves exactly the same streams, data, offsets and
 * producer state, then takes appends and survives a restart in its own format.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatOffset } from "@rivulet/protocol";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openAll } from "./open-all.js";
import { type Expected, Fixture, removeDir, storedAsExpected } from "./upgrade-fixture.js";

const fixture = await Fixture.load(1);

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

describe("a data directory of the first format", () => {
  test("opens with every stream, its data, offsets, closure, Stream-Seq and producer state as that format recovered them", async () => {
    const store = new FileStore({ dir });
    expect(await storedAsExpected(store, await openAll(store))).toEqual(fixture.streams);
    await store.close();
    // The first format's checkpoint is replaced by current ones, and in its place is a marker
    // the first release refuses to start on (its checkpoint reader wants this format name):
    // it would misread current log segments as torn and cut them.
    const names = await readdir(dir);
    expect(names.some((name) => /^checkpoint-0{15}\d\.jsonl$/.test(name))).toBe(true);
    const marker = JSON.parse((await readFile(join(dir, "checkpoint.jsonl"), "utf8")).split("\n")[0]!);
    expect(marker.format).not.toBe("rivulet-checkpoint");
    expect(marker.note).toContain("must not open it");
  });

  test("is served over HTTP exactly as before, deduplicates producer retries, then takes appends and survives restarts", async () => {
    let { url } = await startOn(dir);
    await fixture.checkServed(url);

    // Producer state recovered from the old checkpoint and log: retries are duplicates.
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${url}/v1/stream/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const producer = (id: string, epoch: number, seq: number) => ({
      "producer-id": id,
      "producer-epoch": String(epoch),
      "producer-seq": String(seq),
    });
    expect((await post("producer", "[3]", producer("p1", 0, 3))).status).toBe(204);
    expect((await post("producer", '"p2-new-epoch"', producer("p2", 3, 0))).status).toBe(204);
    expect((await post("producer", "[4]", producer("p1", 0, 4))).status).toBe(200);
    expect((await post("after-checkpoint", '{"upgraded":true}', {})).status).toBe(204);
    const bytesAppend = await fetch(`${url}/v1/stream/bytes`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array([9, 9]),
    });
    expect(bytesAppend.status).toBe(204);

    const after: Expected[] = fixture.streams.map((stream) => ({ ...stream }));
    const grow = (path: string, more: Buffer) => {
      const stream = after.find((s) => s.path === path)!;
      stream.data = Buffer.concat([Buffer.from(stream.data, "base64"), more]).toString("base64");
      stream.tail += more.length;
    };
    grow("/v1/stream/producer", Buffer.from("4,\n"));
    grow("/v1/stream/after-checkpoint", Buffer.from('{"upgraded":true},\n'));
    grow("/v1/stream/bytes", Buffer.from([9, 9]));
    await fixture.checkServed(url, after);
    // A clean restart (from the new format's checkpoint), then a crash restart (from its log).
    await server!.close();
    ({ url } = await startOn(dir));
    await fixture.checkServed(url, after);
    expect((await readdir(dir)).filter((name) => /^checkpoint-\d{16}\.jsonl$/.test(name)).length).toBeGreaterThan(0);
    expect((await post("producer", "[4]", producer("p1", 0, 4))).status).toBe(204);
    expect((await post("producer", "[5]", producer("p1", 0, 5))).status).toBe(200);
    grow("/v1/stream/producer", Buffer.from("5,\n"));
    await (server!.app.options.store as FileStore).simulateCrash();
    await server!.close();
    ({ url } = await startOn(dir));
    await fixture.checkServed(url, after);
    expect((await post("producer", "[5]", producer("p1", 0, 5))).status).toBe(204);
  });

  test("its data files get checksums at the first open: a flipped byte afterwards is never served", async () => {
    await (await startOn(dir)).close();
    server = undefined;
    const file = join(dir, "streams", "2.data"); // /v1/stream/bytes
    const bytes = await readFile(file);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(file, bytes);
    const { url } = await startOn(dir);
    const response = await fetch(`${url}/v1/stream/bytes?offset=-1`);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("DATA_CORRUPTED");
  });

  test("its streams get seqs as if they had always been counted, and the time of the first open", async () => {
    const before = Date.now();
    const { url } = await startOn(dir);
    const after = Date.now();
    const next: Record<string, string> = {
      json: "5",
      producer: "6",
      "after-checkpoint": "2",
      "json-fork": "3",
      bytes: "1",
    };
    for (const [name, seq] of Object.entries(next)) {
      const head = await fetch(`${url}/v1/stream/${name}`, { method: "HEAD" });
      expect(head.headers.get("stream-next-seq"), name).toBe(seq);
      expect(head.headers.get("stream-earliest-offset"), name).toBe(formatOffset(0));
    }
    const records = (await (await fetch(`${url}/v1/stream/json?offset=-1&view=records`)).json()) as Array<{
      seq: number;
      ts: number;
      value: unknown;
    }>;
    expect(records.map((r) => [r.seq, r.value])).toEqual([
      [0, { n: 1 }],
      [1, { n: 2 }],
      [2, { n: 3, text: "line\nbreak" }],
      [3, { n: 4 }],
      [4, { n: 5 }],
    ]);
    for (const record of records) expect(record.ts >= before && record.ts <= after).toBe(true);
  });
});
