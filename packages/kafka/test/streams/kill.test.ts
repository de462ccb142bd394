/**
 * Exactly-once under crashes: two instances of a counting application (through a repartition
 * topic, state in a changelog) are killed with SIGKILL and restarted at random while records
 * are produced. Every count update is written exactly once: for each key the output holds
 * 1, 2, …, N — no count missing (lost), repeated (written twice) or past N (a record counted twice).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka } from "../../src/index.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "../support/server.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
// The tsx loader in this very process (not tsx's CLI, which runs the script in a child of its
// own that a SIGKILL of the CLI would leave running).
const TSX_LOADER = `file://${root}node_modules/tsx/dist/loader.mjs`;
const FIXTURE = fileURLToPath(new URL("../fixtures/stream-worker.ts", import.meta.url));
const TSCONFIG = `${root}tsconfig.test.json`;
const KEYS = 5;
const BATCHES = 8;
const PER_BATCH = 10;
const KILLS = 3;

let server: TestServer;
let kafka: Kafka;

beforeAll(async () => {
  server = await startTestServer({ groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 3_000, maxWaitMs: 1_000 } });
  kafka = new Kafka({ url: server.url, retryBackoffMs: 5 });
});
afterAll(() => server.close());

interface Worker {
  child: ChildProcess;
  running: Promise<void>;
}

function startWorker(env: Record<string, string>, onStep: () => void): Worker {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, FIXTURE], {
    env: { ...process.env, ...env, RIVULET_URL: server.url, TSX_TSCONFIG_PATH: TSCONFIG },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const running = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const fact = JSON.parse(line) as { ev: string };
      if (fact.ev === "running") resolve();
      if (fact.ev === "step") onStep();
    });
  });
  return { child, running };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("stream processing under kill -9", () => {
  it("two instances killed and restarted at random: every count update exactly once", async () => {
    const input = uniqueName("in");
    const output = uniqueName("out");
    await kafka.admin().createTopic(input, { partitions: 4 });
    await kafka.admin().createTopic(output, { partitions: 1 });
    const env = { IN: input, OUT: output, APP: uniqueName("app") };
    let steps = 0;
    let waiter: (() => void) | undefined;
    const onStep = () => {
      steps += 1;
      waiter?.();
    };
    const progress = (after: number) =>
      new Promise<void>((resolve) => {
        if (steps > after) return resolve();
        waiter = () => {
          if (steps > after) resolve();
        };
      });
    const workers = [startWorker(env, onStep), startWorker(env, onStep)];
    const killAfter = new Set(Array.from({ length: KILLS }, () => Math.floor(Math.random() * (BATCHES - 1))));
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
        await producer.sendBatch(records);
        await progress(before); // kill while this batch is being processed
        if (killAfter.has(batch)) {
          const victim = Math.floor(Math.random() * workers.length);
          workers[victim]!.child.kill("SIGKILL");
          await exited(workers[victim]!.child);
          workers[victim] = startWorker(env, onStep);
          await workers[victim]!.running;
        }
      }
      const expected = BATCHES * PER_BATCH;
      // Wait for every update to be readable (a reader of the output, not the workers' word for it).
      const reader = kafka.consumer(output, { group: uniqueName("reader"), offset: "earliest" });
      let read = 0;
      for await (const _ of reader) if (++read === expected) break;
      await reader.close();
    } finally {
      for (const w of workers) w.child.kill("SIGTERM");
      await Promise.all(workers.map((w) => exited(w.child)));
      await producer.close();
    }
    const written = (await partitionRecords(server.url, output, 0)).map(
      (r) => r.value as { key: string; value: number },
    );
    for (const [key, total] of totals) {
      const counts = written.filter((r) => r.key === key).map((r) => r.value);
      expect(counts.toSorted((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    expect(written).toHaveLength(BATCHES * PER_BATCH);
  }, 180_000);
});
