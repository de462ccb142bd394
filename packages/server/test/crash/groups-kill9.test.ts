/**
 * Consumer groups through crashes: a real server with a group of three consumers over a
 * four-partition topic under write load — each consumer heartbeats, reports what it owns, and
 * commits its partitions' tails; now and then one crashes and rejoins from nothing — is killed
 * with SIGKILL at random moments and restarted on the same data directory. After each restart:
 * - no acknowledged commit is lost: every committed offset is at least every commit answered 200;
 * - no committed offset went back, and none is past its partition's durable tail;
 * - no group epoch is reused: the next join gets an epoch above every one seen before the crash;
 * - the consumers carry on with their member ids and epochs (no member was forgotten).
 * At the end, with the load stopped, every partition is committed to its tail.
 * Each cycle waits until commits were acknowledged in it before the kill comes (at a random
 * moment after), so every kill interrupts real load however slow the machine is.
 * npm test runs 3 cycles, RIVULET_SOAK=1 runs 20; RIVULET_CRASH_CYCLES sets the count.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { crashCycles } from "../support/soak.js";
import { type ServerProcess, spawnServer } from "../support/spawn-server.js";

const CYCLES = crashCycles("RIVULET_CRASH_CYCLES", 3, 20);
const PARTITIONS = 4;
const GROUP = "/v1/stream/__ds/groups/workers";

interface Consumer {
  memberId: string | undefined;
  epoch: number;
  owned: number[];
}

/** Commits acknowledged in a cycle before its kill may come. */
const COMMITS_PER_CYCLE = 4;

class Ledger {
  /** Highest offset per partition whose commit was answered 200. */
  readonly acked = new Map<number, string>();
  maxGroupEpoch = 0;
  commits = 0;
  rejoins = 0;
  readonly unexpected: string[] = [];
  private waiting: Array<{ count: number; resolve: () => void }> = [];

