/**
 * The upgrade path (docs/storage.md, "Upgrading"): a data directory written by the first
 * on-disk format (fixtures/v1-data-dir, made by fixtures/make-v1-data-dir.ts with that
 * release) opens in this one, which serves exactly the same streams, data, offsets and
 * producer state, then takes appends and survives a restart in its own format.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatOffset } from "@rivulet/protocol";
import { FileStore, type RivuletServer, type StoredStream, startServer } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openAll } from "./open-all.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/v1-data-dir", import.meta.url));
const EXPECTED = fileURLToPath(new URL("./fixtures/v1-expected.json", import.meta.url));

interface Expected {
  path: string;
  contentType: string;
  lifetime: { ttlSeconds?: number; expiresAt?: number };
  createdAt: number;
  fork: { source: string; position: number } | null;
  tail: number;
  closed: boolean;
  closedBy: { id: string; epoch: number; seq: number } | null;
  lastStreamSeq: string | null;
  producers: Array<[string, number, number]>;
  softDeleted: boolean;
  data: string;
}

const expected = (JSON.parse(await readFile(EXPECTED, "utf8")) as { streams: Expected[] }).streams;
const byPath = new Map(expected.map((e) => [e.path, e]));

let dir: string;
let server: RivuletServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-upgrade-"));
  await cp(FIXTURE, dir, { recursive: true });
});
afterEach(async () => {
  await server?.close({ graceMs: 100 });
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

function asExpected(stream: StoredStream, data: Uint8Array): Expected {
  return {
    path: stream.meta.path,
    contentType: stream.meta.contentType,
    lifetime: stream.meta.lifetime,
    createdAt: stream.meta.createdAt,
    fork: stream.meta.fork ?? null,
    tail: stream.tail,
    closed: stream.closed,
    closedBy: stream.closedBy ?? null,
    lastStreamSeq: stream.lastStreamSeq ?? null,
    producers: [...stream.producers].map(([id, state]) => [id, state.epoch, state.lastSeq]),
    softDeleted: stream.softDeleted,
    data: Buffer.from(data).toString("base64"),
  };
}

/** Every stored byte a read of the stream returns, inherited ones included. */
function fullData(stream: Expected): Buffer {
  const own = Buffer.from(stream.data, "base64");
  if (!stream.fork) return own;
  return Buffer.concat([fullData(byPath.get(stream.fork.source)!).subarray(0, stream.fork.position), own]);
}

/** What a catch-up read of the whole stream answers (JSON streams: the stored messages as an array). */
function served(stream: Expected): Buffer {
  const bytes = fullData(stream);
  if (stream.contentType !== "application/json") return bytes;
  return Buffer.concat([Buffer.from("["), bytes.subarray(0, Math.max(0, bytes.length - 2)), Buffer.from("]")]);
}

async function startOn(target: string): Promise<RivuletServer> {
  server = await startServer({ port: 0, store: new FileStore({ dir: target }) });
  return server;
}

async function checkServed(url: string, streams: Expected[]): Promise<void> {
  for (const stream of streams) {
    const response = await fetch(`${url}${stream.path}?offset=-1`);
    if (stream.softDeleted) {
      expect(response.status, stream.path).toBe(410);
      continue;
    }
    expect(response.status, stream.path).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(served(stream)), stream.path).toBe(true);
    expect(response.headers.get("stream-next-offset"), stream.path).toBe(formatOffset(stream.tail));
    expect(response.headers.get("stream-closed") === "true", stream.path).toBe(stream.closed);
  }
}

describe("a data directory of the first format", () => {
  test("opens with every stream, its data, offsets, closure, Stream-Seq and producer state as that format recovered them", async () => {
    const store = new FileStore({ dir });
    const streams = await openAll(store);
    const actual = await Promise.all(
      streams
        .sort((a, b) => (a.meta.path < b.meta.path ? -1 : 1))
        .map(async (s) => asExpected(s, await store.read(s.meta.path, s.meta.fork?.position ?? 0, s.tail))),
    );
    expect(actual).toEqual(expected);
    await store.close();
    // The previous format's checkpoint lives on as a format-2 one, and in its place is a marker
    // the previous release refuses to start on (its checkpoint reader wants this format name):
    // it would misread format-2 log segments as torn and cut them.
    const names = await readdir(dir);
    expect(names).toContain("checkpoint-0000000000000001.jsonl");
    const marker = JSON.parse((await readFile(join(dir, "checkpoint.jsonl"), "utf8")).split("\n")[0]!);
    expect(marker.format).not.toBe("rivulet-checkpoint");
    expect(marker.note).toContain("must not open it");
  });

  test("is served over HTTP exactly as before, deduplicates producer retries, then takes appends and survives restarts", async () => {
    let { url } = await startOn(dir);
    await checkServed(url, expected);

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

    const after = expected.map((stream) => ({ ...stream }));
    const grow = (path: string, more: Buffer) => {
      const stream = after.find((s) => s.path === path)!;
      stream.data = Buffer.concat([Buffer.from(stream.data, "base64"), more]).toString("base64");
      stream.tail += more.length;
    };
    grow("/v1/stream/producer", Buffer.from("4,\n"));
    grow("/v1/stream/after-checkpoint", Buffer.from('{"upgraded":true},\n'));
    grow("/v1/stream/bytes", Buffer.from([9, 9]));
    byPath.clear();
    for (const stream of after) byPath.set(stream.path, stream);
    try {
      await checkServed(url, after);
      // A clean restart (from the new format's checkpoint), then a crash restart (from its log).
      await server!.close();
      ({ url } = await startOn(dir));
      await checkServed(url, after);
      expect((await readdir(dir)).filter((name) => /^checkpoint-\d{16}\.jsonl$/.test(name)).length).toBeGreaterThan(0);
      expect((await post("producer", "[4]", producer("p1", 0, 4))).status).toBe(204);
      expect((await post("producer", "[5]", producer("p1", 0, 5))).status).toBe(200);
      grow("/v1/stream/producer", Buffer.from("5,\n"));
      await (server!.app.options.store as FileStore).simulateCrash();
      await server!.close();
      ({ url } = await startOn(dir));
      await checkServed(url, after);
      expect((await post("producer", "[5]", producer("p1", 0, 5))).status).toBe(204);
    } finally {
      byPath.clear();
      for (const stream of expected) byPath.set(stream.path, stream);
    }
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
});
