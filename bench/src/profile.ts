/**
 * Profiles the Rivulet server (`node --cpu-prof`) under one scenario's load and prints where
 * its CPU time went. The profile is taken apart from `npm run bench`: profiling slows the
 * server, so its figures would not be the server's.
 *
 *   npx tsx bench/src/profile.ts appends|appends-memory|appends-10k|appends-1-of-10k|creates|catch-up|catch-up-json|records|lookups|reclaim|fan-out|fan-out-long-poll|fan-out-long-poll-1k|fan-out-long-poll-gzip|fan-out-rate|producer|subscriptions|subscriptions-memory [seconds]
 *
 * Writes the .cpuprofile files and a summary to bench/results/tmp/profiles/ (not committed).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ACCEPT_COMPRESSED, measureSubscriptions } from "@rivulet/load";
import { killAll } from "./core/children.js";
import { REPO_ROOT } from "./core/repo-root.js";
import { runJob } from "./load/run-job.js";
import { formatSummary, summariseProfile } from "./profile/cpu-profile-summary.js";
import { STREAM_BASE } from "./scenarios/context.js";
import { type LaunchOptions, launchServer, type RunningServer } from "./servers/launch.js";
import { settingsFor } from "./settings.js";

const LOADS: Record<string, (server: RunningServer, seconds: number) => Promise<unknown>> = {
  appends: (server, seconds) => appends(server, seconds, 1),
  "appends-memory": (server, seconds) => appends(server, seconds, 1),
  "appends-10k": (server, seconds) => appends(server, seconds, 10_000),
  // Scenario 1's own shape: 10,000 streams created first, appends to one of them.
  "appends-1-of-10k": (server, seconds) => appends(server, seconds, 1, 10_000),
  creates: (server, seconds) =>
    runJob(
      "createStreams",
      {
        origin: server.url,
        prefix: `${STREAM_BASE}p-`,
        first: 0,
        count: Math.round(seconds * 20_000),
        contentType: "application/json",
        connections: 64,
        timeoutMs: seconds * 1000,
      },
      seconds * 1000 + 60_000,
    ),
  "catch-up": (server, seconds) => catchUp(server, seconds, false),
  "catch-up-json": (server, seconds) => catchUp(server, seconds, true),
  records: async (server, seconds) => {
    const path = await fillJson(server, 100e6, 1 << 20);
    const reads = [];
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      reads.push(await runJob("catchUpRead", { origin: server.url, path, timeoutMs: 60_000, view: "records" }, 90_000));
    }
    return reads;
  },
  // Appends at 2,000/s while retention frees 1 GB from the head of another stream.
  reclaim: async (server, seconds) => {
    const path = `${STREAM_BASE}p-reclaimed`;
    await runJob(
      "fillStream",
      {
        origin: server.url,
        path,
        json: false,
        totalBytes: 2 ** 30 + (64 << 20),
        requestBytes: 1 << 20,
        messageBytes: 0,
        timeoutMs: 300_000,
      },
      360_000,
    );
    await runJob(
      "createStreams",
      {
        origin: server.url,
        prefix: `${STREAM_BASE}p-`,
        first: 0,
        count: 10,
        contentType: "application/json",
        connections: 10,
        timeoutMs: 60_000,
      },
      120_000,
    );
    const appends = {
      origin: server.url,
      paths: Array.from({ length: 10 }, (_, i) => `${STREAM_BASE}p-${i}`),
      connections: 16,
      bodyBytes: 256,
      rate: 2_000,
      drainMs: 10_000,
      warmupSeconds: 1,
      serverPid: server.pid,
    };
    await runJob("appendsReclaiming", { appends: { ...appends, seconds: 20, warmupSeconds: 0 } }, 120_000);
    return runJob(
      "appendsReclaiming",
      {
        appends: { ...appends, seconds },
        reclaim: {
          origin: server.url,
          path,
          settingsPath: `${STREAM_BASE}__ds/streams/p-reclaimed`,
          retainBytes: 1 << 20,
          unitBytes: 64 << 20,
          delayMs: 1000,
          pollMs: 20,
          timeoutMs: 60_000,
        },
      },
      seconds * 1000 + 120_000,
    );
  },
  lookups: async (server, seconds) => {
    const path = await fillJson(server, 200e6, 256 << 10);
    const lookups = Math.round(seconds * 500);
    return runJob(
      "timeLookups",
      { origin: server.url, path, lookups, warmup: 100, timeoutMs: seconds * 2000 },
      seconds * 2000 + 60_000,
    );
  },
  "fan-out": (server, seconds) => fanOut(server, seconds, "sse"),
  "fan-out-long-poll": (server, seconds) => fanOut(server, seconds, "long-poll"),
  // Scenario 4's compression variant: 1k long-poll readers, 4 KiB messages, compressed answers.
  "fan-out-long-poll-1k": (server, seconds) => fanOut(server, seconds, "long-poll", 1000, 4096),
  "fan-out-long-poll-gzip": (server, seconds) => fanOut(server, seconds, "long-poll", 1000, 4096, ACCEPT_COMPRESSED),
  // Scenario 4's held-rate step: 1k SSE readers, 2,000 appends/s for the whole time
  // (PROFILE_RATE, PROFILE_SUBSCRIBERS and PROFILE_APPEND_CONNECTIONS change them).
  "fan-out-rate": (server, seconds) =>
    runJob(
      "fanOutRamp",
      {
        origin: server.url,
        path: `${STREAM_BASE}p-fan-out-rate`,
        mode: "sse",
        subscribers: Number(process.env.PROFILE_SUBSCRIBERS ?? 1000),
        rates: [Number(process.env.PROFILE_RATE ?? 2000)],
        stepSeconds: seconds,
        p99LimitMs: 500,
        messageBytes: 64,
        connectBatch: 500,
        attachTimeoutMs: 30_000,
        appendConnections: Number(process.env.PROFILE_APPEND_CONNECTIONS ?? 64),
      },
      seconds * 1000 + 120_000,
    ),
  producer: (server, seconds) =>
    runJob(
      "producerThroughput",
      {
        origin: server.url,
        path: `${STREAM_BASE}p-producer`,
        client: "rivulet",
        json: true,
        messageBytes: 100,
        seconds,
        maxMessages: 50_000_000,
        windowMessages: 500_000,
        rawBatchMessages: 10_000,
        rawInFlight: 4,
      },
      seconds * 1000 + 120_000,
    ),
  // Scenario 8 at full size: half the time at a fixed rate, half at peak.
  subscriptions: (server, seconds) => subscriptions(server, seconds),
  "subscriptions-memory": (server, seconds) => subscriptions(server, seconds),
};

/**
 * Scenario 3 at full size: a 100 MB stream filled in 1 MiB appends, then read from -1 to the
 * tail again and again. Only the reads are summarised (`measuredFrom`), not the fill.
 */
