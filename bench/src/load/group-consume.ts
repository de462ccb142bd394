/**
 * One consumer of scenario 13's consumer half, run in its own load-generator process: it
 * consumes a pre-filled topic with its group's other members and commits what it consumed.
 * Two ways, the same workload:
 *
 * - `sdk`: `@rivulet/kafka`'s `kafka.consumer(topic, { group })`, one record at a time,
 *   auto-committing finished records; the server assigns the partitions (and moves them while
 *   members join). It reports each partition whose last record it committed, and consumes
 *   until the orchestrator says stop (a group consumer cannot know the others are done).
 * - `client`: what an application would write with `@rivulet/client` alone: member `i` reads
 *   the fixed partitions `p ≡ i (mod members)` in the records view to their tails and commits
 *   their positions on the same interval through `POST {base}/__ds/groups/<g>/commit` without a
 *   member id (the server's mode for consumers that assign partitions themselves).
 *
 * Both start on the orchestrator's go (control-stream.ts) and report, per partition, the seqs
 * they consumed as ranges, so the orchestrator can check every record was consumed.
 */
import { stream } from "@rivulet/client";
import { Kafka } from "@rivulet/kafka";
import { sendControl, wallClock, watchControl } from "./control-stream.js";

export interface GroupConsumeParams {
  readonly origin: string;
  readonly topic: string;
  readonly group: string;
  readonly mode: "sdk" | "client";
  readonly member: number;
  readonly members: number;
  /** Each partition's tail (`next_offset`) after the fill: consumed and committed up to here. */
  readonly tails: readonly string[];
  /** URL of the control stream. */
  readonly control: string;
  readonly commitIntervalMs: number;
  /** Records per fetch (the records view's `limit`; the SDK's `maxPollRecords`). */
  readonly maxPollRecords: number;
}

export interface GroupConsumeResult {
  /** Wall-clock ms: the go, this member's first fetch, its last commit of a partition's tail. */
  readonly goAt: number;
  readonly firstFetchAt: number | undefined;
  readonly lastCommitAt: number | undefined;
  readonly records: number;
  readonly commits: number;
  /** Partitions taken from this member while consuming (a rebalance; not the stop's). */
  readonly revoked: number;
  /** Per partition, the seqs consumed as sorted `[first, last]` ranges. */
  readonly consumed: Record<number, Array<[number, number]>>;
  readonly errors: string[];
}

/** What both ways record while consuming. */
class Tally {
  firstFetchAt: number | undefined;
  lastCommitAt: number | undefined;
  records = 0;
  commits = 0;
  revoked = 0;
  readonly seqs = new Map<number, number[]>();
  readonly errors: string[] = [];

  consumed(partition: number, seq: number): void {
    const list = this.seqs.get(partition);
    if (list) list.push(seq);
    else this.seqs.set(partition, [seq]);
    this.records++;
  }

  result(goAt: number): GroupConsumeResult {
    const consumed: Record<number, Array<[number, number]>> = {};
    for (const [partition, seqs] of this.seqs) consumed[partition] = ranges(seqs);
    const { firstFetchAt, lastCommitAt, records, commits, revoked, errors } = this;
    return { goAt, firstFetchAt, lastCommitAt, records, commits, revoked, consumed, errors };
  }
}

export async function groupConsume(params: GroupConsumeParams): Promise<GroupConsumeResult> {
  const go = watchControl(params.control, (message) => message.type === "go");
  await sendControl(params.control, { type: "ready", member: params.member });
  await go;
  const goAt = wallClock();
  const tally = new Tally();
  await (params.mode === "sdk" ? consumeWithSdk(params, tally) : consumeWithClient(params, tally));
  return tally.result(goAt);
}

