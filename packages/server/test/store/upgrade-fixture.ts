/**
 * A data directory of a previous on-disk format (fixtures/v<n>-data-dir, made by that release's
 * fixtures/make-v<n>-data-dir.ts) and what that release recovered from it (v<n>-expected.json):
 * the upgrade tests copy it, open it with the current code and compare.
 */
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatOffset } from "@rivulet/protocol";
import type { Store, StoredStream } from "@rivulet/server";
import { expect } from "vitest";

export interface Expected {
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

export class Fixture {
  readonly dir: string;
  readonly streams: Expected[];
  private readonly byPath: Map<string, Expected>;

  private constructor(version: number, streams: Expected[]) {
    this.dir = fileURLToPath(new URL(`./fixtures/v${version}-data-dir`, import.meta.url));
    this.streams = streams;
    this.byPath = new Map(streams.map((e) => [e.path, e]));
  }

  static async load(version: number): Promise<Fixture> {
    const file = fileURLToPath(new URL(`./fixtures/v${version}-expected.json`, import.meta.url));
    const { streams } = JSON.parse(await readFile(file, "utf8")) as { streams: Expected[] };
    return new Fixture(version, streams);
  }

  /** A fresh copy of the directory to open (opening changes it). */
  async copy(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-upgrade-"));
    await cp(this.dir, dir, { recursive: true });
    return dir;
  }

  get(path: string): Expected {
    const stream = this.byPath.get(path);
    if (!stream) throw new Error(`no stream ${path} in the fixture`);
    return stream;
  }

  /** Every stored byte a read of the stream returns, inherited ones included. */
  fullData(stream: Expected, streams: ReadonlyMap<string, Expected> = this.byPath): Buffer {
    const own = Buffer.from(stream.data, "base64");
    if (!stream.fork) return own;
    const source = streams.get(stream.fork.source)!;
    return Buffer.concat([this.fullData(source, streams).subarray(0, stream.fork.position), own]);
  }

  /** What a catch-up read of the whole stream answers (JSON streams: the stored messages as an array). */
  served(stream: Expected, streams: ReadonlyMap<string, Expected> = this.byPath): Buffer {
    const bytes = this.fullData(stream, streams);
    if (stream.contentType !== "application/json") return bytes;
    return Buffer.concat([Buffer.from("["), bytes.subarray(0, Math.max(0, bytes.length - 2)), Buffer.from("]")]);
  }

  /** Every stream is served over HTTP at `url` as `streams` says (each read in one response). */
  async checkServed(url: string, streams: Expected[] = this.streams): Promise<void> {
    const byPath = new Map(streams.map((s) => [s.path, s]));
    for (const stream of streams) {
      const response = await fetch(`${url}${stream.path}?offset=-1`);
      if (stream.softDeleted) {
        expect(response.status, stream.path).toBe(410);
        continue;
      }
      expect(response.status, stream.path).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(this.served(stream, byPath)), stream.path).toBe(true);
      expect(response.headers.get("stream-next-offset"), stream.path).toBe(formatOffset(stream.tail));
      expect(response.headers.get("stream-closed") === "true", stream.path).toBe(stream.closed);
    }
  }
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A stored stream in the fixture's expected shape, with its own stored bytes. */
export function asExpected(stream: StoredStream, data: Uint8Array): Expected {
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

/** Every stream of an opened store in the fixture's expected shape, in path order. */
export async function storedAsExpected(store: Store, streams: StoredStream[]): Promise<Expected[]> {
  const sorted = [...streams].sort((a, b) => (a.meta.path < b.meta.path ? -1 : 1));
  return Promise.all(
    sorted.map(async (s) => asExpected(s, await store.read(s.meta.path, s.meta.fork?.position ?? 0, s.tail))),
  );
}
