/**
 * `rivulet append`: arguments, files and piped stdin (including a pipe that stays open), JSON
 * messages and batches, and the failures scripts must be able to tell apart.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  errorLine,
  rivulet,
  scratchDirsForFile,
  serverForFile,
  startRivulet,
  uniqueName,
} from "./support/cli-process.js";
import { contentOf, createStream, messagesOf, type StreamSetup } from "./support/direct-http.js";

const server = serverForFile();
const scratchDir = scratchDirsForFile();
const cli = (args: string[], input?: string | Uint8Array) =>
  rivulet([...args, "--url", server.url], input === undefined ? {} : { input });

async function created(prefix: string, setup: StreamSetup = {}): Promise<string> {
  const name = uniqueName(prefix);
  await createStream(server.url, name, setup);
  return name;
}

const TEXT = { contentType: "text/plain" };
const JSON_STREAM = { contentType: "application/json" };

describe.concurrent("rivulet append to a byte or text stream", () => {
  test("arguments are joined with spaces; the new tail offset is printed", async () => {
    const name = await created("args", TEXT);
    const { code, stdout, stderr } = await cli(["append", name, "hello", "there"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe("0000000000000000_0000000000000011\n");
    expect((await contentOf(server.url, name)).toString()).toBe("hello there");
  });

  test("piped stdin is appended as it is", async () => {
    const name = await created("stdin", TEXT);
    const { code } = await cli(["append", name], "line one\nline two\n");
    expect(code).toBe(0);
    expect((await contentOf(server.url, name)).toString()).toBe("line one\nline two\n");
  });

  test("a file of several MiB arrives byte for byte, in several requests", async () => {
    const name = await created("file");
    const dir = await scratchDir("rivulet-append-");
    const file = join(dir, "random.bin");
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(file, bytes);
    const { code, stdout, stderr } = await cli(["append", name, "--file", file, "--verbose"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`0000000000000000_${String(bytes.length).padStart(16, "0")}\n`);
    expect((stderr.match(/ POST /g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect((await contentOf(server.url, name)).equals(bytes)).toBe(true);
  });

  test("a pipe that stays open is sent as it arrives, not only at its end", async () => {
    const name = await created("open-pipe", TEXT);
    const append = startRivulet(["append", name, "--url", server.url], { stdin: "pipe" });
    append.child.stdin!.write("first\n");
    await expect.poll(async () => (await contentOf(server.url, name)).toString(), { timeout: 10_000 }).toBe("first\n");
    append.child.stdin!.end("second\n");
    const { code } = await append.result;
    expect(code).toBe(0);
    expect((await contentOf(server.url, name)).toString()).toBe("first\nsecond\n");
  });

  test("--json and --batch need a JSON stream", async () => {
    const name = await created("not-json", TEXT);
    const { code, stderr } = await cli(["append", name, "--json", "{}"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
    expect(stderr).toContain("text/plain");
  });

  test("no input at all (stdin is not a pipe with data) is an INPUT error", async () => {
    const name = await created("empty", TEXT);
    const { code, stderr } = await cli(["append", name]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("INPUT"));
  });
});

describe.concurrent("rivulet append to a JSON stream", () => {
  test("each argument is one message, sent together; an array stays one message", async () => {
    const name = await created("json-args", JSON_STREAM);
    const { code } = await cli(["append", name, "--json", '{"n":1}', "[2,3]", '"four"']);
    expect(code).toBe(0);
    expect(await messagesOf(server.url, name)).toEqual([{ n: 1 }, [2, 3], "four"]);
  });

  test("stdin is one message, and a JSON stream needs no --json", async () => {
    const name = await created("json-stdin", JSON_STREAM);
    expect((await cli(["append", name], '{\n  "pretty": true\n}\n')).code).toBe(0);
    expect(await messagesOf(server.url, name)).toEqual([{ pretty: true }]);
  });

  test("invalid JSON is refused before sending: exit 1, nothing appended", async () => {
    const name = await created("json-invalid", JSON_STREAM);
    const { code, stderr } = await cli(["append", name, '{"ok":1}', "{broken"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("INPUT"));
    expect(stderr).toContain("argument 2");
    expect(await messagesOf(server.url, name)).toEqual([]);
  });

  test("--batch reads NDJSON (blank lines skipped) from stdin", async () => {
    const name = await created("ndjson", JSON_STREAM);
    const { code } = await cli(["append", name, "--batch"], '{"n":1}\n\n[2]\r\n"three"\n');
    expect(code).toBe(0);
    expect(await messagesOf(server.url, name)).toEqual([{ n: 1 }, [2], "three"]);
  });

  test("--batch reads a JSON array as its messages", async () => {
    const name = await created("array", JSON_STREAM);
    const { code } = await cli(["append", name, "--batch"], '[{"n":1}, {"n":2}, [3]]');
    expect(code).toBe(0);
    expect(await messagesOf(server.url, name)).toEqual([{ n: 1 }, { n: 2 }, [3]]);
  });

  test("a large --batch goes out in several requests, in order", async () => {
    const name = await created("large-batch", JSON_STREAM);
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ i }));
    const { code, stderr } = await cli(["append", name, "--batch", "--verbose"], `${lines.join("\n")}\n`);
    expect(code).toBe(0);
    expect((stderr.match(/ POST /g) ?? []).length).toBe(3);
    expect(await messagesOf(server.url, name)).toEqual(lines.map((line) => JSON.parse(line)));
  });

  test("a bad NDJSON line is reported with its line number", async () => {
    const name = await created("ndjson-bad", JSON_STREAM);
    const { code, stderr } = await cli(["append", name, "--batch"], '{"n":1}\n{"n":\n');
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("INPUT"));
    expect(stderr).toContain("line 2");
  });
});

describe.concurrent("append failures", () => {
  test("a missing stream is exit 2, said once", async () => {
    const name = uniqueName("missing");
    const { code, stderr } = await cli(["append", name, "data"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^rivulet: NOT_FOUND: Stream not found: \\S+/${name} \\(404\\)\\n$`));
  });

  test("a closed stream is exit 3, said once", async () => {
    const name = await created("closed", { ...TEXT, closed: true });
    const { code, stderr } = await cli(["append", name, "late", "--content-type", "text/plain"]);
    expect(code).toBe(3);
    expect(stderr).toBe("rivulet: STREAM_CLOSED: Stream is closed (409)\n");
  });

  test("--epoch without --producer is a usage error", async () => {
    const name = await created("epoch-alone", TEXT);
    const { code, stderr } = await cli(["append", name, "x", "--epoch", "2"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
  });
});
