/**
 * `rivulet group ls | describe | reset | delete` against a real server, with a real member
 * (`rivulet consume`) holding the group: lag per partition as a table and JSON, reset by
 * position, time and offset, and the server's GROUP_NOT_EMPTY while a member is active.
 */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, startRivulet, uniqueName } from "./support/cli-process.js";
import { createTopic, groupOffsets, produceRecords } from "./support/topics-http.js";

const server = serverForFile(["--store", "memory"]);
const cli = (args: string[]) => rivulet([...args, "--url", server.url]);

/** A topic of two partitions with three records in partition 0 and one in 1, and a group that consumed them all. */
async function consumedGroup() {
  const topic = uniqueName("orders");
  const group = uniqueName("billing");
  await createTopic(server.url, topic, 2);
  const produced = await produceRecords(server.url, topic, [
    { partition: 0, value: 1 },
    { partition: 0, value: 2 },
    { partition: 0, value: 3 },
    { partition: 1, value: 4 },
  ]);
  const consumed = await cli(["consume", topic, "--group", group, "--from", "earliest", "--max", "4"]);
  expect(consumed.code).toBe(0);
  return { topic, group, produced };
}

describe.concurrent("rivulet group", () => {
  test("ls and describe: committed offsets and lag per partition, as tables and JSON", async () => {
    const { topic, group } = await consumedGroup();
    await produceRecords(server.url, topic, [{ partition: 1, value: 5 }]);
    const ls = await cli(["group", "ls"]);
    expect(ls.stdout).toMatch(/^GROUP +STATE +MEMBERS +EPOCH +ASSIGNOR\n/);
    expect(ls.stdout).toMatch(new RegExp(`^${group} +empty +0 +\\d+ +uniform$`, "m"));
    const listed = JSON.parse((await cli(["group", "ls", "--json"])).stdout) as { id: string }[];
    expect(listed.map((g) => g.id)).toContain(group);

    const described = await cli(["group", "describe", group]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/^total lag +1$/m);
    expect(described.stdout).toMatch(/^TOPIC +PARTITION +COMMITTED SEQ +LAG +COMMITTED OFFSET$/m);
    expect(described.stdout).toMatch(new RegExp(`^${topic} +0 +3 +0 +\\d{16}_\\d{16}$`, "m"));
    expect(described.stdout).toMatch(new RegExp(`^${topic} +1 +1 +1 +\\d{16}_\\d{16}$`, "m"));
    const json = JSON.parse((await cli(["group", "describe", group, "--json"])).stdout);
    expect(json).toMatchObject({ id: group, state: "empty", totalLag: 1, members: [] });
    expect(json.partitions.map((p: { partition: number; lag: number }) => [p.partition, p.lag])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  test("reset and delete are refused with GROUP_NOT_EMPTY (exit 3) while a member is active, and work once it left", async () => {
    const { topic, group } = await consumedGroup();
    await produceRecords(server.url, topic, [{ partition: 0, value: 6 }]);
    // Generous: on a machine this busy a start, a join and a leave take many seconds.
    const member = startRivulet(["consume", topic, "--group", group, "--url", server.url], { timeoutMs: 120_000 });
    await member.waitForStdout((out) => out.includes('"value":6'), 60_000);
    for (const args of [
      ["reset", group, "--topic", topic, "--to", "earliest"],
      ["delete", group],
    ]) {
      const refused = await cli(["group", ...args]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(errorLine("GROUP_NOT_EMPTY"));
    }
    member.child.kill("SIGTERM");
    expect((await member.result).code).toBe(130);

    const reset = await cli(["group", "reset", group, "--topic", topic, "--to", "earliest"]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^TOPIC +PARTITION +SEQ +OFFSET$/m);
    expect(reset.stdout).toMatch(new RegExp(`^${topic} +0 +0 +0000000000000000_0000000000000000$`, "m"));
    expect((await groupOffsets(server.url, group)).map((o) => o.committed?.seq)).toEqual([0, 0]);

    expect((await cli(["group", "delete", group])).code).toBe(0);
    const gone = await cli(["group", "describe", group]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(errorLine("GROUP_NOT_FOUND"));
  });

  test("reset to latest, to a time, and to given offsets", async () => {
    const { topic, group, produced } = await consumedGroup();
    const latest = JSON.parse(
      (await cli(["group", "reset", group, "--topic", topic, "--to", "latest", "--json"])).stdout,
    );
    expect(latest.map((o: { partition: number; seq: number }) => [o.partition, o.seq])).toEqual([
      [0, 3],
      [1, 1],
    ]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const byTime = JSON.parse(
      (await cli(["group", "reset", group, "--topic", topic, "--to", future, "--json"])).stdout,
    );
    expect(byTime.map((o: { seq: number }) => o.seq)).toEqual([3, 1]);
    const second = produced[1]!;
    const given = await cli(["group", "reset", group, "--topic", topic, "--offset", `0=${second.offset}`, "--json"]);
    expect(JSON.parse(given.stdout)).toEqual([{ topic, partition: 0, offset: second.offset, seq: 1 }]);
  });

  test("mistakes: no --to, both --to and --offset, a bad time, an offset past the tail, a missing group", async () => {
    const { topic, group } = await consumedGroup();
    const cases: [string[], number, string][] = [
      [["group", "reset", group, "--topic", topic], 1, "USAGE"],
      [["group", "reset", group, "--topic", topic, "--to", "earliest", "--offset", "0=x"], 1, "USAGE"],
      [["group", "reset", group, "--topic", topic, "--to", "yesterday-ish"], 1, "USAGE"],
      [
        ["group", "reset", group, "--topic", topic, "--offset", "0=9999999999999999_9999999999999999"],
        1,
        "INVALID_OFFSET",
      ],
      [["group", "reset", group, "--topic", uniqueName("none"), "--to", "earliest"], 2, "TOPIC_NOT_FOUND"],
      [["group", "describe", uniqueName("none")], 2, "GROUP_NOT_FOUND"],
      [["group", "delete", uniqueName("none")], 2, "GROUP_NOT_FOUND"],
    ];
    for (const [args, code, error] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({
        args,
        code,
        stderr: expect.stringMatching(errorLine(error)),
      });
    }
  });
});
