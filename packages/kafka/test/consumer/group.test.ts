/**
 * Consumer groups with several members in one process: each partition consumed by one member
 * at a time, revoke before assign, commits carried over to the next owner, and a member the
 * server forgot (its heartbeats stopped) recovering by joining again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Consumer, type ConsumerEvent, Kafka, type TopicPartition } from "../../src/index.js";
import {
  createTopic,
  eventually,
  produce,
  startTestServer,
  type TestServer,
  uniqueName,
} from "../support/group-server.js";

let server: TestServer;
let kafka: Kafka;

beforeAll(async () => {
  server = await startTestServer({
    groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 1_500, maxWaitMs: 1_000 },
  });
  kafka = new Kafka({ url: server.url });
});
afterAll(() => server.close());

/** Who owns which partition, from the members' own callbacks; a second owner is recorded as a violation. */
function ownership() {
  const owner = new Map<string, string>();
  const violations: string[] = [];
  const log: string[] = [];
  const keys = (partitions: TopicPartition[]) => partitions.map((p) => `${p.topic}/${p.partition}`);
  return {
    owner,
    violations,
    log,
    hooks(member: string) {
      return {
        onAssigned: (partitions: TopicPartition[]) => {
          for (const key of keys(partitions)) {
            const current = owner.get(key);
            if (current !== undefined && current !== member) violations.push(`${key}: ${member} while ${current}`);
            owner.set(key, member);
            log.push(`${member} +${key}`);
          }
        },
        onRevoked: (partitions: TopicPartition[]) => {
          for (const key of keys(partitions)) {
            if (owner.get(key) === member) owner.delete(key);
            log.push(`${member} -${key}`);
          }
        },
      };
    },
    count(member: string) {
      return [...owner.values()].filter((m) => m === member).length;
    },
  };
}

/** Runs a consumer's loop in the background, recording each record's value under its member. */
function runLoop(consumer: Consumer<number>, member: string, seen: { member: string; value: number }[]) {
  return (async () => {
    for await (const record of consumer) seen.push({ member, value: record.value });
  })();
}

describe("consumer groups", () => {
  it("shares partitions among members, revoking before assigning, and hands commits to the next owner", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 6);
    const owners = ownership();
    const seen: { member: string; value: number }[] = [];
    const options = (member: string) => ({
      group,
      offset: "earliest" as const,
      autoCommitIntervalMs: 100,
      ...owners.hooks(member),
    });

    const a = kafka.consumer<number>(topic, options("a"));
    const loopA = runLoop(a, "a", seen);
    await eventually(() => owners.count("a") === 6);

    const b = kafka.consumer<number>(topic, options("b"));
    const loopB = runLoop(b, "b", seen);
    await eventually(() => owners.count("a") === 3 && owners.count("b") === 3);

    const c = kafka.consumer<number>(topic, options("c"));
    const loopC = runLoop(c, "c", seen);
    await eventually(() => ["a", "b", "c"].every((m) => owners.count(m) === 2));
    expect(a.assignment()).toHaveLength(2);

    const first = Array.from({ length: 60 }, (_, n) => ({ key: `k${n}`, value: n }));
    await produce(server.base, topic, first);
    await eventually(() => seen.length === 60);

    // b leaves: it commits what it finished, and its partitions go to a and c, who resume after it.
    await b.close();
    await loopB;
    await eventually(() => owners.count("a") === 3 && owners.count("c") === 3);
    const second = Array.from({ length: 60 }, (_, n) => ({ key: `k${n}`, value: 100 + n }));
    await produce(server.base, topic, second);
    await eventually(() => seen.length >= 120);
    await Promise.all([a.close(), c.close()]);
    await Promise.all([loopA, loopC]);

    expect(owners.violations).toEqual([]);
    const values = seen.map((s) => s.value).sort((x, y) => x - y);
    // Every member left gracefully, committing first: each record was handled exactly once.
    expect(values).toEqual([...first, ...second].map((r) => r.value).sort((x, y) => x - y));
    expect(new Set(seen.filter((s) => s.value >= 100).map((s) => s.member))).toEqual(new Set(["a", "c"]));
  });

  it("a member the server forgot stops consuming, joins again with epoch 0, and gets partitions back", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 2);
    // Heartbeats of member x can be held back, as a long pause (a stopped VM, a GC) would.
    let release: (() => void) | undefined;
    const held = { on: false };
    const fetchX = async (url: string, init: RequestInit): Promise<Response> => {
      if (held.on && url.includes("/heartbeat")) {
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
        });
      }
      return fetch(url, init);
    };
    const events: ConsumerEvent[] = [];
    const owners = ownership();
    const x = new Kafka({ url: server.url, fetch: fetchX }).consumer<number>(topic, {
      group,
      offset: "earliest",
      onEvent: (event) => events.push(event),
      ...owners.hooks("x"),
    });
    const seen: { member: string; value: number }[] = [];
    const loopX = runLoop(x, "x", seen);
    await eventually(() => owners.count("x") === 2);
    const y = kafka.consumer<number>(topic, { group, offset: "earliest", ...owners.hooks("y") });
    const loopY = runLoop(y, "y", seen);
    await eventually(() => owners.count("x") === 1 && owners.count("y") === 1);

    held.on = true;
    // The server expires x and gives y everything.
    await eventually(() => y.assignment().length === 2);
    held.on = false;
    release?.();
    await eventually(() => events.some((e) => e.type === "consumer:rejoin" && e.code === "UNKNOWN_MEMBER_ID"));
    await eventually(() => x.assignment().length === 1 && y.assignment().length === 1);
    expect(events.some((e) => e.type === "consumer:revoked" && e.lost)).toBe(true);

    await produce(server.base, topic, [
      { value: 1, partition: 0 },
      { value: 2, partition: 1 },
    ]);
    await eventually(() => seen.length === 2);
    expect(new Set(seen.map((s) => s.member))).toEqual(new Set(["x", "y"]));
    await Promise.all([x.close(), y.close()]);
    await Promise.all([loopX, loopY]);
  });
});
