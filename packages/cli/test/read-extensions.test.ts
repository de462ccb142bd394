/**
 * `rivulet read` with the extensions (docs/extensions.md): --since / --at (a point in time),
 * --last (the last messages, found by seq), --records (JSON lines with offsets, seq and append
 * time); clear usage errors; UNSUPPORTED against a server without them.
 */
import { DurableStreamTestServer } from "@durable-streams/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { appendTo, createStream } from "./support/direct-http.js";

const server = serverForFile();
const cli = (args: string[]) => rivulet([...args, "--url", server.url]);
const JSON_TYPE = "application/json";

/** The next millisecond on this machine's clock, which the server shares. */
async function nextMillisecond(): Promise<number> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setImmediate(resolve));
  return Date.now();
}

const lines = (stdout: string) => stdout.split("\n").filter((line) => line.length > 0);

describe.concurrent("rivulet read from a point in time", () => {
  test("--at starts at the first message appended at or after the time (RFC 3339 or ms)", async () => {
    const name = uniqueName("at");
    await createStream(server.url, name, { contentType: JSON_TYPE });
    await appendTo(server.url, name, '"before"', JSON_TYPE);
    const boundary = await nextMillisecond();
    await appendTo(server.url, name, '"after"', JSON_TYPE);
    await appendTo(server.url, name, '"later"', JSON_TYPE);
    const [byMs, byDate] = await Promise.all([
      cli(["read", name, "--at", String(boundary)]),
      cli(["read", name, "--at", new Date(boundary).toISOString()]),
    ]);
    expect(byMs).toMatchObject({ code: 0, stdout: '"after"\n"later"\n', stderr: "" });
    expect(byDate.stdout).toBe('"after"\n"later"\n');
    const future = await cli(["read", name, "--at", String(Date.now() + 3_600_000)]);
    expect(future).toMatchObject({ code: 0, stdout: "" });
  });

  test("--since counts back from now: an hour covers what was just written", async () => {
    const name = uniqueName("since");
    await createStream(server.url, name, { contentType: "text/plain", body: "old " });
    await appendTo(server.url, name, "new", "text/plain");
    const { code, stdout } = await cli(["read", name, "--since", "1h"]);
    expect({ code, stdout }).toEqual({ code: 0, stdout: "old new" });
  });

  test("--last prints the last n messages, or appends on a text stream", async () => {
    const name = uniqueName("last");
    await createStream(server.url, name, { contentType: JSON_TYPE });
    await appendTo(server.url, name, "[0,1,2,3,4,5]", JSON_TYPE);
    for (const n of [6, 7, 8]) await appendTo(server.url, name, String(n), JSON_TYPE);
    const text = uniqueName("last-text");
    await createStream(server.url, text, { contentType: "text/plain", body: "one\n" });
    await appendTo(server.url, text, "two\n", "text/plain");
    await appendTo(server.url, text, "three\n", "text/plain");
    const [three, inBatch, all, lastText] = await Promise.all([
      cli(["read", name, "--last", "3"]),
      cli(["read", name, "--last", "5"]),
      cli(["read", name, "--last", "100"]),
      cli(["read", text, "--last", "2"]),
    ]);
    expect(three).toMatchObject({ code: 0, stdout: "6\n7\n8\n", stderr: "" });
    // Messages of one append share its time: the read starts at the append and skips what is before.
    expect(inBatch.stdout).toBe("4\n5\n6\n7\n8\n");
    expect(lines(all.stdout)).toHaveLength(9);
    expect(lastText.stdout).toBe("two\nthree\n");
  });

  test("--records prints JSON lines with offset, next_offset, seq, ts and value", async () => {
    const name = uniqueName("records");
    await createStream(server.url, name, { contentType: JSON_TYPE });
    const before = Date.now();
    const first = await appendTo(server.url, name, '{"a":1}', JSON_TYPE);
    const second = await appendTo(server.url, name, '[["x"]]', JSON_TYPE);
    const { code, stdout } = await cli(["read", name, "--records"]);
    expect(code).toBe(0);
    const records = lines(stdout).map((line) => JSON.parse(line));
    expect(records).toEqual([
      {
        offset: "0000000000000000_0000000000000000",
        next_offset: first,
        seq: 0,
        ts: expect.any(Number),
        value: { a: 1 },
      },
      { offset: first, next_offset: second, seq: 1, ts: expect.any(Number), value: ["x"] },
    ]);
    expect(records[0].ts).toBeGreaterThanOrEqual(before - 1_000);
    expect(records[1].ts).toBeGreaterThanOrEqual(records[0].ts);
    const last = await cli(["read", name, "--records", "--last", "1", "--pretty"]);
    expect(JSON.parse(last.stdout)).toMatchObject({ seq: 1, value: ["x"] });
    expect(last.stdout).toContain('\n  "seq": 1,');
  });

  test("--records on a byte stream gives each append as base64, on a text stream as text", async () => {
    const bytes = uniqueName("records-bytes");
    await createStream(server.url, bytes, { body: new Uint8Array([0, 255]) });
    const text = uniqueName("records-text");
    await createStream(server.url, text, { contentType: "text/plain", body: "héllo" });
    const [fromBytes, fromText] = await Promise.all([
      cli(["read", bytes, "--records"]),
      cli(["read", text, "--records"]),
    ]);
    expect(JSON.parse(fromBytes.stdout)).toMatchObject({ seq: 0, value: "AP8=" });
    expect(JSON.parse(fromText.stdout)).toMatchObject({ seq: 0, value: "héllo" });
  });
});

