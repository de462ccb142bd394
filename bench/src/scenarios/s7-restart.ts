/**
 * Scenario 7: restart time with many streams and a lot of data: from spawning the server
 * process to its first answered request, after a crash (SIGKILL: recovery replays the log
 * since the last checkpoint) and after a clean shutdown (SIGINT: loads the checkpoint).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { bytes, ms, ratio, repeat, rssBytes, type Spread, shortCount, spread, spreadOf, times } from "@rivulet/load";
import { Pool } from "undici";
import type { ScenarioResult, ServerId, Table, Verdict } from "../core/types.js";
import { runJob } from "../load/run-job.js";
import { launchServer } from "../servers/launch.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import { type ScenarioContext, STREAM_BASE } from "./context.js";

interface Row {
  readonly server: ServerId;
  readonly streams: number;
  readonly bytes: number;
  readonly fillSeconds: number;
  readonly afterCrash: Spread;
  readonly afterCleanStop: Spread;
  readonly rssAfterRestart: number;
  /** Clean stops that did not end with exit 0 (their next restart was not after a clean stop). */
  readonly uncleanStops: readonly string[];
  /** Acknowledged streams not found after the restarts (worst restart), from a sample. */
  readonly presence: Presence;
}

/** A sample of the filled streams, looked up with HEAD after a restart. */
interface Presence {
  readonly sampled: number;
  readonly missing: number;
  readonly firstMissing: number | undefined;
}

interface Restart {
  readonly ms: number;
  readonly rss: number;
  /** How the server exited when stopped (`exit 0` for a clean stop). */
  readonly ended: string;
  readonly presence: Presence;
}

const SAMPLE = 1000;

export async function restartScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.restart;
  const rows: Row[] = [];
  for (const server of s.servers) rows.push(await measure(context, server));
  return {
    id: "s7",
    title: "7. Restart time with many streams and much data",
    tables: [table(rows)],
    verdicts: verdicts(rows),
    notes: [
      "Time to ready: from spawning the server process until a HEAD of the first stream has been answered. Then, untimed, a HEAD of every stream in an even sample of about 1,000 (the last one included) checks that every acknowledged stream came back; 'missing' counts the worst restart.",
      `Rivulet's directory is filled through its FileStore (fsync mode, ${shortCount(s.streams)} streams of ${bytes(s.bytesPerStream)}) by a separate process that then exits without closing the store, as a crash leaves it. After a crash every restart replays the log written since the last checkpoint (checkpoints come every 64 MiB of log, so with 1 GB most data is already checkpointed).`,
      `The file-backed reference is filled over HTTP with 64 connections (it answers some concurrent creates with a spurious 404; those are retried), so it holds ${shortCount(s.referenceStreams)} streams of ${bytes(s.referenceBytesPerStream)}; compare per 1k streams.`,
      "Each restart after a crash is killed with SIGKILL again once ready; each restart after a clean stop is stopped with SIGINT.",
    ],
    data: { rows },
    seconds: (performance.now() - started) / 1000,
  };
}