async function catchUp(server: RunningServer, seconds: number, json: boolean): Promise<unknown> {
  const path = json ? await fillJson(server, 100e6, 1 << 20) : `${STREAM_BASE}p-catch-up`;
  if (!json) {
    await runJob(
      "fillStream",
      { origin: server.url, path, json, totalBytes: 100e6, requestBytes: 1 << 20, messageBytes: 0, timeoutMs: 120_000 },
      180_000,
    );
  }
  measuredFrom = monotonicMicros();
  const reads = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end)
    reads.push(await runJob("catchUpRead", { origin: server.url, path, timeoutMs: 60_000 }, 90_000));
  return reads;
}

/**
 * Where the measured part of a load began, on the clock V8 stamps profile samples with
 * (CLOCK_MONOTONIC, shared by every process); undefined: the whole profile counts.
 */
let measuredFrom: number | undefined;

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A JSON stream of `totalBytes` in 200 B messages, appended `requestBytes` at a time. */
async function fillJson(server: RunningServer, totalBytes: number, requestBytes: number): Promise<string> {
  const path = `${STREAM_BASE}p-json`;
  await runJob(
    "fillStream",
    { origin: server.url, path, json: true, totalBytes, requestBytes, messageBytes: 200, timeoutMs: 300_000 },
    360_000,
  );
  return path;
}

