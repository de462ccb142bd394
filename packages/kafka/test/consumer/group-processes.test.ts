/**
 * Three consumer processes in one group, killed (SIGKILL) and restarted at random while keyed
 * records are produced: every record is handled at least once, each key's records in order
 * within a process's run (a restart, or a rejoin, may deliver again what was not committed),
 * no commit ever covers a record still being handled, and with the dead-letter helper every
 * failing record is in the dead-letter topic exactly once. Short by default; RIVULET_SOAK=1
 * runs a long one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTopic,
  eventually,
  groupOffsets,
  produce,
  readPartition,
  startTestServer,
  type TestServer,
  uniqueName,
} from "../support/group-server.js";

const SOAK = process.env.RIVULET_SOAK === "1";
const PARTITIONS = 6;
const KEYS = 8;
const BATCHES = SOAK ? 300 : 12;
const PER_BATCH = 16;
const KILLS = SOAK ? 100 : 3;
const TEST_TIMEOUT_MS = SOAK ? 1_800_000 : 180_000;
/** A busy machine can slow a graceful close (commit, leave) a lot; a hung one never ends. */
const SHUTDOWN_GRACE_MS = 30_000;

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../fixtures/group-worker.ts", import.meta.url));
const TSCONFIG = `${root}tsconfig.test.json`;

interface Fact {
  run: string;
  ev: "assigned" | "done" | "commit" | "violation" | "rejoin" | "closed";
  partition?: number;
  offset?: string;
  key?: string;
  n?: number;
}

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 3_000, maxWaitMs: 1_000 } });
});
afterAll(() => server.close());

/** The facts every worker printed, in the order they arrived, and waits on them. */
class Facts {
  readonly all: Fact[] = [];
  #waiting: { check: () => boolean; resolve: () => void }[] = [];

