/**
 * Scenario 8: consumer groups on Rivulet (fsync mode). Rebalance time: members that
 * heartbeat as real consumers do (long-polling while nothing changes for them) — from none to
 * a settled group of `members`, then one more joining, then one leaving; settled means every
 * partition assigned, nobody waiting for one, every member at the newest epoch (revoke before
 * assign included). Commit throughput: every member commits all its partitions, one commit in
 * flight each, for a few seconds; each commit is a durable state-log write.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ms, repeat, type Spread, shortPerSecond, spread, spreadOf } from "@rivulet/load";
import type { ScenarioResult, Table } from "../core/types.js";
import { GroupDriver } from "../load/group-members.js";
import type { RunningServer } from "../servers/launch.js";
import { type ScenarioContext, STREAM_BASE, withServer } from "./context.js";

const TOPIC = "orders";

interface Rebalances {
  readonly join: number;
  readonly oneJoins: number;
  readonly oneLeaves: number;
}

interface Commits {
  readonly perSecond: number;
  readonly offsetsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

export interface GroupsData {
  readonly members: number;
  readonly partitions: number;
  readonly join: Spread;
  readonly oneJoins: Spread;
  readonly oneLeaves: Spread;
  readonly commitsPerSecond: Spread;
  readonly offsetsPerSecond: Spread;
  readonly commitP50: Spread;
  readonly commitP99: Spread;
  readonly errors: number;
}

export async function groupsScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.groups;
  const config = join(context.workDir, "groups.json");
  await writeFile(
    config,
    JSON.stringify({ groups: { topics: { [TOPIC]: s.partitions }, sessionTimeoutMs: 30_000, maxWaitMs: 10_000 } }),
  );
  const data = await withServer(context, "rivulet", (server) => measure(context, server), { configFile: config });
  return {
    id: "s9",
    title: "9. Consumer groups",
    tables: [table(data)],
    verdicts: [],
    notes: [
      `One topic of ${s.partitions} partitions on Rivulet's file store (fsync before every answer, group state included), the uniform assignor, members on one machine with the server.`,
      "Rebalance time: from the first join (or the change) until every partition is assigned, no member waits for one, and every member is at the newest group epoch, as the members' own heartbeat replies show. Members report what they own in every heartbeat and long-poll (`wait_ms`) while nothing changes for them, so a partition moves as soon as its previous owner confirms it gave it up.",
      `Commit throughput: each of the ${s.members} members commits all its partitions in one request, one in flight each, for ${s.commitSeconds} s; every commit is durable before it is answered.`,
    ],
    data: { ...data },
    seconds: (performance.now() - started) / 1000,
  };
}

async function measure(context: ScenarioContext, server: RunningServer): Promise<GroupsData> {
  const s = context.settings.groups;
  const offsets = await fillPartitions(server.url, s.partitions);
  let errors = 0;
  let run = 0;
  const rebalances = await repeat(context.settings.runs, async () => {
    const driver = new GroupDriver(server.url, `rebalance-${++run}`, TOPIC, s.partitions);
    try {
      return await rebalance(driver, s.members);
    } finally {
      await driver.stop();
      errors += driver.errors;
    }
  });
  context.log(`  groups: rebalances measured, committing for ${s.commitSeconds} s`);
  const commits = await repeat(context.settings.runs, async () => {
    const driver = new GroupDriver(server.url, `commits-${++run}`, TOPIC, s.partitions);
    try {
      for (let i = 0; i < s.members; i++) driver.add();
      await driver.settled();
      return await commitRun(driver, offsets, s.commitSeconds);
    } finally {
      await driver.stop();
      errors += driver.errors;
    }
  });
  return {
    members: s.members,
    partitions: s.partitions,
    join: spread(rebalances.map((r) => r.join)),
    oneJoins: spread(rebalances.map((r) => r.oneJoins)),
    oneLeaves: spread(rebalances.map((r) => r.oneLeaves)),
    commitsPerSecond: spread(commits.map((c) => c.perSecond)),
    offsetsPerSecond: spread(commits.map((c) => c.offsetsPerSecond)),
    commitP50: spread(commits.map((c) => c.p50)),
    commitP99: spread(commits.map((c) => c.p99)),
    errors,
  };
}

async function rebalance(driver: GroupDriver, members: number): Promise<Rebalances> {
  let started = performance.now();
  for (let i = 0; i < members; i++) driver.add();
  await driver.settled();
  const join = performance.now() - started;
  started = performance.now();
  driver.add();
  await driver.settled();
  const oneJoins = performance.now() - started;
  started = performance.now();
  await driver.leave(driver.members[0]!);
  await driver.settled();
  return { join, oneJoins, oneLeaves: performance.now() - started };
}

async function commitRun(driver: GroupDriver, offsets: readonly string[], seconds: number): Promise<Commits> {
  const started = performance.now();
  const { latencies, offsets: committed } = await driver.commitLoop(offsets, started + seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { perSecond: latencies.length / elapsed, offsetsPerSecond: committed / elapsed, p50: at(0.5), p99: at(0.99) };
}

/** Creates the partition streams with a message each; their tails are what members commit. */
async function fillPartitions(url: string, partitions: number): Promise<string[]> {
  const tails: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const res = await fetch(`${url}${STREAM_BASE}${TOPIC}/${p}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ partition: p }),
    });
    if (res.status !== 201) throw new Error(`creating partition ${p}: ${res.status}`);
    tails.push(res.headers.get("stream-next-offset")!);
  }
  return tails;
}

function table(d: GroupsData): Table {
  return {
    title: `Consumer groups: ${d.members} members, ${d.partitions} partitions`,
    columns: ["measure", "result"],
    rows: [
      [`rebalance: ${d.members} members join, until settled`, spreadOf(d.join, ms)],
      [`rebalance: member ${d.members + 1} joins`, spreadOf(d.oneJoins, ms)],
      ["rebalance: a member leaves", spreadOf(d.oneLeaves, ms)],
      ["commits/s (durable)", spreadOf(d.commitsPerSecond, shortPerSecond)],
      ["committed offsets/s", spreadOf(d.offsetsPerSecond, shortPerSecond)],
      ["commit latency p50", spreadOf(d.commitP50, ms)],
      ["commit latency p99", spreadOf(d.commitP99, ms)],
      ["refused requests", String(d.errors)],
    ],
  };
}
