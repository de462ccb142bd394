/**
 * Static membership (`instanceId`, docs/kafka-layer.md "Static membership"): a member that
 * closes with an instance id leaves "for now" (epoch -2); its partitions wait for that id, the
 * other members keep theirs, and a restarted consumer with the same id gets the same
 * partitions back without a rebalance, resuming after its commits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, KafkaError, type TopicPartition } from "../../src/index.js";
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
    groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 30_000, maxWaitMs: 1_000 },
  });
  kafka = new Kafka({ url: server.url, retryBackoffMs: 5 });
});
afterAll(() => server.close());

const keys = (partitions: readonly TopicPartition[]) => partitions.map((p) => `${p.topic}/${p.partition}`).sort();

describe("static membership", () => {
  it("a restarted consumer with the same instanceId gets its partitions back, and the other member never rebalances", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 4);
    const other: string[] = [];
    const b = kafka.consumer<number>(topic, {
      group,
      offset: "earliest",
      onAssigned: (p) => void other.push(...keys(p).map((k) => `+${k}`)),
      onRevoked: (p) => void other.push(...keys(p).map((k) => `-${k}`)),
    });
    await b.start();
    await eventually(() => b.assignment().length === 4);

    const assignedA: string[][] = [];
    const a = kafka.consumer<number>(topic, {
      group,
      offset: "earliest",
      instanceId: "pod-a",
      onAssigned: (p) => void assignedA.push(keys(p)),
    });
    await a.start();
    await eventually(() => a.assignment().length === 2 && b.assignment().length === 2);
    const held = keys(a.assignment());
    const settled = [...other];

    // a consumes its partitions' records and commits them as it goes.
    await produce(
      server.base,
      topic,
      Array.from({ length: 40 }, (_, n) => ({ key: `k${n}`, value: n })),
    );
    const firstRun: number[] = [];
    const expectedForA = await countFor(topic, held);
    for await (const record of a) {
      firstRun.push(record.value);
      if (firstRun.length === expectedForA) {
        // The record in hand at a break is not finished (it would come again): commit it first.
        await record.commit();
        break; // breaking closes the consumer, which leaves the group "for now"
      }
    }
    const before = await kafka.admin().describeGroup(group);
    // Left "for now": the member is gone but its partitions were not handed to b.
    const away = before.members.find((m) => m.instanceId === "pod-a");
    expect(away?.state).toBe("left");
    expect(Object.values(away?.assignment ?? {}).flat()).toHaveLength(2);
    expect(keys(b.assignment())).toHaveLength(2);

    const again = kafka.consumer<number>(topic, {
      group,
      offset: "earliest",
      instanceId: "pod-a",
      onAssigned: (p) => void assignedA.push(keys(p)),
    });
    await again.start();
    await eventually(() => again.assignment().length === 2);
    expect(keys(again.assignment())).toEqual(held);
    const after = await kafka.admin().describeGroup(group);
    expect(after.groupEpoch).toBe(before.groupEpoch);
    expect(after.members.find((m) => m.instanceId === "pod-a")?.state).toBe("stable");
    // b was never asked to give up or take anything since a first joined.
    expect(other).toEqual(settled);

    // The restarted process resumes after what the first one committed: only new records come.
    const partition = Number(held[0]!.slice(held[0]!.lastIndexOf("/") + 1));
    await produce(server.base, topic, [{ partition, value: 1000 }]);
    const next = await again[Symbol.asyncIterator]().next();
    expect(next.value?.value).toBe(1000);
    await Promise.all([again.close(), b.close()]);
  });

  it("refuses an instanceId outside the group-name alphabet before anything is sent", () => {
    for (const instanceId of ["pod a", ""]) {
      const attempt = () => kafka.consumer("orders", { group: "g", instanceId });
      expect(attempt).toThrow(KafkaError);
      expect(attempt).toThrow(/instanceId/);
    }
  });
});

/** How many of the records produced so far sit in these partitions (by reading their tails). */
async function countFor(topic: string, partitions: readonly string[]): Promise<number> {
  let total = 0;
  for (const key of partitions) {
    const partition = Number(key.slice(key.lastIndexOf("/") + 1));
    const described = await kafka.admin().describeTopic(topic);
    total += described.partitionDetails[partition]!.nextSeq - described.partitionDetails[partition]!.earliestSeq;
  }
  return total;
}
