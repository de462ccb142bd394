/**
 * `rivulet stream describe` against a real server with a running application (in this
 * process): the topology, the one instance with the partitions it owns and its store's size,
 * lag per source and repartition partition — as JSON and as a table; the instance gone once the
 * application closes; a missing application is GROUP_NOT_FOUND (exit 2).
 */
import { Kafka, type StreamAppDescription } from "@rivulet/kafka";
import { expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";

const server = serverForFile(["--store", "memory"]);
const cli = (args: string[]) => rivulet([...args, "--url", server.url]);

/** The description once `ready` holds for it: instances rewrite theirs on assignment and every few seconds. */
async function describedWhen(app: string, ready: (d: StreamAppDescription) => boolean): Promise<StreamAppDescription> {
  for (;;) {
    const result = await cli(["stream", "describe", app, "--json"]);
    expect(result.code).toBe(0);
    const described = JSON.parse(result.stdout) as StreamAppDescription;
    if (ready(described)) return described;
  }
}

test("describes a running application, and forgets an instance once it closes", async () => {
  const kafka = new Kafka({ url: server.url });
  const orders = uniqueName("orders");
  const counts = uniqueName("counts");
  const app = uniqueName("app");
  await kafka.admin().createTopic(orders, { partitions: 2 });
  await kafka.admin().createTopic(counts, { partitions: 1 });
  const running = kafka
    .stream<{ customer: string }>(orders, { applicationId: app, offset: "earliest" })
    .filter((o) => o.customer !== "")
    .groupBy((o) => o.customer, { name: "by-customer" })
    .count({ name: "per-customer" })
    .to(counts);
  try {
    await running;
    const producer = kafka.producer(orders);
    await producer.sendBatch([
      { key: "o1", value: { customer: "ann" } },
      { key: "o2", value: { customer: "bob" } },
      { key: "o3", value: { customer: "ann" } },
    ]);
    await producer.close();
    const reader = kafka.consumer(counts, { group: uniqueName("reader"), offset: "earliest" });
    let read = 0;
    for await (const _ of reader) if (++read === 3) break;
    await reader.close();

    const repartition = `${app}-by-customer-repartition`;
    const described = await describedWhen(
      app,
      (d) => d.totalLag === 0 && d.instances[0]?.stores.reduce((sum, s) => sum + s.entries, 0) === 2,
    );
    expect(described.topology).toEqual({
      applicationId: app,
      sources: [orders],
      operators: ["filter", "groupBy(by-customer)", "aggregate(per-customer)", "map", `to(${counts})`],
      sinks: [counts],
      repartitionTopics: [repartition],
      changelogTopics: [`${app}-per-customer-changelog`],
      globalTables: [],
      stores: ["per-customer"],
    });
    expect(described.instances).toHaveLength(1);
    expect(described.instances[0]!.pid).toBe(process.pid);
    expect(described.instances[0]!.partitions.map((p) => `${p.topic}/${p.partition}`).sort()).toEqual(
      [`${orders}/0`, `${orders}/1`, `${repartition}/0`, `${repartition}/1`].sort(),
    );
    expect(described.lag.map((p) => `${p.topic}/${p.partition}`).sort()).toEqual(
      [`${orders}/0`, `${orders}/1`, `${repartition}/0`, `${repartition}/1`].sort(),
    );

    const table = await cli(["stream", "describe", app]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^instances +1$/m);
    expect(table.stdout).toMatch(
      /^operators +filter → groupBy\(by-customer\) → aggregate\(per-customer\) → map → to\(/m,
    );
    expect(table.stdout).toMatch(/^MEMBER +HOST +PID +PARTITIONS +STORES \(ENTRIES\)$/m);
    expect(table.stdout).toMatch(new RegExp(` ${process.pid} .*${orders}\\[0\\].*per-customer\\[\\d\\]=\\d`, "m"));
    expect(table.stdout).toMatch(new RegExp(`^${orders} +0 +\\d+ +0$`, "m"));
  } finally {
    await running.close();
  }
  const after = await cli(["stream", "describe", app, "--json"]);
  // Its tombstone: the group is still there (its offsets), but no instance describes it.
  expect(after.code).toBe(0);
  expect(JSON.parse(after.stdout)).toMatchObject({ instances: [], topology: null });
});

test("a group that is not a stream application (no <app>-describe topic) is TOPIC_NOT_FOUND (exit 2)", async () => {
  const kafka = new Kafka({ url: server.url });
  const topic = uniqueName("plain");
  const group = uniqueName("plain-group");
  await kafka.admin().createTopic(topic);
  const producer = kafka.producer(topic);
  await producer.send({ n: 1 });
  await producer.close();
  const consumed = await cli(["consume", topic, "--group", group, "--from", "earliest", "--max", "1"]);
  expect(consumed.code).toBe(0);
  const result = await cli(["stream", "describe", group]);
  expect({ code: result.code, stderr: result.stderr }).toEqual({
    code: 2,
    stderr: expect.stringMatching(errorLine("TOPIC_NOT_FOUND")),
  });
  expect(result.stderr).toContain(`${group}-describe`);
});

test("a missing application is GROUP_NOT_FOUND (exit 2)", async () => {
  const result = await cli(["stream", "describe", uniqueName("none")]);
  expect({ code: result.code, stderr: result.stderr }).toEqual({
    code: 2,
    stderr: expect.stringMatching(errorLine("GROUP_NOT_FOUND")),
  });
});