describe.concurrent("rivulet read: usage errors", () => {
  test.each([
    [["--since", "2h", "--at", "2026-11-30T09:00:00Z"], /cannot be used with/],
    [["--from", "now", "--last", "3"], /cannot be used with/],
    [["--at", "yesterday"], /not a time/],
    [["--since", "soon"], /not a duration/],
    [["--last", "0"], /at least 1/],
    [["--last", "many"], /not a whole number/],
    [["--offset-only", "--records"], /cannot be used with/],
  ])("%j is USAGE, exit 1", async (args, message) => {
    const { code, stderr, stdout } = await cli(["read", uniqueName("usage"), ...args]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^rivulet: USAGE: /);
  });

  test("--pretty on a text stream's --last is USAGE, with --records it is fine", async () => {
    const name = uniqueName("pretty-last");
    await createStream(server.url, name, { contentType: "text/plain", body: "x" });
    const plain = await cli(["read", name, "--last", "1", "--pretty"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(errorLine("USAGE"));
    expect((await cli(["read", name, "--last", "1", "--pretty", "--records"])).code).toBe(0);
  });

  test("a missing stream is NOT_FOUND, exit 2, whatever the start", async () => {
    for (const args of [["--at", "0"], ["--last", "3"], ["--records"]]) {
      const { code, stderr } = await cli(["read", uniqueName("missing"), ...args]);
      expect(code).toBe(2);
      expect(stderr).toMatch(errorLine("NOT_FOUND"));
    }
  });
});

describe("rivulet read against a server without the extensions", () => {
  let reference: DurableStreamTestServer;
  let base: string;
  beforeAll(async () => {
    reference = new DurableStreamTestServer({ port: 0 });
    base = await reference.start();
  });
  afterAll(() => reference.stop());

  test("--at, --since, --last and --records are UNSUPPORTED (exit 1); a plain read works", async () => {
    const name = uniqueName("reference");
    await fetch(`${base}/v1/stream/${name}`, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
    for (const args of [["--at", "0"], ["--since", "1h"], ["--last", "1"], ["--records"]]) {
      const { code, stderr, stdout } = await rivulet(["read", name, ...args, "--url", base]);
      expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
      expect(stderr).toMatch(errorLine("UNSUPPORTED"));
    }
    expect(await rivulet(["read", name, "--url", base])).toMatchObject({ code: 0, stdout: "x" });
  });
});
