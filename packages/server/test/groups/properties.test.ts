/**
 * Property tests of the coordinator against simulated consumers, across random joins, leaves,
 * static leaves and returns, consumer crashes, lost replies, heartbeat orders, time jumps,
 * expiry sweeps, topic growth, commits (by owners and by zombies), resets and server restarts
 * (losing the decision in flight). Consumers are adversarial within the protocol: a consumer
 * keeps consuming a revoked partition until its next heartbeat, and stops consuming only when
 * it rejoins, is refused, or has heard nothing for a session timeout.
 *
 * - At every moment, no partition is consumed by two consumers.
 * - No committed offset ever goes back, except through a reset.
 * - The group epoch never goes back, and no reply ever shows an epoch older than one shown before a restart.
 */
import { ProtocolError } from "@rivulet/protocol";
import fc from "fast-check";
import { expect, test } from "vitest";
import type { PartitionKey } from "../../src/features/groups/coordinator/model.js";
import type { HeartbeatResult } from "../../src/features/groups/coordinator/requests.js";
import { Harness, p, SETTINGS } from "./coordinator-support.js";

const SESSION = SETTINGS.sessionTimeoutMs;
const CONSUMERS = 4;

interface Consumer {
  alive: boolean;
  instanceId: string | null;
  memberId: string | undefined;
  epoch: number;
  /** What it was last told it may consume. */
  assignment: Set<PartitionKey>;
  /** What it consumes now. */
  consuming: Set<PartitionKey>;
  /** When its last heartbeat was answered: it stops consuming a session timeout later. */
  lastOk: number;
}

type Action =
  | { kind: "beat"; who: number; lost: boolean }
  | { kind: "join"; who: number }
  | { kind: "leave"; who: number; temporary: boolean }
  | { kind: "crash"; who: number }
  | { kind: "time"; ms: number }
  | { kind: "expire" }
  | { kind: "restart"; loseLast: boolean }
  | { kind: "commit"; who: number; own: boolean; partition: number; offset: number }
  | { kind: "reset"; partition: number; offset: number }
  | { kind: "grow" };