async function measure(context: ScenarioContext, server: "rivulet" | "refFile"): Promise<Row> {
  const s = context.settings.restart;
  const streams = server === "rivulet" ? s.streams : s.referenceStreams;
  const perStream = server === "rivulet" ? s.bytesPerStream : s.referenceBytesPerStream;
  const dataDir = await mkdtemp(join(context.workDir, `restart-${server}-`));
  try {
    context.log(`  restart: ${server}, filling ${shortCount(streams)} streams × ${bytes(perStream)}`);
    const fillSeconds = await fill(server, dataDir, streams, perStream);
    context.log(`  restart: ${server}, after crash`);
    const crashes = await repeat(context.settings.runs, () => restartOnce(server, dataDir, streams, "crash"));
    // One clean stop writes the checkpoint the clean restarts load.
    const first = await restartOnce(server, dataDir, streams, "clean");
    context.log(`  restart: ${server}, after clean stop`);
    const cleans = await repeat(context.settings.runs, () => restartOnce(server, dataDir, streams, "clean"));
    const all = [...crashes, first, ...cleans];
    return {
      server,
      streams,
      bytes: streams * perStream,
      fillSeconds,
      afterCrash: spread(crashes.map((r) => r.ms)),
      afterCleanStop: spread(cleans.map((r) => r.ms)),
      rssAfterRestart: spread(cleans.map((r) => r.rss)).median,
      uncleanStops: [first, ...cleans].map((r) => r.ended).filter((ended) => ended !== "exit 0"),
      presence: all.reduce((worst, r) => (r.presence.missing > worst.missing ? r.presence : worst), all[0]!.presence),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function fill(
  server: "rivulet" | "refFile",
  dataDir: string,
  streams: number,
  perStream: number,
): Promise<number> {
  if (server === "rivulet") {
    const filled = await runJob(
      "fillFileStore",
      { dir: dataDir, streams, bytesPerStream: perStream, batch: 1000, crash: true },
      1_800_000,
    );
    return filled.seconds;
  }
  const running = await launchServer(server, { dataDir });
  try {
    const created = await runJob(
      "createStreams",
      {
        origin: running.url,
        prefix: `${STREAM_BASE}restart-`,
        first: 0,
        count: streams,
        contentType: "application/octet-stream",
        connections: 64,
        body: "r".repeat(perStream),
        timeoutMs: 1_200_000,
        // The reference sometimes answers 404 to a create under concurrent creates.
        attempts: 5,
      },
      1_500_000,
    );
    if (created.created !== streams)
      throw new Error(`reference: created ${created.created} of ${streams}: ${created.firstError}`);
    return created.seconds;
  } finally {
    await running.kill();
  }
}

async function restartOnce(
  server: ServerId,
  dataDir: string,
  streams: number,
  how: "crash" | "clean",
): Promise<Restart> {
  const spawned = performance.now();
  const running = await launchServer(server, { dataDir, readyTimeoutMs: 600_000 });
  const pool = new Pool(running.url, { connections: 8, pipelining: 1 });
  try {
    await head(pool, 0);
    const ready = performance.now() - spawned;
    const rss = await rssBytes(running.pid);
    const presence = await checkPresence(pool, streams);
    await pool.close();
    const ended = how === "crash" ? await running.kill() : await running.stop();
    return { ms: ready, rss, ended, presence };
  } catch (error) {
    await pool.destroy();
    await running.kill();
    throw error;
  }
}

async function head(pool: Pool, index: number): Promise<number> {
  const answer = await pool.request({ method: "HEAD", path: `${STREAM_BASE}restart-${index}` });
  await answer.body.dump();
  return answer.statusCode;
}

async function checkPresence(pool: Pool, streams: number): Promise<Presence> {
  const step = Math.max(1, Math.floor(streams / SAMPLE));
  const indexes: number[] = [];
  for (let i = 0; i < streams; i += step) indexes.push(i);
  if (indexes[indexes.length - 1] !== streams - 1) indexes.push(streams - 1);
  const statuses = await Promise.all(indexes.map((i) => head(pool, i)));
  const missingAt = indexes.filter((_, k) => statuses[k] !== 200);
  return { sampled: indexes.length, missing: missingAt.length, firstMissing: missingAt[0] };
}

function verdicts(rows: readonly Row[]): Verdict[] {
  const row = rows.find((r) => r.server === "rivulet");
  const target = "every acknowledged stream is there after a crash and a clean restart (no time target)";
  if (!row) return [{ target, measured: "not measured", pass: null }];
  const { sampled, missing, firstMissing } = row.presence;
  return [
    {
      target,
      measured:
        missing === 0
          ? `all ${sampled} sampled streams present; ready in ${ms(row.afterCrash.median)} after a crash`
          : `${missing} of ${sampled} sampled streams MISSING (from restart-${firstMissing} on)`,
      pass: missing === 0,
    },
  ];
}

function table(rows: readonly Row[]): Table {
  const ref = rows.find((r) => r.server === "refFile");
  const perThousand = (value: number, streams: number) => (value / streams) * 1000;
  return {
    title: "Time to ready after a restart",
    columns: [
      "server",
      "streams",
      "data",
      "after crash, median (min–max)",
      "after clean stop",
      "clean, per 1k streams",
      "× ref file (per 1k streams, clean)",
      "RSS after restart",
      "fill time",
      "clean stops",
      "missing after restart (sampled)",
    ],
    rows: rows.map((row) => [
      SERVER_KINDS[row.server].label,
      shortCount(row.streams),
      bytes(row.bytes),
      spreadOf(row.afterCrash, ms),
      spreadOf(row.afterCleanStop, ms),
      ms(perThousand(row.afterCleanStop.median, row.streams)),
      row.server === "refFile" || !ref
        ? "1×"
        : times(
            ratio(
              perThousand(row.afterCleanStop.median, row.streams),
              perThousand(ref.afterCleanStop.median, ref.streams),
            ),
          ),
      bytes(row.rssAfterRestart),
      `${row.fillSeconds.toFixed(1)} s`,
      row.uncleanStops.length === 0 ? "all exit 0" : `not clean: ${row.uncleanStops.join(", ")}`,
      row.presence.missing === 0
        ? `none of ${row.presence.sampled}`
        : `**${row.presence.missing} of ${row.presence.sampled}** (first: restart-${row.presence.firstMissing})`,
    ]),
    notes: ["'× ref file' below 1 means Rivulet restarts faster per stream."],
  };
}
