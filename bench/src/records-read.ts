/**
 * What the records view costs over a plain read, without HTTP: one engine on a file store in
 * a temp dir holds a JSON stream built as scenario 10 builds it (200 B messages, 256 KiB per
 * append), and the whole stream is read chunk by chunk (1 MiB, as the server does) in the plain
 * view and in the records view, in turn, rounds alternating which goes first. Prints each
 * view's stream MB/s, the ratio, and the garbage collections each view caused. The socket
 * write of the larger records body is not in it: scenario 10 measures the whole request. Then
 * one pass as a reader catching up makes it, the next chunk read ahead while the last is sent,
 * and how long each records read keeps it waiting.
 *
 *   npx tsx bench/src/records-read.ts [streamMB=100] [rounds=6]     (needs `npm run build`)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { readChunk } from "../../packages/server/src/engine/reader.js";
import { readRecords } from "../../packages/server/src/engine/records.js";
// Sources, not the package: the engine and these must share one pool of read buffers.
import { Engine, FileStore } from "../../packages/server/src/index.js";
import { releaseReadBuffers } from "../../packages/server/src/store/read-buffers.js";

const CHUNK_BYTES = 1 << 20;
const MESSAGE_BYTES = 200;
const APPEND_BYTES = 256 << 10;
const PATH = "/bench/records";
/** A pause between catching-up reads, about what sending a 1.7 MB answer on loopback takes. */
const SEND_PAUSE_MS = 4;

let collections = 0;
new PerformanceObserver((list) => {
  collections += list.getEntries().length;
}).observe({ entryTypes: ["gc"] });

async function main(): Promise<void> {
  const streamBytes = Number(process.argv[2] ?? 100) * 1e6;
  const rounds = Number(process.argv[3] ?? 6);
  const dir = await mkdtemp(join(tmpdir(), "rivulet-records-read-"));
  try {
    const store = new FileStore({ dir });
    const engine = new Engine({ store });
    await engine.open();
    await engine.create(PATH, {
      contentType: "application/json",
      lifetime: {},
      retention: {},
      closed: false,
      body: new Uint8Array(0),
      fork: undefined,
    });
    await fill(engine, streamBytes);
    const stored = (await engine.get(PATH, false)).tail;
    const figures = { plain: [] as number[], records: [] as number[] };
    const gcs = { plain: 0, records: 0 };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (["plain", "records"] as const) : (["records", "plain"] as const);
      for (const view of order) {
        const before = collections;
        const seconds = await readAll(engine, view);
        gcs[view] += collections - before;
        figures[view].push(stored / 1e6 / seconds);
      }
    }
    const plain = median(figures.plain);
    const records = median(figures.records);
    console.log(`stream ${(stored / 1e6).toFixed(0)} MB, ${rounds} rounds, chunks of ${CHUNK_BYTES} B`);
    console.log(
      `plain   ${plain.toFixed(0)} MB/s (${figures.plain.map((f) => f.toFixed(0)).join(" ")}), ${gcs.plain} GCs`,
    );
    console.log(
      `records ${records.toFixed(0)} MB/s (${figures.records.map((f) => f.toFixed(0)).join(" ")}), ${gcs.records} GCs`,
    );
    console.log(`records/plain ${(records / plain).toFixed(2)}×`);
    const waits = await catchingUpWaits(engine);
    console.log(
      `catching up (read ahead, ${SEND_PAUSE_MS} ms between requests): a records read waits ${median(waits).toFixed(2)} ms (median of ${waits.length})`,
    );
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fill(engine: Engine, streamBytes: number): Promise<void> {
  // Stored as the message and `,\n`: MESSAGE_BYTES each.
  const message = JSON.stringify({ n: 0, pad: "x".repeat(MESSAGE_BYTES - 18) });
  const perAppend = Math.floor(APPEND_BYTES / MESSAGE_BYTES);
  const body = new TextEncoder().encode(`[${Array(perAppend).fill(message).join(",")}]`);
  for (let written = 0; written < streamBytes; written += body.length) {
    await engine.append(PATH, {
      body,
      hasBody: true,
      contentType: "application/json",
      close: false,
      streamSeq: undefined,
      producer: undefined,
    });
  }
}

async function readAll(engine: Engine, view: "plain" | "records"): Promise<number> {
  const stream = await engine.get(PATH, false);
  const started = performance.now();
  let at = stream.earliest;
  while (at < stream.tail) {
    if (view === "plain") {
      const chunk = await readChunk(engine, stream, at, CHUNK_BYTES);
      releaseReadBuffers(chunk.parts);
      at = chunk.end;
    } else {
      const chunk = await readRecords(engine, stream, at, CHUNK_BYTES, 10_000);
      chunk.release();
      at = chunk.end;
    }
  }
  return (performance.now() - started) / 1000;
}

/**
 * How long each records read of one pass keeps a reader catching up waiting when it asks as a
 * client does: for the chunk after the last, read ahead, after a pause standing in for the
 * answer's trip to it (during which the reads ahead run). What is left is the read's own work.
 */
async function catchingUpWaits(engine: Engine): Promise<number[]> {
  const stream = await engine.get(PATH, false);
  const waits: number[] = [];
  for (let at = stream.earliest; at < stream.tail; ) {
    const asked = performance.now();
    const chunk = await readRecords(engine, stream, at, CHUNK_BYTES, 10_000, true);
    waits.push(performance.now() - asked);
    chunk.release();
    at = chunk.end;
    await new Promise((resolve) => setTimeout(resolve, SEND_PAUSE_MS));
  }
  return waits;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

await main();
