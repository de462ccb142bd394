/**
 * `rivulet consume`: records as JSON lines and committed once printed; a command per record
 * with the record on stdin and in its environment, committed only on exit 0; a failing
 * command stops without committing (exit 8) and the record comes first next time; SIGTERM
 * lets the running command decide its record, commits, leaves the group and exits 130.
 */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, startRivulet, uniqueName } from "./support/cli-process.js";
import { createTopic, groupMembers, groupOffsets, produceRecords } from "./support/topics-http.js";

const server = serverForFile(["--store", "memory"]);
/** `--url` right after the command: anything after `--` belongs to the command run per record. */
const cli = (args: string[]) => rivulet([args[0]!, "--url", server.url, ...args.slice(1)]);

/** A one-partition topic with these values, and a fresh group name. */
async function topicWith(values: unknown[], key: string | null = null) {
  const topic = uniqueName("events");
  await createTopic(server.url, topic, 1);
  const produced = await produceRecords(
    server.url,
    topic,
    values.map((value) => ({ value, key, headers: { source: "test" } })),
  );
  return { topic, group: uniqueName("workers"), produced };
}

const committedSeq = async (group: string) => (await groupOffsets(server.url, group))[0]?.committed?.seq ?? null;

describe.concurrent("rivulet consume", () => {
  test("prints each record as a JSON line; --max stops, and what was printed is committed", async () => {
    const { topic, group, produced } = await topicWith([{ n: 1 }, { n: 2 }, { n: 3 }], "k1");
    const { code, stdout, stderr } = await cli([
      "consume",
      topic,
      "--group",
      group,
      "--from",
      "earliest",
      "--max",
      "2",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({ topic, partition: 0, seq: 0, key: "k1", value: { n: 1 }, headers: { source: "test" } }),
      expect.objectContaining({ seq: 1, offset: produced[1]!.offset, nextOffset: produced[1]!.next_offset }),
    ]);
    expect(await committedSeq(group)).toBe(2);
    const next = await cli(["consume", topic, "--group", group, "--max", "1", "--values"]);
    expect(next.stdout).toBe('{"n":3}\n');
  });

  test("--from latest (the default) skips what is there; a group's commit wins over --from", async () => {
    const { topic, group } = await topicWith(["old"]);
    const member = startRivulet(
      ["consume", topic, "--group", group, "--max", "1", "--values", "--verbose", "--url", server.url],
      { timeoutMs: 120_000 },
    );
    // Once the member has placed its partition at the tail (--verbose says "assigned"), a new
    // record is the first it sees.
    await member.waitForStderr((stderr) => stderr.includes(`rivulet: assigned ${topic}/0`), 60_000);
    await produceRecords(server.url, topic, [{ value: "new" }]);
    expect((await member.result).stdout).toBe('"new"\n');
    await produceRecords(server.url, topic, [{ value: "newer" }]);
    const again = await cli(["consume", topic, "--group", group, "--from", "earliest", "--max", "1", "--values"]);
    expect(again.stdout).toBe('"newer"\n');
    expect(await committedSeq(group)).toBe(3);
  });

  test("runs the command per record with the record on stdin and in its environment; exit 0 commits", async () => {
    const { topic, group } = await topicWith([{ total: 42 }, { total: 7 }], "customer-7");
    const script =
      'read -r line; echo "$RIVULET_GROUP $RIVULET_TOPIC $RIVULET_PARTITION $RIVULET_SEQ $RIVULET_KEY $RIVULET_HEADERS $line"';
    const { code, stdout } = await cli([
      "consume",
      topic,
      "-g",
      group,
      "--from",
      "earliest",
      "--max",
      "2",
      "--values",
      "--",
      "sh",
      "-c",
      script,
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${group} ${topic} 0 0 customer-7 {"source":"test"} {"total":42}\n${group} ${topic} 0 1 customer-7 {"source":"test"} {"total":7}\n`,
    );
    expect(await committedSeq(group)).toBe(2);
  });

  test("a command that fails stops the consumer without committing its record (exit 8); the next run gets it first", async () => {
    const { topic, group } = await topicWith(["ok", "bad", "after"]);
    const failing = await cli([
      "consume",
      topic,
      "--group",
      group,
      "--from",
      "earliest",
      "--values",
      "--",
      "sh",
      "-c",
      'read -r v; echo "saw $v"; [ "$v" != \'"bad"\' ]',
    ]);
    expect(failing.code).toBe(8);
    expect(failing.stdout).toBe('saw "ok"\nsaw "bad"\n');
    expect(failing.stderr).toMatch(errorLine("COMMAND_FAILED"));
    expect(failing.stderr).toContain(`the command exited with 1 for ${topic}/0 seq 1; it was not committed`);
    expect(await committedSeq(group)).toBe(1);
    expect(await groupMembers(server.url, group)).toBe(0);
    const retry = await cli(["consume", topic, "--group", group, "--max", "1", "--values"]);
    expect(retry.stdout).toBe('"bad"\n');
  });

  test("SIGTERM: the running command gets it and its exit 0 commits its record; the group is left; exit 130", async () => {
    const { topic, group } = await topicWith(["first", "second"]);
    // The trap is set first, so the SIGTERM finds it whenever it comes; the sleep is killed with it.
    const script =
      "trap 'kill $pid; exit 0' TERM; read -r v; sleep 60 >/dev/null & pid=$!; echo \"started $RIVULET_SEQ\"; wait";
    const member = startRivulet(
      ["consume", topic, "--group", group, "--from", "earliest", "--url", server.url, "--", "sh", "-c", script],
      { timeoutMs: 120_000 },
    );
    await member.waitForStdout((out) => out.includes("started 0"), 60_000);
    member.child.kill("SIGTERM");
    const { code, stdout } = await member.result;
    expect(code).toBe(130);
    expect(stdout).toBe("started 0\n");
    expect(await committedSeq(group)).toBe(1);
    expect(await groupMembers(server.url, group)).toBe(0);
  });

  test("mistakes: a missing topic (exit 2), no --group, a bad --from, a command that cannot start (exit 1)", async () => {
    const { topic } = await topicWith(["x"]);
    const cases: [string[], number, string][] = [
      [["consume", uniqueName("none"), "--group", "g"], 2, "TOPIC_NOT_FOUND"],
      [["consume", topic], 1, "USAGE"],
      [["consume", topic, "--group", "g", "--from", "soonish"], 1, "USAGE"],
      [["consume", topic, "--group", "bad/group"], 1, "INVALID_ARGUMENT"],
      [["consume", topic, "--group", uniqueName("g"), "--from", "earliest", "--", "/nonexistent/command"], 1, "USAGE"],
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

/** Until the group has a member whose partition is placed (it has heartbeated and committed nothing yet). */