  add(fact: Fact): void {
    this.all.push(fact);
    this.#waiting = this.#waiting.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.#waiting.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

function startWorker(run: string, env: Record<string, string>, facts: Facts): ChildProcess {
  // The tsx loader in the worker's own process, not the tsx command: that runs the script in a
  // child of its own, which a SIGKILL of the command leaves running (an orphan still in the group).
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, ...env, RUN: run, RIVULET_URL: server.url, TSX_TSCONFIG_PATH: TSCONFIG },
    stdio: ["ignore", "pipe", "inherit"],
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (line.startsWith("{")) facts.add(JSON.parse(line) as Fact);
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function runScenario(deadLetter: boolean): Promise<void> {
  const topic = uniqueName("orders");
  const group = uniqueName("g");
  const dlq = `${topic}-dlq`;
  await createTopic(server.base, topic, PARTITIONS);
  if (deadLetter) await createTopic(server.base, dlq, 2);
  const env: Record<string, string> = { TOPIC: topic, GROUP: group, ...(deadLetter ? { DEAD_LETTER: dlq } : {}) };
  const facts = new Facts();
  let runs = 0;
  const workers = [0, 1, 2].map(() => startWorker(`r${runs++}`, env, facts));
  const doneCount = () => facts.all.filter((f) => f.ev === "done").length;

  const next = new Map<string, number>();
  const produced: { key: string; n: number }[] = [];
  const killAfter = new Set(Array.from({ length: KILLS }, () => 1 + Math.floor(Math.random() * (BATCHES - 1))));
  let stuck: number[] = [];
  try {
    for (let batch = 0; batch < BATCHES; batch++) {
      const records = Array.from({ length: PER_BATCH }, (_, i) => {
        const key = `k${(batch * PER_BATCH + i) % KEYS}`;
        const n = next.get(key) ?? 0;
        next.set(key, n + 1);
        produced.push({ key, n });
        return { key, value: { n } };
      });
      const before = doneCount();
      await produce(server.base, topic, records);
      // Kill while records are being handled: once this batch's handling has begun.
      await facts.until(() => doneCount() > before, "progress");
      if (killAfter.has(batch)) {
        const victim = Math.floor(Math.random() * workers.length);
        workers[victim]!.kill("SIGKILL");
        await exited(workers[victim]!);
        workers[victim] = startWorker(`r${runs++}`, env, facts);
      }
    }
    const poison = (n: number) => deadLetter && n % 5 === 0;
    const expected = produced.filter((r) => !poison(r.n));
    const handled = () => new Set(facts.all.filter((f) => f.ev === "done").map((f) => `${f.key}#${f.n}`));
    await facts
      .until(() => {
        const seen = handled();
        return expected.every((r) => seen.has(`${r.key}#${r.n}`));
      }, "every record handled")
      .catch((error: unknown) => {
        // Name what is missing, so a failure says which records and which runs to look at.
        const seen = handled();
        const missing = expected.filter((r) => !seen.has(`${r.key}#${r.n}`)).map((r) => `${r.key}#${r.n}`);
        const events = facts.all.filter((f) => f.ev !== "done").map((f) => JSON.stringify(f));
        throw new Error(`${String(error)}; missing ${missing.join(" ")}; facts:\n${events.join("\n")}`);
      });
    // Every partition's commit reaches its tail: nothing is left uncommitted.
    const tails = new Map<number, string>();
    for (let p = 0; p < PARTITIONS; p++) {
      const records = await readPartition(server.base, topic, p);
      if (records.length > 0) tails.set(p, (records.at(-1) as unknown as { next_offset: string }).next_offset);
    }
    await eventually(async () => {
      const offsets = await groupOffsets(server.base, group);
      return [...tails].every(([p, tail]) => offsets.find((o) => o.partition === p)?.committed?.offset === tail);
    }, 60_000);

    expect(facts.all.filter((f) => f.ev === "violation")).toEqual([]);
    // Per run, each key's handled numbers only grow; a rejoin starts over from the group's commit.
    const lastOf = new Map<string, number>();
    for (const fact of facts.all) {
      if (fact.ev === "rejoin")
        for (const key of [...lastOf.keys()]) if (key.startsWith(`${fact.run}/`)) lastOf.delete(key);
      if (fact.ev !== "done") continue;
      const key = `${fact.run}/${fact.key}`;
      expect(fact.n!, `${key} went back`).toBeGreaterThan(lastOf.get(key) ?? -1);
      lastOf.set(key, fact.n!);
    }
    if (deadLetter) {
      const letters = [...(await readPartition(server.base, dlq, 0)), ...(await readPartition(server.base, dlq, 1))];
      const names = letters.map((l) => {
        const envelope = l.value as { key: string; value: { n: number } };
        return `${envelope.key}#${envelope.value.n}`;
      });
      const failing = produced.filter((r) => poison(r.n)).map((r) => `${r.key}#${r.n}`);
      // Exactly once: each failing record once, none twice, nothing else.
      expect(names.toSorted()).toEqual(failing.toSorted());
    }
    expect(runs).toBeGreaterThanOrEqual(3 + killAfter.size);
  } finally {
    stuck = await stopWorkers(workers);
  }
  // A graceful stop (SIGTERM: consumer.close()) ends process() and the worker, even one that
  // was killed and restarted just before and is still starting.
  expect(stuck, "workers still running after SIGTERM (killed)").toEqual([]);
}

/** SIGTERM to every worker; the pids of those that had not exited SHUTDOWN_GRACE_MS later, which are then killed. */
async function stopWorkers(workers: ChildProcess[]): Promise<number[]> {
  for (const worker of workers) worker.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
  });
  await Promise.race([Promise.all(workers.map(exited)), grace]);
  clearTimeout(timer);
  const stuck = workers.filter((w) => w.exitCode === null && w.signalCode === null);
  for (const worker of stuck) worker.kill("SIGKILL");
  await Promise.all(stuck.map(exited));
  return stuck.map((w) => w.pid ?? -1);
}

describe("three consumer processes killed and restarted at random", () => {
  it(
    "handle every record at least once, in key order, never committing past unfinished work",
    async () => {
      await runScenario(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "with the dead-letter helper, put every failing record in the dead-letter topic exactly once",
    async () => {
      await runScenario(true);
    },
    TEST_TIMEOUT_MS,
  );
});
