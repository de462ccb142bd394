/**
 * Appends while retention frees a large stream, in the file store itself (no HTTP, no load
 * generator): what scenario 11 measures, with the store's own I/O counted. Prints, per phase
 * (nothing else runs / reclaiming), the durable-append latency at a fixed rate (open model:
 * counted from when each append was due), the event loop's delay, and the filesystem calls made.
 * The phases alternate from run to run so both see the same machine.
 *
 *   npx tsx bench/src/reclaim-store.ts [reclaimMiB=1024] [runs=3] [seconds=5] [phases|paired]
 *
 * The freeing mimics the background reclaimer: at most 4 segments per 1 s tick. With `paired`,
 * a run has one phase in which segments are freed one at a time in every other 2 s period, and
 * appends due while a segment is being freed are compared with those due while none is: the
 * same seconds of the same run, so a machine other work shares disturbs both alike.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type FileIo, FileStore, nodeIo } from "@rivulet/server";

const SEGMENT = 64 << 20;
const FILL_REQUEST = 1 << 20;
const STREAMS = 10;
const RATE = 1_000;
const BODY = new Uint8Array(256).fill(120);
const UNITS_PER_TICK = 4;
const TICK_MS = 1_000;
const SETTLE_SECONDS = 10;

const reclaimBytes = Number(process.argv[2] ?? 1024) << 20;
const runs = Number(process.argv[3] ?? 3);
const seconds = Number(process.argv[4] ?? 5);
/** `paired`: freeing switched on and off every PERIOD_MS within one phase instead of phases. */
const paired = process.argv[5] === "paired";
const PERIOD_MS = 2_000;

type Call = "writev" | "datasync" | "truncate" | "unlink" | "syncDir" | "open";
const calls = new Map<Call, number>();
/** Milliseconds each truncate took (the reclaim's steps). */
const truncateMs: number[] = [];
function counted<A extends unknown[], R>(call: Call, run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    calls.set(call, (calls.get(call) ?? 0) + 1);
    const started = performance.now();
    try {
      return await run(...args);
    } finally {
      if (call === "truncate") truncateMs.push(performance.now() - started);
    }
  };
}
const countingIo: FileIo = {
  ...nodeIo,
  open: counted("open", nodeIo.open),
  writev: counted("writev", nodeIo.writev),
  datasync: counted("datasync", nodeIo.datasync),
  truncate: counted("truncate", nodeIo.truncate),
  unlink: counted("unlink", nodeIo.unlink),
  syncDir: counted("syncDir", nodeIo.syncDir),
};

const meta = (path: string) => ({
  path,
  contentType: "application/octet-stream",
  lifetime: {},
  createdAt: Date.now(),
  retention: {},
});
const record = (position: number, data: Uint8Array) => ({
  position,
  data,
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: Date.now(),
  messages: 1,
});

