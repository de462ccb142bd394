/**
 * Scenario 13's consumer half: a 12-partition topic pre-filled with keyed records, consumed
 * end to end by one group of consumers, each in its own load-generator process, through
 * `@rivulet/kafka`'s `kafka.consumer(topic, { group })` with auto-commit, and the same workload
 * through `@rivulet/client` directly (fixed partitions, records view, commits without a
 * member). Records/s from the first fetch to the last record consumed and committed; every
 * record must have been consumed (seqs per partition, from every member together).
 */
import { ms, type Spread, shortPerSecond, spread, spreadOf } from "@rivulet/load";
import type { Table } from "../core/types.js";
import { createControl, sendControl, watchControl } from "../load/control-stream.js";
import type { GroupConsumeParams, GroupConsumeResult } from "../load/group-consume.js";
import { runJob } from "../load/run-job.js";
import type { RunningServer } from "../servers/launch.js";
import type { ScenarioContext } from "./context.js";
import { withServer } from "./context.js";

const TOPICS = "/v1/stream/__ds/topics";
const FILL_BATCH = 1_000;

type Mode = GroupConsumeParams["mode"];

export const CONSUME_MODES = [
  { mode: "sdk", label: "@rivulet/kafka consumer, auto-commit" },
  { mode: "client", label: "@rivulet/client records view, fixed partitions" },
] as const;

export interface ConsumeRow {
  readonly mode: Mode;
  readonly label: string;
  readonly recordsPerSecond: Spread;
  /** From the go to the earliest member's first fetch (the SDK joins the group first). */
  readonly toFirstFetch: Spread;
  readonly commits: Spread;
  /** Partitions taken from a member while consuming (rebalances as the group forms). */
  readonly moved: Spread;
  /** Records consumed by each member, in the last run. */
  readonly perMember: number[];
  /** Records consumed more than once, over all runs (a group consumer guarantees at least once). */
  readonly duplicates: number;
  /** Every partition's seqs 0..next_seq-1 consumed, in every run, without errors. */
  readonly countCheck: "ok" | "missing records";
}

interface Run {
  readonly recordsPerSecond: number;
  readonly toFirstFetch: number;
  readonly commits: number;
  readonly moved: number;
  readonly perMember: number[];
  readonly duplicates: number;
  readonly complete: boolean;
}

export async function measureConsume(context: ScenarioContext): Promise<ConsumeRow[]> {
  const runs = new Map<Mode, Run[]>(CONSUME_MODES.map(({ mode }) => [mode, []]));
  // Runs alternate between the two ways so that a busy spell on the machine hits both.
  for (let i = 0; i < context.settings.runs; i++) {
    for (const { mode } of CONSUME_MODES) {
      const run = await withServer(context, "rivulet", (server) => consumeRun(server, mode, `consume-${i}`, context));
      runs.get(mode)!.push(run);
      context.log(`  consume (${mode}): ${shortPerSecond(run.recordsPerSecond)} records`);
    }
  }
  return CONSUME_MODES.map(({ mode, label }) => {
    const own = runs.get(mode)!;
    return {
      mode,
      label,
      recordsPerSecond: spread(own.map((r) => r.recordsPerSecond)),
      toFirstFetch: spread(own.map((r) => r.toFirstFetch)),
      commits: spread(own.map((r) => r.commits)),
      moved: spread(own.map((r) => r.moved)),
      perMember: own.at(-1)!.perMember,
      duplicates: own.reduce((n, r) => n + r.duplicates, 0),
      countCheck: own.every((r) => r.complete) ? "ok" : "missing records",
    };
  });
}

async function consumeRun(server: RunningServer, mode: Mode, topic: string, context: ScenarioContext): Promise<Run> {
  const s = context.settings.sdkConsume;
  const { tails, counts } = await fillTopic(server.url, topic, s);
  const control = `${server.url}/v1/stream/bench-control`;
  await createControl(control);
  const params = (member: number): GroupConsumeParams => ({
    origin: server.url,
    topic,
    group: `bench-${mode}`,
    mode,
    member,
    members: s.members,
    tails,
    control,
    commitIntervalMs: s.commitIntervalMs,
    maxPollRecords: s.maxPollRecords,
  });
  const cancel = new AbortController();
  const members = Promise.all(
    Array.from({ length: s.members }, (_, member) => runJob("groupConsume", params(member), 180_000 + s.records)),
  ).finally(() => cancel.abort());
  const [results] = await Promise.all([
    members,
    // Members that return early (a failure) end the coordination; their errors say why.
    coordinate(control, mode, s.members, tails.length, cancel.signal).catch((error) => {
      if (!cancel.signal.aborted) throw error;
    }),
  ]);
  const errors = results.flatMap((r) => r.errors);
  if (errors.length > 0) throw new Error(`consuming (${mode}) failed: ${errors[0]}`);
  return summarise(results, counts);
}

