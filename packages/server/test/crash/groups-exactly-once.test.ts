/**
 * The consumer groups' done-when test (docs/kafka-layer.md): real processes — the server on
 * the file store, a keyed producer writing COUNT records as an idempotent producer, and three
 * consumer processes in one group (fixtures/) — while one consumer after another is killed
 * with SIGKILL and replaced, and the server is killed with SIGKILL twice and restarted on the
 * same data directory and port. Kills are paced by progress (records processed), not by time,
 * so they land mid-run however busy the machine is. At the end, with the group's lag at zero:
 * - every input record appears in the output;
 * - with transactions (each batch's output and its group commit in one transaction), exactly
 *   once;
 * - without (output appended, then offsets committed), at least once: duplicates are counted.
 * npm test runs COUNT=2000; RIVULET_SOAK=1 runs 20,000 records with more kills.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, expect, test } from "vitest";
import { SOAK } from "../support/soak.js";
import { type ServerProcess, spawnServer } from "../support/spawn-server.js";

const COUNT = SOAK ? 20_000 : 2000;
/** Progress (a share of COUNT processed) at which a consumer is killed and replaced… */
const CONSUMER_KILLS = SOAK ? [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85] : [0.1, 0.3, 0.5, 0.7, 0.85];
/** …and at which the server is killed and restarted. */
const SERVER_KILLS = SOAK ? [0.2, 0.4, 0.6, 0.8] : [0.2, 0.6];
const PARTITIONS = 4;
const GROUP = "exactly-once";
const HEARTBEAT_MS = 150;
/** The repository's root, where `--import tsx` resolves tsx from. */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const dirs: string[] = [];
const children = new Set<ChildProcess>();
/** The server of the run in progress: a run that timed out never reaches its own `finally`. */
let liveServer: ServerProcess | undefined;
afterEach(async () => {
  // Whatever a failed run left.
  await Promise.all([...children].map(stop));
  if (liveServer) await stop(liveServer.child);
  liveServer = undefined;
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

function stop(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  return exited;
}

/**
 * Runs a fixture with tsx, loaded into the fixture's own node process (`--import tsx`, not the
 * tsx command, which would run it in a grandchild that a SIGKILL of the child leaves running).
 * `onLine` gets each line it prints.
 */
function runFixture(name: string, env: Record<string, string>, onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", fixture(name)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  children.add(child);
  let rest = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  return child;
}

/** Resolves when `check` holds, checked after every event of `progress`. */
class Progress {
  processed = 0;
  /** Batches sent but not answered when something was killed: those whose outcome was in doubt. */
  inFlightAtKills = 0;
  readonly sending = new Set<ChildProcess>();
  produced = 0;
  private waiting: Array<{ check: () => boolean; resolve: () => void }> = [];

  changed(): void {
    this.waiting = this.waiting.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ check, resolve }));
  }
}

async function request(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}/v1/stream${path}`, init);
}

async function createTopic(url: string, name: string): Promise<void> {
  const res = await request(url, `/__ds/topics/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ partitions: PARTITIONS }),
  });
  expect(res.status).toBe(201);
}

/** Every message of a stream, from the start. */
async function readAll(url: string, path: string): Promise<Array<{ n: number }>> {
  const items: Array<{ n: number }> = [];
  let offset = "-1";
  for (;;) {
    const res = await request(url, `${path}?offset=${offset}`);
    expect(res.status).toBe(200);
    items.push(...((await res.json()) as Array<{ n: number }>));
    offset = res.headers.get("stream-next-offset")!;
    if (res.headers.get("stream-up-to-date") === "true") return items;
  }
}

/** The group has committed every partition of `in` to its tail. */
async function caughtUp(url: string): Promise<boolean> {
  const res = await request(url, `/__ds/groups/${GROUP}/offsets?topic=in`);
  if (res.status !== 200) return false;
  const body = (await res.json()) as { offsets: Array<{ committed: unknown; lag: { messages: number | null } }> };
  return body.offsets.length === PARTITIONS && body.offsets.every((o) => o.committed && o.lag.messages === 0);
}

interface Outcome {
  /** How many times each record's output was found. */
  readonly counts: Map<number, number>;
  readonly kills: number;
  /** Batches being written when a kill came. */
  readonly inDoubt: number;
}

