/**
 * CPU profiles of `@rivulet/kafka`'s group consumer and of the server it reads from, at once:
 * the server (`rivulet serve`, file store, fsync) under `--cpu-prof`, one consumer (a group of
 * one, auto-commit every 100 ms, `for await` one record at a time) in a child process under
 * `--cpu-prof`, reading a topic of 12 partitions pre-filled with scenario 13's records until
 * every record was consumed. Prints records per second and the consumer's CPU per record (from
 * its first record to its close, commits included), the server's CPU per record over the
 * consumer's lifetime, and both summaries.
 *
 *   npx tsx bench/src/profile/sdk-consumer.ts [records]
 *
 * Writes the .cpuprofile files and summary.md to bench/results/tmp/profiles/sdk-consumer/
 * (not committed).
 */
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka } from "@rivulet/kafka";
import { killAll } from "../core/children.js";
import { REPO_ROOT } from "../core/repo-root.js";
import { launchServer } from "../servers/launch.js";
import {
  type ChildResult,
  createProfiledTopic,
  PROFILED_TOPIC,
  runProfiledChild,
  writeSummary,
} from "./profiled-sdk-run.js";

const FILL_BATCH = 1_000;

if (process.argv[2] === "--child") {
  // In the profiled child: consume every record, and report records and CPU used.
  const [origin, records] = [process.argv[3]!, Number(process.argv[4])];
  const consumer = new Kafka({ url: origin }).consumer(PROFILED_TOPIC, {
    group: "profiled",
    offset: "earliest",
    autoCommitIntervalMs: 100,
  });
  // Counted from the first record: loading modules and joining the group are not per record.
  let before = process.cpuUsage();
  let started = performance.now();
  let consumed = 0;
  for await (const _ of consumer) {
    if (++consumed === 1) {
      before = process.cpuUsage();
      started = performance.now();
    }
    if (consumed === records) break;
  }
  await consumer.close();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(before);
  const reply: ChildResult = { records: consumed, seconds, cpuUs: used.user + used.system };
  process.send!(reply, () => process.exit(0));
} else {
  const records = Number(process.argv[2] ?? 100_000);
  const outDir = join(REPO_ROOT, "bench/results/tmp/profiles/sdk-consumer");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, "server"), { recursive: true });
  const dataDir = await mkdtemp(join(tmpdir(), "rivulet-profile-"));
  try {
    const server = await launchServer("rivulet", { dataDir, cpuProfileDir: join(outDir, "server") });
    let result: ChildResult;
    let serverCpuUs: number;
    try {
      await fill(server.url, records);
      const serverBefore = cpuOf(server.pid);
      const script = fileURLToPath(import.meta.url);
      result = await runProfiledChild(script, [server.url, String(records)], join(outDir, "consumer"), "consumer");
      serverCpuUs = cpuOf(server.pid) - serverBefore;
    } finally {
      await server.stop(); // the profile is written when the process exits
    }
    await writeSummary(
      outDir,
      ["consumer", "server"],
      `records/s ${Math.round(result.records / result.seconds)}, consumer CPU ${(result.cpuUs / result.records).toFixed(2)} µs per record, server CPU ${(serverCpuUs / result.records).toFixed(2)} µs per record (the consumer's lifetime)`,
    );
  } finally {
    killAll();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Scenario 13's fill: keyed records of 100 B values, murmur2-routed by the server. */
async function fill(url: string, records: number): Promise<void> {
  const topic = await createProfiledTopic(url);
  const padding = "v".repeat(80);
  for (let n = 0; n < records; n += FILL_BATCH) {
    const batch = Array.from({ length: Math.min(FILL_BATCH, records - n) }, (_, i) => ({
      key: `key-${Math.floor(Math.random() * 100_000)}`,
      value: { n: n + i, padding },
    }));
    const res = await fetch(`${topic}/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`filling the topic: ${res.status} ${text.slice(0, 200)}`);
  }
}

/** A process's user + system CPU so far, in µs (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