/** Scenario 4 (10k subscribers, 64 B) on one stream, one append per second, over SSE or long-poll. */
function fanOut(
  server: RunningServer,
  seconds: number,
  mode: "sse" | "long-poll",
  subscribers = 10_000,
  messageBytes = 64,
  acceptEncoding?: string,
): Promise<unknown> {
  return runJob(
    "fanOut",
    {
      origin: server.url,
      path: `${STREAM_BASE}p-fan-out`,
      mode,
      subscribers,
      runs: 1,
      appendsPerRun: seconds,
      intervalMs: 1000,
      messageBytes,
      ...(acceptEncoding === undefined ? {} : { acceptEncoding }),
      serverPid: server.pid,
      connectBatch: 500,
      attachTimeoutMs: 30_000,
      deliveryWaitMs: 8_000,
    },
    seconds * 1000 + 120_000,
  );
}

function subscriptions(server: RunningServer, seconds: number): Promise<unknown> {
  return measureSubscriptions(
    {
      target: {
        origin: server.url,
        headers: {},
        serverPid: server.pid,
        root: STREAM_BASE.slice(0, -1),
        path: (name) => `${STREAM_BASE}${name}`,
        created: () => {},
        createdRange: () => {},
      },
      jobs: runJob,
      runs: 1,
      createAttempts: 1,
      progress: console.log,
    },
    {
      ...settingsFor("full").subscriptions,
      rates: [1_000],
      rateSeconds: seconds / 2,
      peakSeconds: seconds / 2,
      warmupSeconds: 0,
    },
  );
}

/** Loads that need another server than Rivulet on the file store, or more than a plain one. */
const LAUNCH: Readonly<Record<string, LaunchOptions & { readonly server?: "rivuletMemory" }>> = {
  subscriptions: { webhooks: true },
  // S1's load on the memory store: what HTTP, routing and the engine cost without storage.
  "appends-memory": { server: "rivuletMemory" },
  "subscriptions-memory": { webhooks: true, server: "rivuletMemory" },
};

async function appends(server: RunningServer, seconds: number, streams: number, created = streams): Promise<unknown> {
  await runJob(
    "createStreams",
    {
      origin: server.url,
      prefix: `${STREAM_BASE}p-`,
      first: 0,
      count: Math.max(created, streams),
      contentType: "application/json",
      connections: 64,
      timeoutMs: 120_000,
    },
    180_000,
  );
  const paths = Array.from({ length: streams }, (_, i) => `${STREAM_BASE}p-${i}`);
  return runJob(
    "appendClosedLoop",
    { origin: server.url, paths, connections: 64, seconds, bodyBytes: 256, serverPid: server.pid, warmupSeconds: 1 },
    seconds * 1000 + 60_000,
  );
}

const name = process.argv[2] ?? "appends";
const seconds = Number(process.argv[3] ?? 10);
const load = LOADS[name];
if (!load) throw new Error(`unknown load ${name}; one of ${Object.keys(LOADS).join(", ")}`);

const outDir = join(REPO_ROOT, "bench/results/tmp/profiles", name);
await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const dataDir = await mkdtemp(join(tmpdir(), "rivulet-profile-"));
try {
  const { server: id = "rivulet", ...launch } = LAUNCH[name] ?? {};
  const server = await launchServer(id, { ...launch, dataDir, cpuProfileDir: outDir });
  try {
    console.log(
      `profiling ${id === "rivulet" ? "rivulet (fsync)" : "rivulet (memory store)"} under '${name}' for ${seconds} s`,
    );
    console.log(JSON.stringify(await load(server, seconds), (key, value) => (key === "curve" ? undefined : value)));
  } finally {
    await server.stop(); // the profile is written when the process exits
  }
  const files = (await readdir(outDir)).filter((f) => f.endsWith(".cpuprofile"));
  let report = "";
  for (const file of files)
    report += formatSummary(`${name}: ${file}`, await summariseProfile(join(outDir, file), 25, measuredFrom));
  await writeFile(join(outDir, "summary.md"), report);
  console.log(report);
} finally {
  killAll();
  await rm(dataDir, { recursive: true, force: true });
}
