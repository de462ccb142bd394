/**
 * `rivulet topic create | ls | describe | alter | delete` against a real server: tables and
 * --json, idempotent create, and each error with the server's code and the CLI's exit code.
 */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { createTopic, produceRecords } from "./support/topics-http.js";

const server = serverForFile(["--store", "memory"]);
const cli = (args: string[]) => rivulet([...args, "--url", server.url]);

describe.concurrent("rivulet topic", () => {
  test("create prints the topic; the same again succeeds unchanged; other settings are TOPIC_EXISTS, exit 3", async () => {
    const name = uniqueName("orders");
    const created = await cli(["topic", "create", name, "--partitions", "3", "--retention", "7d", "--json"]);
    expect(created.code).toBe(0);
    const topic = JSON.parse(created.stdout);
    expect(topic).toMatchObject({ name, partitions: 3, cleanupPolicy: "delete", retentionMs: 604_800_000 });
    expect(topic.partitionDetails.map((p: { path: string }) => p.path)).toEqual(
      [0, 1, 2].map((p) => `/v1/stream/topics/${name}/${p}`),
    );
    const again = await cli(["topic", "create", name, "--partitions", "3", "--retention", "7d"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^name +orders-/);
    const other = await cli(["topic", "create", name, "--partitions", "4"]);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(errorLine("TOPIC_EXISTS"));
  });

  test("ls lists topics as a table and as JSON", async () => {
    const names = [uniqueName("ls-a"), uniqueName("ls-b")];
    await Promise.all(names.map((name, i) => createTopic(server.url, name, i + 1)));
    const table = await cli(["topic", "ls"]);
    expect(table.stdout).toMatch(/^TOPIC +PARTITIONS +CLEANUP +RETENTION +CREATED\n/);
    expect(table.stdout).toMatch(new RegExp(`^${names[1]} +2 +delete +server default `, "m"));
    const listed = JSON.parse((await cli(["topic", "ls", "--json"])).stdout) as { name: string; partitions: number }[];
    expect(listed.filter((t) => names.includes(t.name)).map((t) => [t.name, t.partitions])).toEqual([
      [names[0], 1],
      [names[1], 2],
    ]);
  });

  test("describe shows each partition's records, size and offsets", async () => {
    const name = uniqueName("described");
    await createTopic(server.url, name, 2);
    const [landed] = await produceRecords(server.url, name, [
      { partition: 1, value: 1 },
      { partition: 1, value: 2 },
    ]);
    const { code, stdout } = await cli(["topic", "describe", name]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^partitions +2$/m);
    expect(stdout).toMatch(/^PARTITION +RECORDS +EARLIEST SEQ +NEXT SEQ +SIZE +NEXT OFFSET +PATH$/m);
    expect(stdout).toMatch(new RegExp(`^ +0 +0 +0 +0 +0 B +\\S+ +/v1/stream/topics/${name}/0$`, "m"));
    expect(stdout).toMatch(new RegExp(`^ +1 +2 +0 +2 +\\d+ B +\\S+ +/v1/stream/topics/${name}/1$`, "m"));
    const json = JSON.parse((await cli(["topic", "describe", name, "--json"])).stdout);
    expect(json.partitionDetails[1]).toMatchObject({ partition: 1, earliestOffset: landed!.offset, nextSeq: 2 });
  });

  test("alter grows partitions and changes retention; 'default' restores it; shrinking is refused", async () => {
    const name = uniqueName("altered");
    await createTopic(server.url, name, 2);
    const grown = JSON.parse(
      (await cli(["topic", "alter", name, "--partitions", "4", "--retention", "1d", "--json"])).stdout,
    );
    expect(grown).toMatchObject({ partitions: 4, retentionMs: 86_400_000 });
    const restored = JSON.parse((await cli(["topic", "alter", name, "--retention", "default", "--json"])).stdout);
    expect(restored.retentionMs).toBeNull();
    const shrink = await cli(["topic", "alter", name, "--partitions", "1"]);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toMatch(errorLine("INVALID_PARTITION_COUNT"));
    const nothing = await cli(["topic", "alter", name]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(errorLine("USAGE"));
  });

  test("delete removes the topic; a missing topic is TOPIC_NOT_FOUND, exit 2, for describe, alter and delete", async () => {
    const name = uniqueName("deleted");
    await createTopic(server.url, name, 1);
    expect((await cli(["topic", "delete", name])).code).toBe(0);
    for (const args of [
      ["describe", name],
      ["alter", name, "--partitions", "2"],
      ["delete", name],
    ]) {
      const result = await cli(["topic", ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(errorLine("TOPIC_NOT_FOUND"));
    }
  });

  test("bad names and settings are refused before or by the server, exit 1", async () => {
    const cases: [string[], string][] = [
      [["topic", "create", "__reserved"], "INVALID_ARGUMENT"],
      [["topic", "create", uniqueName("x"), "--partitions", "0"], "USAGE"],
      [["topic", "create", uniqueName("x"), "--cleanup-policy", "forever"], "USAGE"],
      [
        ["topic", "create", uniqueName("x"), "--cleanup-policy", "compact", "--retention", "1d"],
        "INVALID_TOPIC_CONFIG",
      ],
    ];
    for (const [args, code] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({
        args,
        code: 1,
        stderr: expect.stringMatching(errorLine(code)),
      });
    }
  });
});