/** Go once every member is ready; for group consumers, stop once every partition's tail was committed. */
async function coordinate(control: string, mode: Mode, members: number, partitions: number, signal: AbortSignal) {
  const ready = new Set<number>();
  await watchControl(
    control,
    (message) => {
      if (message.type === "ready") ready.add(message.member);
      return ready.size === members;
    },
    signal,
  );
  await sendControl(control, { type: "go" });
  if (mode === "client") return;
  const done = new Set<number>();
  await watchControl(
    control,
    (message) => {
      if (message.type === "done") done.add(message.partition);
      return done.size === partitions;
    },
    signal,
  );
  await sendControl(control, { type: "stop" });
}

function summarise(results: readonly GroupConsumeResult[], counts: readonly number[]): Run {
  const started = Math.min(...results.flatMap((r) => (r.firstFetchAt === undefined ? [] : [r.firstFetchAt])));
  const ended = Math.max(...results.flatMap((r) => (r.lastCommitAt === undefined ? [] : [r.lastCommitAt])));
  const go = Math.min(...results.map((r) => r.goAt));
  const total = counts.reduce((a, b) => a + b, 0);
  let duplicates = 0;
  let complete = true;
  for (const [partition, expected] of counts.entries()) {
    const ranges = results.flatMap((r) => r.consumed[partition] ?? []);
    const { distinct, consumed, outside } = coverage(ranges, expected);
    duplicates += consumed - distinct;
    if (distinct !== expected || outside) complete = false;
  }
  return {
    recordsPerSecond: total / ((ended - started) / 1000),
    toFirstFetch: started - go,
    commits: results.reduce((n, r) => n + r.commits, 0),
    moved: results.reduce((n, r) => n + r.revoked, 0),
    perMember: results.map((r) => r.records),
    duplicates,
    complete,
  };
}

/** How many of the seqs 0..expected-1 the ranges cover, how many seqs they hold in all, and whether any lies outside. */
export function coverage(
  ranges: ReadonlyArray<readonly [number, number]>,
  expected: number,
): { distinct: number; consumed: number; outside: boolean } {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let distinct = 0;
  let consumed = 0;
  let covered = -1;
  let outside = false;
  for (const [first, last] of sorted) {
    consumed += last - first + 1;
    if (first < 0 || last >= expected) outside = true;
    const from = Math.max(first, covered + 1);
    const to = Math.min(last, expected - 1);
    if (to >= from) distinct += to - from + 1;
    covered = Math.max(covered, last);
  }
  return { distinct, consumed, outside };
}

/** Creates the topic and produces `records` keyed records to it; each partition's tail and record count. */
async function fillTopic(
  url: string,
  topic: string,
  s: ScenarioContext["settings"]["sdkConsume"],
): Promise<{ tails: string[]; counts: number[] }> {
  const created = await fetch(`${url}${TOPICS}/${topic}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ partitions: s.partitions }),
  });
  if (created.status !== 201) throw new Error(`creating the topic: ${created.status} ${await created.text()}`);
  const padding = "v".repeat(Math.max(0, s.valueBytes - 20));
  for (let n = 0; n < s.records; n += FILL_BATCH) {
    const batch = Array.from({ length: Math.min(FILL_BATCH, s.records - n) }, (_, i) => ({
      key: `key-${Math.floor(Math.random() * s.keys)}`,
      value: { n: n + i, padding },
    }));
    const res = await fetch(`${url}${TOPICS}/${topic}/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`filling the topic: ${res.status} ${text.slice(0, 200)}`);
  }
  const described = (await (await fetch(`${url}${TOPICS}/${topic}`)).json()) as {
    partitions: Array<{ next_offset: string; next_seq: number }>;
  };
  const counts = described.partitions.map((p) => p.next_seq);
  if (counts.reduce((a, b) => a + b, 0) !== s.records || counts.some((n) => n === 0)) {
    throw new Error(`the fill left partitions holding ${counts.join(", ")} records, not ${s.records} over all`);
  }
  return { tails: described.partitions.map((p) => p.next_offset), counts };
}

export function consumeTable(rows: readonly ConsumeRow[], members: number, partitions: number): Table {
  return {
    title: `A pre-filled topic of ${partitions} partitions consumed and committed by ${members} consumers in ${members} processes`,
    columns: [
      "consumers",
      "records/s, median (min–max)",
      "go to first fetch",
      "commits",
      "partitions moved",
      "records per consumer (last run)",
      "duplicates",
      "count check",
    ],
    rows: rows.map((row) => [
      row.label,
      spreadOf(row.recordsPerSecond, shortPerSecond),
      ms(row.toFirstFetch.median),
      row.commits.median.toFixed(0),
      row.mode === "client" ? "none (fixed)" : spreadOf(row.moved, (n) => n.toFixed(0)),
      row.perMember.map((n) => n.toLocaleString("en-US")).join(" / "),
      String(row.duplicates),
      row.countCheck,
    ]),
  };
}
