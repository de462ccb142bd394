/**
 * `rivulet produce`: records from arguments, a file or stdin (JSON lines or an array; text
 * with --text; whole records with --records) land where their key sends them, with the
 * headers given, and the metadata printed is where they are; bad input and missing topics
 * fail with their codes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { partitionForKey } from "@rivulet/kafka";
import { afterAll, describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { createTopic, partitionRecords } from "./support/topics-http.js";

const server = serverForFile(["--store", "memory"]);
const cli = (args: string[], input?: string) =>
  rivulet([...args, "--url", server.url], input === undefined ? {} : { input });

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function topic(partitions = 3): Promise<string> {
  const name = uniqueName("produced");
  await createTopic(server.url, name, partitions);
  return name;
}

describe.concurrent("rivulet produce", () => {
  test("values as arguments, keyed, with headers: one line per record, where the key's partition has them", async () => {
    const name = await topic(4);
    const { code, stdout, stderr } = await cli([
      "produce",
      name,
      '{"total":42}',
      '"second"',
      "--key",
      "customer-7",
      "--header",
      "source=cli",
      "--header",
      "trace=a=b",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const partition = partitionForKey("customer-7", 4);
    expect(stdout).toMatch(
      new RegExp(`^partition ${partition} seq 0 offset \\d{16}_\\d{16}\\npartition ${partition} seq 1 offset `),
    );
    const stored = await partitionRecords(server.url, name, partition);
    expect(stored.map((r) => r.value)).toMatchObject([
      { key: "customer-7", value: { total: 42 }, headers: { source: "cli", trace: "a=b" } },
      { key: "customer-7", value: "second" },
    ]);
  });

  test("stdin as JSON lines, --json metadata matching the stored records; --partition pins them", async () => {
    const name = await topic(3);
    const { code, stdout } = await cli(
      ["produce", name, "--partition", "2", "--json"],
      '{"n":1}\n{"n":2}\n\n{"n":3}\n',
    );
    expect(code).toBe(0);
    const printed = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const stored = await partitionRecords(server.url, name, 2);
    expect(stored.map((r) => r.value.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(printed.map((m) => [m.topic, m.partition, m.seq])).toEqual([
      [name, 2, 0],
      [name, 2, 1],
      [name, 2, 2],
    ]);
  });

  test("a file of whole records with --records; --text sends lines as strings", async () => {
    const name = await topic(2);
    const dir = await mkdtemp(join(tmpdir(), "rivulet-produce-"));
    dirs.push(dir);
    const file = join(dir, "records.ndjson");
    await writeFile(
      file,
      `${JSON.stringify({ value: "a", key: "k", partition: 0 })}\n${JSON.stringify({ value: "b", partition: 1, headers: { h: "1" } })}\n`,
    );
    expect((await cli(["produce", name, "--records", "--file", file, "--header", "src=file"])).code).toBe(0);
    expect((await partitionRecords(server.url, name, 0)).map((r) => r.value)).toMatchObject([
      { key: "k", value: "a", headers: { src: "file" } },
    ]);
    expect((await partitionRecords(server.url, name, 1)).map((r) => r.value)).toMatchObject([
      { key: null, value: "b", headers: { src: "file", h: "1" } },
    ]);
    expect((await cli(["produce", name, "--text", "--partition", "0"], "plain words\nmore\n")).code).toBe(0);
    expect((await partitionRecords(server.url, name, 0)).slice(1).map((r) => r.value.value)).toEqual([
      "plain words",
      "more",
    ]);
  });

  test("input that is not JSON, bad record lines and two inputs at once are INPUT/USAGE errors, exit 1, and send nothing", async () => {
    const name = await topic(1);
    const cases: [string[], string | undefined, string][] = [
      [["produce", name, "not-json"], undefined, "INPUT"],
      [["produce", name, "--records"], '{"key":"k"}\n', "INPUT"],
      [["produce", name, "--records"], '{"value":1,"colour":"red"}\n', "INPUT"],
      [["produce", name, "--header", "novalue", "1"], undefined, "USAGE"],
      [["produce", name, "1", "--file", "records.ndjson"], undefined, "USAGE"],
    ];
    for (const [args, input, code] of cases) {
      const result = await cli(args, input);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({
        args,
        code: 1,
        stderr: expect.stringMatching(errorLine(code)),
      });
    }
    expect(await partitionRecords(server.url, name, 0)).toEqual([]);
  });

  test("a missing topic is TOPIC_NOT_FOUND and a missing partition PARTITION_NOT_FOUND, exit 2", async () => {
    const missing = await cli(["produce", uniqueName("missing"), "1"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(errorLine("TOPIC_NOT_FOUND"));
    const partition = await cli(["produce", await topic(1), "1", "--partition", "5"]);
    expect(partition.code).toBe(2);
    expect(partition.stderr).toMatch(errorLine("PARTITION_NOT_FOUND"));
  });
});
