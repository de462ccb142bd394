/**
 * Restart time of the durable file store with many streams: after a clean shutdown (loads the
 * checkpoint) and after a crash (also replays the log since the last checkpoint).
 *
 *   npx tsx bench/src/restart.ts [streams=100000] [bytesPerStream=256]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "@rivulet/server";

const streams = Number(process.argv[2] ?? 100_000);
const bytesPerStream = Number(process.argv[3] ?? 256);
const payload = new Uint8Array(bytesPerStream).fill(120);

async function fill(dir: string): Promise<FileStore> {
  const store = new FileStore({ dir });
  await store.open();
  const batch = 1000;
  for (let i = 0; i < streams; i += batch) {
    const creates: Promise<void>[] = [];
    for (let j = i; j < Math.min(streams, i + batch); j++) {
      const meta = {
        path: `/v1/stream/s-${j}`,
        contentType: "application/octet-stream",
        lifetime: {},
        createdAt: Date.now(),
        retention: {},
      };
      creates.push(
        store.create(meta, {
          position: 0,
          data: payload,
          producer: undefined,
          streamSeq: undefined,
          close: false,
          ts: Date.now(),
          messages: 1,
        }),
      );
    }
    await Promise.all(creates);
  }
  return store;
}

async function timeOpen(dir: string): Promise<{ ms: number; count: number }> {
  const started = performance.now();
  const store = new FileStore({ dir });
  await store.open();
  const count = store.count();
  const ms = performance.now() - started;
  await store.close();
  return { ms, count };
}

const root = await mkdtemp(join(tmpdir(), "rivulet-restart-"));
try {
  const cleanDir = join(root, "clean");
  await (await fill(cleanDir)).close();
  const clean = await timeOpen(cleanDir);

  const crashDir = join(root, "crash");
  // Stopped as a crash stops it (no checkpoint): the next open replays the log.
  await (await fill(crashDir)).simulateCrash();
  const crash = await timeOpen(crashDir);

  console.log(`file store restart, ${streams} streams x ${bytesPerStream} B, durability fsync`);
  console.log(`  after clean shutdown: ${clean.ms.toFixed(0)} ms (${clean.count} streams)`);
  console.log(`  after crash (log replay): ${crash.ms.toFixed(0)} ms (${crash.count} streams)`);
} finally {
  await rm(root, { recursive: true, force: true });
}
process.exit(0);