const who = fc.integer({ min: 0, max: CONSUMERS - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("beat" as const), who, lost: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("join" as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), who, temporary: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crash" as const), who }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("time" as const), ms: fc.integer({ min: 0, max: SESSION * 1.5 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "expire" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const), loseLast: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("commit" as const),
      who,
      own: fc.boolean(),
      partition: fc.integer({ min: 0, max: 7 }),
      offset: fc.integer({ min: 0, max: 99 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("reset" as const),
      partition: fc.integer({ min: 0, max: 7 }),
      offset: fc.integer({ min: 0, max: 99 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "grow" as const }) },
);

/** Outcomes over all runs, so the test can show it exercised what it claims to. */
const outcomes = new Map<string, number>();
const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);

class Simulation {
  readonly h = new Harness({ orders: 3 });
  readonly consumers: Consumer[] = Array.from({ length: CONSUMERS }, (_, i) => ({
    alive: false,
    instanceId: i % 2 === 0 ? `pod-${i}` : null,
    memberId: undefined,
    epoch: 0,
    assignment: new Set(),
    consuming: new Set(),
    lastOk: 0,
  }));
  private highestEpoch = 0;
  private committed = new Map<PartitionKey, string>();

  run(step: Action): void {
    const durableBefore = this.h.log.length;
    const offsetsBefore = new Map(this.committed);
    this.apply(step, durableBefore);
    this.checkOwners();
    this.checkOffsets(offsetsBefore, step.kind === "reset");
  }

  private apply(step: Action, durableBefore: number): void {
    const h = this.h;
    switch (step.kind) {
      case "beat":
        this.beat(step.who, step.lost);
        return;
      case "join":
        this.join(step.who);
        return;
      case "leave":
        this.leave(step.who, step.temporary);
        return;
      case "crash": {
        const c = this.consumers[step.who]!;
        c.alive = false;
        c.consuming.clear();
        c.memberId = c.instanceId === null ? c.memberId : undefined;
        return;
      }
      case "time":
        h.now += step.ms;
        for (const c of this.consumers) if (h.now >= c.lastOk + SESSION) c.consuming.clear();
        return;
      case "expire":
        h.expire();
        return;
      case "restart":
        if (step.loseLast) h.log.length = durableBefore;
        h.restart();
        return;
      case "commit":
        this.commit(step.who, step.own, step.partition, step.offset);
        return;
      case "reset":
        this.refusable(() =>
          h.keep(
            h.coordinator.reset(
              "g",
              [{ key: p(step.partition), offset: pad(step.offset), seq: null, metadata: null }],
              h.now,
            ),
          ),
        );
        return;
      case "grow":
        h.topics.set("orders", Math.min(8, (h.topics.partitions("orders") ?? 0) + 1));
        h.log.push(...h.coordinator.topicChanged("orders", h.now));
        return;
    }
  }

  private join(i: number): void {
    const c = this.consumers[i]!;
    // Joining with epoch 0 says it consumes nothing: it stops first.
    c.consuming.clear();
    c.alive = true;
    const result = this.refusable(() =>
      this.h.beat({ memberEpoch: 0, topics: ["orders"], memberId: c.memberId, instanceId: c.instanceId ?? undefined }),
    );
    if (result) this.answered(c, result);
  }

  private beat(i: number, lost: boolean): void {
    const c = this.consumers[i]!;
    if (!c.alive || c.memberId === undefined || c.epoch <= 0) return;
    if (this.h.now >= c.lastOk + SESSION) c.consuming.clear();
    // It finished giving up what it was told to: it reports what it still consumes.
    for (const key of [...c.consuming]) if (!c.assignment.has(key)) c.consuming.delete(key);
    const sentAt = this.h.now;
    const result = this.refusable(
      () => this.h.beat({ memberId: c.memberId, memberEpoch: c.epoch, owned: new Set(c.consuming) }),
      () => {
        c.consuming.clear();
        c.epoch = 0;
      },
    );
    if (result && !lost) this.answered(c, result, sentAt);
  }

  private leave(i: number, temporary: boolean): void {
    const c = this.consumers[i]!;
    if (!c.alive || c.memberId === undefined) return;
    c.consuming.clear();
    const epoch = temporary && c.instanceId !== null ? -2 : -1;
    this.refusable(() => this.h.beat({ memberId: c.memberId, memberEpoch: epoch }));
    c.alive = false;
    c.epoch = 0;
    if (epoch === -1 || c.instanceId !== null) c.memberId = undefined;
  }

  /** A commit of a partition it consumes, or of any partition (as a zombie would). */
  private commit(i: number, own: boolean, partition: number, offset: number): void {
    const c = this.consumers[i]!;
    if (c.memberId === undefined) return;
    const consuming = [...c.consuming];
    const key = own && consuming.length > 0 ? consuming[partition % consuming.length]! : p(partition);
    const commit = { key, offset: pad(offset), seq: null, metadata: null };
    this.refusable(() =>
      this.h.keep(
        this.h.coordinator.commit("g", { memberId: c.memberId, memberEpoch: c.epoch, offsets: [commit] }, this.h.now),
      ),
    );
  }

  private answered(c: Consumer, result: HeartbeatResult, sentAt = this.h.now): void {
    expect(result.groupEpoch).toBeGreaterThanOrEqual(this.highestEpoch);
    this.highestEpoch = result.groupEpoch;
    c.memberId = result.memberId;
    c.epoch = result.memberEpoch;
    c.assignment = new Set(result.assignment);
    for (const key of result.assignment) c.consuming.add(key);
    c.lastOk = sentAt;
  }

  /** Runs a decision as the runtime would: its records are kept, a refusal changes nothing. */
  private refusable<T>(fn: () => T, onRefused?: () => void): T | undefined {
    try {
      const result = fn();
      count("accepted");
      return result;
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      count(error.code);
      onRefused?.();
      return undefined;
    }
  }

  private checkOwners(): void {
    const seen = new Map<PartitionKey, number>();
    this.consumers.forEach((c, i) => {
      if (this.h.now >= c.lastOk + SESSION) return;
      for (const key of c.consuming) {
        expect(seen.get(key), `${key} consumed by ${seen.get(key)} and ${i}`).toBeUndefined();
        seen.set(key, i);
      }
    });
  }

  private checkOffsets(before: ReadonlyMap<PartitionKey, string>, reset: boolean): void {
    const group = this.h.coordinator.get("g");
    const now = new Map([...(group?.offsets ?? [])].map(([key, c]) => [key, c.offset]));
    if (!reset) for (const [key, offset] of before) expect(now.get(key)! >= offset, `${key} went back`).toBe(true);
    this.committed = now;
  }
}

const pad = (n: number) => n.toString().padStart(4, "0");

test("no partition ever has two owners; commits never go back except by reset; epochs never go back", () => {
  fc.assert(
    fc.property(fc.array(action, { minLength: 10, maxLength: 150, size: "max" }), (actions) => {
      const sim = new Simulation();
      for (const step of actions) sim.run(step);
    }),
    { numRuns: 300 },
  );
  // The runs did reach the refusals that guard the properties, and accepted plenty.
  for (const code of [
    "accepted",
    "OFFSET_REGRESSION",
    "STALE_MEMBER_EPOCH",
    "FENCED_MEMBER_EPOCH",
    "UNKNOWN_MEMBER_ID",
  ]) {
    expect(outcomes.get(code) ?? 0, code).toBeGreaterThan(20);
  }
});