interface Phase {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly loopP99: number;
  readonly loopMax: number;
  readonly perSecond: Record<string, number>;
  /** The reclaim's truncate calls: median and longest, ms. */
  readonly truncate: { readonly p50: number; readonly max: number } | undefined;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reclaim-store-"));
  const store = new FileStore({ dir, durability: "fsync", io: countingIo, segmentBytes: SEGMENT });
  await store.open();
  const tails = new Map<string, number>();
  const paths = Array.from({ length: STREAMS }, (_, i) => `/s/${i}`);
  for (const path of paths) {
    await store.create(meta(path), undefined);
    tails.set(path, 0);
  }
  const append = async (path: string) => {
    const at = tails.get(path)!;
    tails.set(path, at + BODY.length);
    await store.append(path, record(at, BODY));
  };
  /**
   * Appends at RATE for `ms` (or until `stop` says so), each timed from when it was due;
   * resolves with the latencies, those `tagged` at their due time apart.
   */
  const taggedLatencies: number[] = [];
  const load = async (ms: number, tagged?: () => boolean, stop?: () => boolean): Promise<number[]> => {
    const latencies: number[] = [];
    const start = performance.now();
    const pending: Promise<void>[] = [];
    let sent = 0;
    const total = Math.round((ms / 1000) * RATE);
    // Per stream one append at a time (the store wants positions in order): a queue per stream.
    const chains = new Map<string, Promise<void>>();
    while (sent < total && !stop?.()) {
      const due = start + (sent * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const path = paths[sent % STREAMS]!;
      const into = tagged?.() ? taggedLatencies : latencies;
      const chained = (chains.get(path) ?? Promise.resolve()).then(async () => {
        await append(path);
        into.push(performance.now() - due);
      });
      chains.set(path, chained);
      pending.push(chained);
      sent++;
    }
    await Promise.all(pending);
    return latencies;
  };
  const measure = async (work?: () => Promise<void>): Promise<Phase> => {
    const loop = monitorEventLoopDelay({ resolution: 1 });
    calls.clear();
    truncateMs.length = 0;
    loop.enable();
    const started = performance.now();
    const [latencies] = await Promise.all([load(seconds * 1000), work?.()]);
    loop.disable();
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    const perSecond: Record<string, number> = {};
    for (const [call, n] of calls) perSecond[call] = Math.round(n / elapsed);
    return {
      p50: at(0.5),
      p99: at(0.99),
      max: latencies.at(-1)!,
      loopP99: loop.percentile(99) / 1e6,
      loopMax: loop.max / 1e6,
      perSecond,
      truncate:
        truncateMs.length === 0
          ? undefined
          : {
              p50: [...truncateMs].sort((a, b) => a - b)[Math.floor(truncateMs.length / 2)]!,
              max: Math.max(...truncateMs),
            },
    };
  };
  const show = (label: string, p: Phase) =>
    console.log(
      `  ${label.padEnd(10)} p50 ${p.p50.toFixed(2)} ms  p99 ${p.p99.toFixed(2)} ms  max ${p.max.toFixed(1)} ms  loop delay p99 ${p.loopP99.toFixed(1)} ms max ${p.loopMax.toFixed(1)} ms  calls/s ${JSON.stringify(p.perSecond)}${p.truncate ? `  truncate p50 ${p.truncate.p50.toFixed(1)} ms max ${p.truncate.max.toFixed(0)} ms` : ""}`,
    );
  /**
   * One segment freed at a time, only in the even periods of PERIOD_MS: appends due while a
   * segment is being freed against those due while none is, from the same seconds of one run.
   */
  const pairedRun = async (big: string, tail: number): Promise<number> => {
    let freeing = false;
    let done = false;
    const keep = tail - (1 << 20);
    const started = performance.now();
    const reclaim = async () => {
      for (;;) {
        const inPeriod = (performance.now() - started) % (2 * PERIOD_MS);
        if (inPeriod >= PERIOD_MS) {
          await new Promise((resolve) => setTimeout(resolve, 2 * PERIOD_MS - inPeriod));
          continue;
        }
        const [end] = await store.headUnits(big, 1);
        if (end === undefined || end > keep) break;
        freeing = true;
        await store.trim(big, end);
        freeing = false;
      }
      done = true;
    };
    taggedLatencies.length = 0;
    calls.clear();
    truncateMs.length = 0;
    const [idle] = await Promise.all([
      load(
        120_000,
        () => freeing,
        () => done,
      ),
      reclaim(),
    ]);
    const freeingLatencies = [...taggedLatencies];
    const seconds = (performance.now() - started) / 1000;
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const q = (values: number[], p: number) => values[Math.min(values.length - 1, Math.floor(p * values.length))]!;
    const a = sorted(idle);
    const b = sorted(freeingLatencies);
    const growth = q(b, 0.99) / q(a, 0.99) - 1;
    console.log(
      `  idle      n ${a.length} p50 ${q(a, 0.5).toFixed(2)} ms  p99 ${q(a, 0.99).toFixed(2)} ms\n  freeing   n ${b.length} p50 ${q(b, 0.5).toFixed(2)} ms  p99 ${q(b, 0.99).toFixed(2)} ms\n  freed in ${seconds.toFixed(1)} s (half of it paused); truncates ${truncateMs.length}, p50 ${q(sorted(truncateMs), 0.5).toFixed(1)} ms; p99 change ${(growth * 100).toFixed(0)}% (load ${loadavg()[0]!.toFixed(1)})`,
    );
    return growth;
  };
  const growths: number[] = [];
  for (let run = 0; run < runs; run++) {
    const big = `/big/${run}`;
    await store.create(meta(big), undefined);
    const chunk = new Uint8Array(FILL_REQUEST).fill(run);
    let tail = 0;
    const fillStarted = performance.now();
    while (tail < reclaimBytes + SEGMENT) {
      await store.append(big, record(tail, chunk));
      tail += chunk.length;
    }
    console.log(`run ${run}: filled ${tail >> 20} MiB in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);
    await load(SETTLE_SECONDS * 1000);
    let reclaimSeconds = 0;
    const reclaim = async () => {
      const started = performance.now();
      const keep = tail - (1 << 20);
      for (;;) {
        const units = await store.headUnits(big, UNITS_PER_TICK);
        const to = units.filter((end) => end <= keep).at(-1);
        if (to === undefined) break;
        await store.trim(big, to);
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      }
      reclaimSeconds = (performance.now() - started) / 1000;
    };
    if (paired) {
      growths.push(await pairedRun(big, tail));
      continue;
    }
    const quietFirst = run % 2 === 0;
    const quiet = quietFirst ? await measure() : undefined;
    const during = await measure(reclaim);
    const after = quiet ?? (await measure());
    show("quiet", after);
    show("reclaiming", during);
    const growth = during.p99 / after.p99 - 1;
    growths.push(growth);
    console.log(
      `  freed in ${reclaimSeconds.toFixed(1)} s; p99 change ${(growth * 100).toFixed(0)}% (${quietFirst ? "quiet first" : "reclaim first"}; load ${loadavg()[0]!.toFixed(1)})`,
    );
  }
  growths.sort((a, b) => a - b);
  console.log(`median p99 change: ${(growths[Math.floor(growths.length / 2)]! * 100).toFixed(0)}%`);
  await store.close();
  await rm(dir, { recursive: true, force: true });
}

await main();