  committed(): void {
    this.commits++;
    this.waiting = this.waiting.filter((w) => {
      if (this.commits < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `count` commits were acknowledged in all. */
  commitsReach(count: number): Promise<void> {
    if (this.commits >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ count, resolve }));
  }
}

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function tail(url: string, partition: number): Promise<string> {
  const head = await fetch(`${url}/v1/stream/orders/${partition}`, { method: "HEAD" });
  return head.headers.get("stream-next-offset")!;
}

/** One consumer: heartbeat, commit the tails of what it owns, sometimes crash and rejoin. */
async function runConsumer(url: string, c: Consumer, ledger: Ledger, stop: { dead: boolean }, settle: boolean) {
  while (!stop.dead) {
    try {
      if (!settle && Math.random() < 0.03) {
        // The consumer crashes: it forgets everything and joins again from nothing.
        c.memberId = undefined;
        c.epoch = 0;
        c.owned = [];
        ledger.rejoins++;
      }
      const body =
        c.epoch === 0
          ? { member_epoch: 0, topics: ["orders"] }
          : { member_id: c.memberId, member_epoch: c.epoch, owned: { orders: c.owned } };
      const res = await post(`${url}${GROUP}/heartbeat?wait_ms=200`, body);
      if (res.status !== 200) {
        const error = ((await res.json()) as { error: { code: string } }).error.code;
        if (error === "FENCED_MEMBER_EPOCH" || error === "UNKNOWN_MEMBER_ID") {
          c.epoch = 0;
          c.owned = [];
        } else if (error !== "UNRELEASED_INSTANCE_ID") ledger.unexpected.push(`heartbeat ${res.status} ${error}`);
        continue;
      }
      const reply = (await res.json()) as {
        member_id: string;
        member_epoch: number;
        group_epoch: number;
        assignment: { orders?: Array<{ partition: number }> };
      };
      c.memberId = reply.member_id;
      c.epoch = reply.member_epoch;
      c.owned = (reply.assignment.orders ?? []).map((p) => p.partition);
      ledger.maxGroupEpoch = Math.max(ledger.maxGroupEpoch, reply.group_epoch);
      for (const partition of c.owned) {
        const offset = await tail(url, partition);
        const commit = await post(`${url}${GROUP}/commit`, {
          member_id: c.memberId,
          member_epoch: c.epoch,
          offsets: [{ topic: "orders", partition, offset }],
        });
        if (commit.status === 200) {
          if ((ledger.acked.get(partition) ?? "") < offset) ledger.acked.set(partition, offset);
          ledger.committed();
        } else {
          const error = ((await commit.json()) as { error: { code: string } }).error.code;
          // Losing a partition between heartbeat and commit is the protocol working.
          if (error !== "STALE_MEMBER_EPOCH" && error !== "UNKNOWN_MEMBER_ID" && error !== "FENCED_MEMBER_EPOCH") {
            ledger.unexpected.push(`commit ${commit.status} ${error}`);
          }
        }
      }
    } catch {
      return; // the server died
    }
  }
}

async function runWriter(url: string, stop: { dead: boolean }): Promise<void> {
  for (let n = 0; !stop.dead; n++) {
    try {
      await fetch(`${url}/v1/stream/orders/${n % PARTITIONS}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n }),
      });
    } catch {
      return;
    }
  }
}

async function committed(url: string): Promise<Map<number, string>> {
  const res = await fetch(`${url}${GROUP}/offsets`);
  const body = (await res.json()) as { offsets: Array<{ partition: number; committed: { offset: string } | null }> };
  return new Map(body.offsets.filter((o) => o.committed).map((o) => [o.partition, o.committed!.offset]));
}

test(`consumer groups keep their commits and epochs through ${CYCLES} kill -9 cycles`, async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-groups-crash-"));
  dirs.push(dir);
  const config = join(dir, "..", `${dir.split("/").pop()}.json`);
  await writeFile(
    config,
    JSON.stringify({
      groups: { sessionTimeoutMs: 4000, heartbeatIntervalMs: 200, maxWaitMs: 1000, topics: { orders: PARTITIONS } },
    }),
  );
  dirs.push(config);
  const args = ["--data-dir", dir, "--config", config, "--log-level", "error"];
  const ledger = new Ledger();
  const consumers: Consumer[] = Array.from({ length: 3 }, () => ({ memberId: undefined, epoch: 0, owned: [] }));
  let server: ServerProcess = await spawnServer(args);
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      await fetch(`${server.url}/v1/stream/orders/${p}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
      });
    }
    const lastSeen = new Map<number, string>();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const stop = { dead: false };
      const before = ledger.commits;
      const running = [
        runWriter(server.url, stop),
        ...consumers.map((c) => runConsumer(server.url, c, ledger, stop, false)),
      ];
      // Real load first (however busy the machine), then the kill at a random moment.
      await ledger.commitsReach(before + COMMITS_PER_CYCLE);
      await sleep(Math.random() * 700);
      server.child.kill("SIGKILL");
      await server.exited;
      stop.dead = true;
      await Promise.all(running);

      server = await spawnServer(args);
      const offsets = await committed(server.url);
      for (let p = 0; p < PARTITIONS; p++) {
        const now = offsets.get(p) ?? "";
        expect(now >= (ledger.acked.get(p) ?? ""), `partition ${p} lost an acknowledged commit`).toBe(true);
        expect(now >= (lastSeen.get(p) ?? ""), `partition ${p} went back`).toBe(true);
        expect(now <= (await tail(server.url, p)), `partition ${p} committed past its durable tail`).toBe(true);
        lastSeen.set(p, now);
      }
      // The members the consumers know are still there: they carry on with their epochs.
      const view = (await (await fetch(`${server.url}${GROUP}`)).json()) as { members: Array<{ member_id: string }> };
      const members = new Set(view.members.map((m) => m.member_id));
      for (const c of consumers) if (c.epoch > 0) expect(members.has(c.memberId!), "a member was forgotten").toBe(true);
      expect(ledger.unexpected).toEqual([]);
    }
    // No epoch is reused: a join now gets one above every epoch seen.
    const probe = (await (
      await post(`${server.url}${GROUP}/heartbeat`, { member_epoch: 0, topics: ["orders"] })
    ).json()) as {
      member_id: string;
      group_epoch: number;
    };
    expect(probe.group_epoch).toBeGreaterThan(ledger.maxGroupEpoch);
    await post(`${server.url}${GROUP}/heartbeat`, { member_id: probe.member_id, member_epoch: -1 });

    // With the load stopped, every partition is eventually committed to its tail.
    const stop = { dead: false };
    const settling = consumers.map((c) => runConsumer(server.url, c, ledger, stop, true));
    const tails = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => tail(server.url, p)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const offsets = await committed(server.url);
      if (tails.every((t, p) => offsets.get(p) === t)) break;
      if (Date.now() > deadline) throw new Error(`not settled: ${[...offsets]} tails ${tails}`);
      await sleep(50);
    }
    stop.dead = true;
    await Promise.all(settling);
    expect(ledger.unexpected).toEqual([]);
    // The test only means something if the load was real: each cycle waited for commits, and
    // every partition was written.
    expect(tails.every((t) => t > "0000000000000000_0000000000000000")).toBe(true);
  } finally {
    server.child.kill("SIGKILL");
    await server.exited;
  }
}, 300_000);