async function run(mode: "tx" | "plain"): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), `rivulet-exactly-once-${mode}-`));
  dirs.push(dir);
  const config = `${dir}.json`;
  dirs.push(config);
  await writeFile(
    config,
    JSON.stringify({
      groups: { sessionTimeoutMs: 1500, heartbeatIntervalMs: HEARTBEAT_MS, maxWaitMs: 1000, rebalanceTimeoutMs: 1500 },
    }),
  );
  const args = ["--data-dir", dir, "--config", config, "--log-level", "error"];
  let server: ServerProcess = await spawnServer(args);
  liveServer = server;
  const { url } = server;
  const port = new URL(url).port;
  const progress = new Progress();
  let kills = 0;
  try {
    await createTopic(url, "in");
    await createTopic(url, "out");
    const producer = runFixture("keyed-producer.ts", { URL: url, COUNT: String(COUNT), BATCH: "200" }, (line) => {
      const produced = /^produced (\d+)$/.exec(line);
      if (produced) progress.produced = Number(produced[1]);
      progress.changed();
    });
    const producerExit = new Promise<number | null>((resolve) => producer.once("exit", resolve));
    let generation = 0;
    const startConsumer = (): ChildProcess => {
      const consumer: ChildProcess = runFixture(
        "group-consumer.ts",
        { URL: url, GROUP, MODE: mode, NAME: `c${generation++}`, HEARTBEAT_MS: String(HEARTBEAT_MS), LIMIT: "50" },
        (line) => {
          const batch = /^batch (\d+)$/.exec(line);
          if (batch) progress.processed += Number(batch[1]);
          if (line === "sending") progress.sending.add(consumer);
          else progress.sending.delete(consumer);
          progress.changed();
        },
      );
      return consumer;
    };
    const consumers = [startConsumer(), startConsumer(), startConsumer()];

    const events = [
      ...CONSUMER_KILLS.map((at) => ({ at, server: false })),
      ...SERVER_KILLS.map((at) => ({ at, server: true })),
    ].sort((a, b) => a.at - b.at);
    let last = 0;
    for (const event of events) {
      // At its share of the run, and some processing after the previous kill.
      const at = Math.max(event.at * COUNT, last + COUNT * 0.05);
      await progress.until(() => progress.processed >= at);
      last = progress.processed;
      if (event.server) {
        progress.inFlightAtKills += progress.sending.size;
        server.child.kill("SIGKILL");
        await server.exited;
        server = await spawnServer([...args, "--port", port]);
        liveServer = server;
      } else {
        const victim = Math.floor(Math.random() * consumers.length);
        if (progress.sending.delete(consumers[victim]!)) progress.inFlightAtKills++;
        await stop(consumers[victim]!);
        consumers[victim] = startConsumer();
      }
      kills++;
    }
    expect(await producerExit, "the producer wrote every record").toBe(0);
    // Then the group drains the input: wait for its lag to reach zero.
    const deadline = Date.now() + 60_000;
    while (!(await caughtUp(url))) {
      if (Date.now() > deadline) throw new Error(`the group did not catch up (${progress.processed} processed)`);
      // Polling a condition the consumers reach on their own, not guarding a race.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await Promise.all(consumers.map(stop));
    const counts = new Map<number, number>();
    let inputs = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      inputs += (await readAll(url, `/topics/in/${p}`)).length;
      for (const { n } of await readAll(url, `/topics/out/${p}`)) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    // The producer's retries wrote every record once.
    expect(inputs).toBe(COUNT);
    return { counts, kills, inDoubt: progress.inFlightAtKills };
  } finally {
    await Promise.all([...children].map(stop));
    server.child.kill("SIGKILL");
    await server.exited;
  }
}

function missing(counts: Map<number, number>): number[] {
  return Array.from({ length: COUNT }, (_, n) => n).filter((n) => !counts.has(n));
}

test(`three consumers in one group, consumers and the server killed: with transactions, each of ${COUNT} records processed exactly once`, async () => {
  const { counts, kills, inDoubt } = await run("tx");
  expect(kills).toBe(CONSUMER_KILLS.length + SERVER_KILLS.length);
  console.info(`exactly once: ${kills} kills, ${inDoubt} of them while a batch was being written`);
  expect(missing(counts)).toEqual([]);
  const duplicated = [...counts].filter(([, times]) => times > 1).map(([n]) => n);
  expect(duplicated, "records processed more than once").toEqual([]);
  expect(counts.size).toBe(COUNT);
}, 240_000);

test(`the same without transactions (output, then commit): each of ${COUNT} records processed at least once`, async () => {
  const { counts, kills, inDoubt } = await run("plain");
  expect(kills).toBe(CONSUMER_KILLS.length + SERVER_KILLS.length);
  expect(missing(counts)).toEqual([]);
  const duplicates = [...counts.values()].reduce((sum, times) => sum + times - 1, 0);
  // At least once allows duplicates; how many there were is worth seeing.
  console.info(
    `at least once: ${duplicates} duplicate outputs of ${COUNT} records; ${kills} kills, ${inDoubt} while a batch was being written`,
  );
  expect(counts.size).toBe(COUNT);
}, 240_000);
