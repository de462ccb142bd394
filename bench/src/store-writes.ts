/**
 * File writes and CPU per durable append of the file store, in process (no HTTP): 64 appends
 * in flight, 256 B each, rotating over the streams. Counts each `writev` by the kind of file it
 * goes to (log, data, index, checksums), which stays meaningful on a busy machine where rates
 * do not.
 *
 *   npx tsx bench/src/store-writes.ts [streams] [appends] [server dist directory]
 */

import type { FileHandle } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type * as Server from "@rivulet/server";

const streams = Number(process.argv[2] ?? 100);
const total = Number(process.argv[3] ?? 20_000);
// Another build of the server (an A/B of two dist folders), else this one.
const which = process.argv[4] ?? "@rivulet/server";
const { FileStore, nodeIo } = (await import(
  process.argv[4] ? join(process.cwd(), which, "index.js") : which
)) as typeof Server;
const counts: Record<string, number> = {};
const paths = new WeakMap<FileHandle, string>();
const io: Server.FileIo = {
  ...nodeIo,
  async open(path, flags) {
    const h = await nodeIo.open(path, flags);
    paths.set(h, path);
    return h;
  },
  async writev(h, b, pos) {
    const kind = (paths.get(h) ?? "?").split(".").pop()!;
    counts[kind] = (counts[kind] ?? 0) + 1;
    return nodeIo.writev(h, b, pos);
  },
};
const dir = await mkdtemp(join(tmpdir(), "rivulet-count-"));
const store = new FileStore({ dir, io });
await store.open();
const tails = new Array(streams).fill(0);
const meta = (i: number) => ({
  path: `/s${i}`,
  contentType: "application/octet-stream",
  lifetime: {},
  createdAt: 0,
  fork: undefined,
  retention: {},
  inherited: undefined,
});
for (let i = 0; i < streams; i++) await store.create(meta(i), undefined);
for (const k of Object.keys(counts)) delete counts[k];
const data = new Uint8Array(256).fill(65);
let next = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
async function worker() {
  while (next < total) {
    const i = next++ % streams;
    const position = tails[i];
    tails[i] += 256;
    await store.append(`/s${i}`, {
      position,
      data,
      producer: undefined,
      streamSeq: undefined,
      close: false,
      ts: Date.now(),
      messages: 1,
    });
  }
}
await Promise.all(Array.from({ length: 64 }, worker));
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const per = (n: number) => (n / total).toFixed(3);
const load = loadavg()[0]!.toFixed(1);
console.log(
  `${which} streams=${streams} load=${load} appends/s=${Math.round(total / (wall / 1000))} cpu_us/append=${((cpu.user + cpu.system) / total).toFixed(1)} writes/append: ${Object.entries(
    counts,
  )
    .map(([k, v]) => `${k}=${per(v)}`)
    .join(" ")}`,
);
await store.close();
await rm(dir, { recursive: true, force: true });
