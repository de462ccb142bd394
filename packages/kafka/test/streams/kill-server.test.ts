/**
 * Exactly-once when the server dies too (issue 17's done-when): the server is a real process
 * on the file store, SIGKILLed twice at random points mid-run and restarted on the same data
 * directory and port, while two instances of a counting application (through a repartition
 * topic, state in a changelog) are SIGKILLed and restarted at random and a producer writes.
 * The workers ride through the server's absence on the SDK's retries. Every count update is
 * written exactly once: for each key the output holds 1, 2, …, N — the brute-force count.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { type ServerProcess, spawnServer } from "../../../server/test/support/spawn-server.js";
import { Kafka } from "../../src/index.js";
import { partitionRecords, uniqueName } from "../support/server.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../fixtures/stream-worker.ts", import.meta.url));
const TSCONFIG = `${root}tsconfig.test.json`;
const KEYS = 5;
const BATCHES = 8;
const PER_BATCH = 10;
const WORKER_KILLS = 2;
const SERVER_KILLS = 2;
/** Retries enough to wait out a restart of the server on a busy machine (backoff doubles from 100 ms). */
const RETRIES = "12";

const temp: string[] = [];
/** The server process now running, killed after the test whatever happened in it. */
let server: ServerProcess | undefined;
afterAll(async () => {
  if (server !== undefined) {
    server.child.kill("SIGKILL");
    await server.exited;
  }
  await Promise.all(temp.map((path) => rm(path, { recursive: true, force: true })));
});

interface Worker {
  child: ChildProcess;
  running: Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** `count` distinct batch numbers, at random, where a kill comes. */
function randomBatches(count: number): Set<number> {
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(Math.random() * (BATCHES - 1)));
  return chosen;
}

it("the server and the instances killed at random: every count update exactly once", async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-stream-kill-"));
  const config = `${dir}.json`;
  temp.push(dir, config);
  await writeFile(
    config,
    JSON.stringify({ groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 3_000, maxWaitMs: 1_000 } }),
  );
  const args = ["--data-dir", dir, "--config", config, "--log-level", "error"];
  server = await spawnServer(args);
  const { url } = server;
  const port = new URL(url).port;
  const kafka = new Kafka({ url, retries: Number(RETRIES) });

  const input = uniqueName("in");
  const output = uniqueName("out");
  await kafka.admin().createTopic(input, { partitions: 4 });
  await kafka.admin().createTopic(output, { partitions: 1 });
  const env = {
    IN: input,
    OUT: output,
    APP: uniqueName("app"),
    RIVULET_URL: url,
    RETRIES,
    TSX_TSCONFIG_PATH: TSCONFIG,
  };

  let steps = 0;
  let waiter: (() => void) | undefined;
  const progress = (after: number) =>
    new Promise<void>((resolve) => {
      if (steps > after) return resolve();
      waiter = () => {
        if (steps > after) resolve();
      };
    });
  // A worker that stops on its own (its retries ran out) fails the run at once, rather than hanging it.
  let crashed!: (error: Error) => void;
  const crash = new Promise<never>((_, reject) => {
    crashed = reject;
  });
  crash.catch(() => {});
  const killed = new Set<ChildProcess>();
  const startWorker = (): Worker => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.once("exit", (code, signal) => {
      if (!killed.has(child)) crashed(new Error(`a worker stopped on its own (${code ?? signal})`));
    });
    const running = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (!line.startsWith("{")) return;
        const fact = JSON.parse(line) as { ev: string };
        if (fact.ev === "running") resolve();
        if (fact.ev === "step") {
          steps += 1;
          waiter?.();
        }
      });
    });
    return { child, running: Promise.race([running, crash]) };
  };
  const stopWorker = async (worker: Worker, signal: NodeJS.Signals) => {
    killed.add(worker.child);
    worker.child.kill(signal);
    await exited(worker.child);
  };

  const workers = [startWorker(), startWorker()];
  const workerKills = randomBatches(WORKER_KILLS);
  const serverKills = randomBatches(SERVER_KILLS);
  const totals = new Map<string, number>();
  const producer = kafka.producer(input);
  try {
    await Promise.all(workers.map((w) => w.running));
    for (let batch = 0; batch < BATCHES; batch++) {
      const records = Array.from({ length: PER_BATCH }, (_, i) => {
        const key = `k${(batch * PER_BATCH + i) % KEYS}`;
        totals.set(key, (totals.get(key) ?? 0) + 1);
        return { key: `r${batch}-${i}`, value: { key, n: batch * PER_BATCH + i } };
      });
      const before = steps;
      await Promise.race([producer.sendBatch(records), crash]);
      await Promise.race([progress(before), crash]); // the kills land while this batch is being processed
      if (serverKills.has(batch)) {
        server.child.kill("SIGKILL");
        await server.exited;
        server = await spawnServer([...args, "--port", port]);
      }
      if (workerKills.has(batch)) {
        const victim = Math.floor(Math.random() * workers.length);
        await stopWorker(workers[victim]!, "SIGKILL");
        workers[victim] = startWorker();
        await workers[victim]!.running;
      }
    }
    // Every update readable (a reader of the output, not the workers' word for it).
    const reader = kafka.consumer(output, { group: uniqueName("reader"), offset: "earliest" });
    let read = 0;
    const readAll = (async () => {
      for await (const _ of reader) if (++read === BATCHES * PER_BATCH) break;
    })();
    await Promise.race([readAll, crash]);
    await reader.close();
  } finally {
    await Promise.all(workers.map((w) => stopWorker(w, "SIGTERM")));
    await producer.close();
  }
  const written = (await partitionRecords(url, output, 0)).map((r) => r.value as { key: string; value: number });
  for (const [key, total] of totals) {
    const counts = written.filter((r) => r.key === key).map((r) => r.value);
    expect(counts.toSorted((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }
  expect(written).toHaveLength(BATCHES * PER_BATCH);
}, 120_000);
