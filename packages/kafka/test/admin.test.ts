import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupCoordinatorError, type Kafka, type KafkaEvent, TopicNotFoundError } from "../src/index.js";
import { startTestServer, type TestServer, uniqueName } from "./support/server.js";

let server: TestServer;
let kafka: Kafka;
const events: KafkaEvent[] = [];
beforeAll(async () => {
  server = await startTestServer();
  kafka = server.kafka({ onEvent: (event) => events.push(event) });
});
afterAll(() => server.close());

const groups = () => `${server.url}/v1/stream/__ds/groups`;

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(JSON.stringify(answer));
  return answer;
}

describe("admin: topics", () => {
  it("creates (idempotently), describes, alters, lists page by page and deletes topics", async () => {
    const admin = kafka.admin();
    const names = [uniqueName("adm-a"), uniqueName("adm-b"), uniqueName("adm-c")];
    const created = await admin.createTopic(names[0]!, { partitions: 3, retentionMs: 7 * 24 * 3600_000 });
    expect(created).toMatchObject({ name: names[0], partitions: 3, retentionMs: 604_800_000, cleanupPolicy: "delete" });
    expect(created.partitionDetails.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(created.createdAt).toBeInstanceOf(Date);
    await expect(admin.createTopic(names[0]!, { partitions: 3, retentionMs: 604_800_000 })).resolves.toMatchObject({
      revision: created.revision,
    });
    await expect(admin.createTopic(names[0]!, { partitions: 4 })).rejects.toMatchObject({ code: "TOPIC_EXISTS" });
    await admin.createTopic(names[1]!);
    await admin.createTopic(names[2]!, { cleanupPolicy: "compact" });

    const altered = await admin.alterTopic(names[0]!, { partitions: 5, retentionMs: null });
    expect(altered).toMatchObject({ partitions: 5, retentionMs: null });
    expect((await admin.describeTopic(names[0]!)).partitionDetails).toHaveLength(5);

    const listed = await admin.listTopics({ pageSize: 1 });
    const mine = listed.filter((t) => names.includes(t.name));
    expect(mine.map((t) => t.name)).toEqual([...names].sort());
    expect(mine.find((t) => t.name === names[2])).toMatchObject({ cleanupPolicy: "compact", partitions: 1 });

    await admin.deleteTopic(names[1]!);
    await expect(admin.describeTopic(names[1]!)).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(admin.deleteTopic(names[1]!)).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND" });
  });

  it("refuses bad names, configurations and page sizes", async () => {
    const admin = kafka.admin();
    await expect(admin.createTopic("__internal")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(admin.createTopic(uniqueName("cfg"), { partitions: 0 })).rejects.toMatchObject({
      code: "INVALID_PARTITION_COUNT",
    });
    await expect(admin.createTopic(uniqueName("cfg"), { bogus: 1 } as never)).rejects.toMatchObject({
      code: "INVALID_TOPIC_CONFIG",
    });
    await expect(admin.listTopics({ pageSize: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("admin: groups", () => {
  it("describes a group with members, committed offsets and lag; resets offsets; deletes it", async () => {
    const admin = kafka.admin();
    const topic = uniqueName("grp-topic");
    const group = uniqueName("grp");
    await admin.createTopic(topic, { partitions: 2 });
    const producer = kafka.producer(topic);
    const sent = await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ value: i, partition: i % 2 })));
    await producer.close();

    const joined = await post(`${groups()}/${group}/heartbeat`, { member_epoch: 0, topics: [topic] });
    const memberId = joined.member_id as string;
    const epoch = joined.member_epoch as number;
    const lastOfZero = sent.filter((m) => m.partition === 0).at(1)!; // two of five processed
    await post(`${groups()}/${group}/commit`, {
      member_id: memberId,
      member_epoch: epoch,
      offsets: [{ topic, partition: 0, offset: lastOfZero.nextOffset }],
    });

    events.length = 0;
    const described = await admin.describeGroup(group);
    expect(described).toMatchObject({ id: group, memberCount: 1, totalLag: 3 });
    expect(described.members).toEqual([expect.objectContaining({ memberId, memberEpoch: epoch, topics: [topic] })]);
    expect(described.partitions).toEqual([
      expect.objectContaining({ topic, partition: 0, committedOffset: lastOfZero.nextOffset, committedSeq: 2, lag: 3 }),
      expect.objectContaining({ topic, partition: 1, committedOffset: null, lag: null }),
    ]);
    expect(events).toEqual([expect.objectContaining({ type: "lag", group, totalLag: 3 })]);
    expect((await admin.listGroups({ pageSize: 1 })).find((g) => g.id === group)).toMatchObject({ memberCount: 1 });

    // Resets and deletes wait until the group has no members (Kafka's rule).
    await expect(admin.resetOffsets(group, topic, "earliest")).rejects.toBeInstanceOf(GroupCoordinatorError);
    await expect(admin.deleteGroup(group)).rejects.toMatchObject({ code: "GROUP_NOT_EMPTY" });
    await post(`${groups()}/${group}/heartbeat`, { member_id: memberId, member_epoch: -1 });

    const latest = await admin.resetOffsets(group, topic, "latest");
    expect(latest.map((o) => o.seq)).toEqual([5, 5]);
    expect((await admin.describeGroup(group)).totalLag).toBe(0);
    const earliest = await admin.resetOffsets(group, topic, "earliest");
    expect(earliest.map((o) => o.seq)).toEqual([0, 0]);
    const byTime = await admin.resetOffsets(group, topic, new Date(Date.now() + 60_000));
    expect(byTime.map((o) => o.seq)).toEqual([5, 5]);
    const given = await admin.resetOffsets(group, topic, [{ partition: 1, offset: sent[1]!.nextOffset! }]);
    expect(given).toEqual([expect.objectContaining({ topic, partition: 1, seq: 1 })]);

    await admin.deleteGroup(group);
    await expect(admin.describeGroup(group)).rejects.toMatchObject({ code: "GROUP_NOT_FOUND" });
  });

  it("refuses bad group ids and reset targets with INVALID_ARGUMENT", async () => {
    const admin = kafka.admin();
    await expect(admin.describeGroup("bad group")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(admin.resetOffsets("g", "t", "middle" as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(admin.resetOffsets("g", "t", new Date(Number.NaN))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(admin.resetOffsets("g", "__t", "earliest")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