async function consumeWithSdk(params: GroupConsumeParams, tally: Tally): Promise<void> {
  const stopped = new AbortController();
  const consumer = new Kafka({ url: params.origin }).consumer(params.topic, {
    group: params.group,
    offset: "earliest",
    autoCommit: true,
    autoCommitIntervalMs: params.commitIntervalMs,
    maxPollRecords: params.maxPollRecords,
    signal: stopped.signal,
    onAssigned: (partitions) => {
      if (partitions.length > 0) tally.firstFetchAt ??= wallClock();
    },
    onEvent: (event) => {
      if (event.type === "consumer:error") tally.errors.push(`${event.error.code}: ${event.error.message}`);
      if (event.type === "consumer:revoked" && !stopped.signal.aborted) tally.revoked += event.partitions.length;
      if (event.type !== "consumer:commit") return;
      tally.commits++;
      const at = wallClock();
      for (const { partition, offset } of event.offsets) {
        if (offset !== params.tails[partition]) continue;
        tally.lastCommitAt = Math.max(tally.lastCommitAt ?? 0, at);
        void sendControl(params.control, { type: "done", member: params.member, partition, at }).catch((error) =>
          tally.errors.push(String(error)),
        );
      }
    },
  });
  // The watcher ends with the stop, or is cancelled when consuming failed first.
  const unwatch = new AbortController();
  const stop = watchControl(params.control, (message) => message.type === "stop", unwatch.signal).then(
    () => stopped.abort(),
    () => {},
  );
  try {
    for await (const record of consumer) tally.consumed(record.partition, record.seq);
  } catch (error) {
    tally.errors.push(String(error));
  } finally {
    unwatch.abort();
    await consumer.close();
    await stop;
  }
}

async function consumeWithClient(params: GroupConsumeParams, tally: Tally): Promise<void> {
  const own = params.tails.map((_, p) => p).filter((p) => p % params.members === params.member);
  /** Each owned partition's position: the offset after its last consumed record. */
  const positions = new Map<number, string>();
  const committed = new Map<number, string>();
  const commitDue = async () => {
    const offsets = [...positions]
      .filter(([p, offset]) => committed.get(p) !== offset)
      .map(([partition, offset]) => ({ topic: params.topic, partition, offset }));
    if (offsets.length === 0) return;
    const res = await fetch(`${params.origin}/v1/stream/__ds/groups/${params.group}/commit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ offsets }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`commit: ${res.status} ${text}`);
    tally.commits++;
    for (const { partition, offset } of offsets) committed.set(partition, offset);
  };
  // One commit in flight at a time, on an interval as the SDK's auto-commit: commits are
  // cumulative and must land in order.
  let chain = Promise.resolve();
  const timer = setInterval(() => {
    chain = chain.then(commitDue).catch((error) => {
      tally.errors.push(String(error));
    });
  }, params.commitIntervalMs);
  try {
    tally.firstFetchAt = wallClock();
    await Promise.all(
      own.map(async (partition) => {
        const response = await stream({
          url: `${params.origin}/v1/stream/topics/${params.topic}/${partition}`,
          offset: "-1",
          records: { limit: params.maxPollRecords },
          live: false,
          contentType: "application/json",
        });
        for await (const batch of response) {
          for (const record of batch.records ?? []) {
            tally.consumed(partition, record.seq);
            positions.set(partition, record.nextOffset);
          }
        }
      }),
    );
  } finally {
    clearInterval(timer);
    await chain;
  }
  await commitDue();
  tally.lastCommitAt = wallClock();
  const short = own.filter((p) => committed.get(p) !== params.tails[p]);
  if (short.length > 0) tally.errors.push(`partitions ${short.join(", ")} not committed at their tails`);
}

/** Sorted seqs as `[first, last]` runs of consecutive numbers (a repeated seq starts a new run). */
function ranges(seqs: number[]): Array<[number, number]> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const seq of sorted) {
    const last = out.at(-1);
    if (last && seq === last[1] + 1) last[1] = seq;
    else out.push([seq, seq]);
  }
  return out;
}
