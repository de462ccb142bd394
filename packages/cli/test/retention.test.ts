/**
 * `rivulet retention`, `rivulet trim` and what `rivulet head` says about them, against a
 * server keeping a day by default (docs/extensions.md, "Retention" and "Trim").
 */
import { DurableStreamTestServer } from "@durable-streams/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { appendTo, createStream } from "./support/direct-http.js";

const server = serverForFile(["--store", "memory", "--retention-ms", "1d"]);
const cli = (args: string[]) => rivulet([...args, "--url", server.url]);
const ZERO = "0000000000000000_0000000000000000";

async function threeMessages(prefix: string): Promise<{ name: string; offsets: string[] }> {
  const name = uniqueName(prefix);
  await createStream(server.url, name, { contentType: "application/json" });
  const offsets: string[] = [];
  for (const item of ['"a"', '"b"', '"c"']) offsets.push(await appendTo(server.url, name, item, "application/json"));
  return { name, offsets };
}

describe.concurrent("rivulet retention", () => {
  test("without flags shows the settings: the server's default, offsets and message count", async () => {
    const { name, offsets } = await threeMessages("show");
    const [human, json] = await Promise.all([cli(["retention", name]), cli(["retention", name, "--json"])]);
    expect(human).toMatchObject({ code: 0, stderr: "" });
    expect(human.stdout).toBe(
      [
        `url         ${server.url}/v1/stream/${name}`,
        "by age      1d (server default)",
        "by size     - (keeps everything)",
        `earliest    ${ZERO}`,
        `next offset ${offsets[2]}`,
        "next seq    3",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(json.stdout)).toEqual({
      url: `${server.url}/v1/stream/${name}`,
      ms: null,
      bytes: null,
      effectiveMs: 86_400_000,
      effectiveBytes: null,
      earliestOffset: ZERO,
      nextOffset: offsets[2],
      nextSeq: 3,
    });
  });

  test("--ms and --bytes set the stream's own; default removes one; head shows what applies", async () => {
    const { name } = await threeMessages("set");
    const set = await cli(["retention", name, "--ms", "7d", "--bytes", "10GiB", "--json"]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ ms: 604_800_000, bytes: 10 * 1024 ** 3 });
    const head = await cli(["head", name]);
    expect(head.stdout).toContain("retention    7d by age, 10.0 GiB by size\n");
    const back = await cli(["retention", name, "--ms", "default"]);
    expect(back.stdout).toContain("by age      1d (server default)\n");
    expect(back.stdout).toContain("by size     10.0 GiB\n");
  });

  test.each([
    [["--ms", "forever"], /not a duration.*or "default"/],
    [["--bytes", "-3"], /not a size.*or "default"/],
    [["--ms", "0"], /out of range/],
  ])("%j is USAGE, exit 1", async (flags, message) => {
    const { code, stderr } = await cli(["retention", uniqueName("bad"), ...flags]);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^rivulet: USAGE: /);
  });

  test("a missing stream is NOT_FOUND, exit 2", async () => {
    const { code, stderr } = await cli(["retention", uniqueName("missing")]);
    expect(code).toBe(2);
    expect(stderr).toMatch(errorLine("NOT_FOUND"));
  });
});

describe.concurrent("rivulet trim", () => {
  test("drops the head up to an offset and prints the new earliest; reading before it is GONE, exit 2", async () => {
    const { name, offsets } = await threeMessages("trim");
    const trimmed = await cli(["trim", name, offsets[1]!]);
    expect(trimmed).toMatchObject({ code: 0, stdout: `${offsets[1]}\n`, stderr: "" });
    const [rest, gone, head] = await Promise.all([
      cli(["read", name]),
      cli(["read", name, "--from", offsets[0]!]),
      cli(["head", name, "--json"]),
    ]);
    expect(rest.stdout).toBe('"c"\n');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(errorLine("GONE"));
    expect(JSON.parse(head.stdout)).toMatchObject({ earliestOffset: offsets[1], nextSeq: 3 });
    const all = await cli(["trim", name, "now", "--json"]);
    expect(JSON.parse(all.stdout)).toEqual({ earliestOffset: offsets[2], nextOffset: offsets[2] });
  });

  test("an offset that is not one is BAD_REQUEST, a missing one USAGE (exit 1); a missing stream exit 2", async () => {
    const { name } = await threeMessages("trim-bad");
    const [bad, none, missing] = await Promise.all([
      cli(["trim", name, "yesterday"]),
      cli(["trim", name]),
      cli(["trim", uniqueName("missing"), "now"]),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(errorLine("BAD_REQUEST"));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^rivulet: USAGE: .*missing required argument 'offset'/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(errorLine("NOT_FOUND"));
  });
});

describe("against a server without the extensions", () => {
  let reference: DurableStreamTestServer;
  let base: string;
  beforeAll(async () => {
    reference = new DurableStreamTestServer({ port: 0 });
    base = await reference.start();
  });
  afterAll(() => reference.stop());

  test("retention and trim are UNSUPPORTED (exit 1); head leaves out what it is not told", async () => {
    const name = uniqueName("reference");
    await fetch(`${base}/v1/stream/${name}`, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
    for (const args of [
      ["retention", name],
      ["retention", name, "--ms", "1h"],
      ["trim", name, "now"],
    ]) {
      const { code, stderr } = await rivulet([...args, "--url", base]);
      expect(code).toBe(1);
      expect(stderr).toMatch(errorLine("UNSUPPORTED"));
    }
    const head = await rivulet(["head", name, "--url", base]);
    expect(head.stdout).toContain("earliest     -\nnext seq     -\nretention    -\n");
  });
});
