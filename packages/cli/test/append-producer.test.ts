/**
 * `rivulet append --producer`: writes through the client's idempotent producer, so a repeated
 * run lands nothing twice, a new epoch writes new data, and a fenced producer is a conflict.
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
import { contentOf, createStream, messagesOf } from "./support/direct-http.js";

const server = serverForFile();
const scratchDir = scratchDirsForFile();
const cli = (args: string[], input?: string) =>
  rivulet([...args, "--url", server.url], input === undefined ? {} : { input });

const ndjson = (from: number, count: number) =>
  `${Array.from({ length: count }, (_, i) => JSON.stringify({ i: from + i })).join("\n")}\n`;

describe.concurrent("rivulet append --producer", () => {
  test("a repeated run writes nothing twice (exactly once) and says so", async () => {
    const name = uniqueName("once");
    await createStream(server.url, name, { contentType: "application/json" });
    const input = ndjson(0, 1500);
    const first = await cli(["append", name, "--batch", "--producer", "importer"], input);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe("");

    const again = await cli(["append", name, "--batch", "--producer", "importer"], input);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already written by producer importer at epoch 0/);
    expect(again.stdout).toBe(first.stdout);

    const messages = await messagesOf(server.url, name);
    expect(messages).toHaveLength(1500);
    expect(messages).toEqual(Array.from({ length: 1500 }, (_, i) => ({ i })));
  });

  test("a higher --epoch writes new data under the same id; an older epoch is fenced (exit 3)", async () => {
    const name = uniqueName("epochs");
    await createStream(server.url, name, { contentType: "application/json" });
    expect((await cli(["append", name, "--batch", "--producer", "p", "--epoch", "1"], ndjson(0, 3))).code).toBe(0);
    expect((await cli(["append", name, "--batch", "--producer", "p", "--epoch", "2"], ndjson(3, 3))).code).toBe(0);

    const stale = await cli(["append", name, "--batch", "--producer", "p", "--epoch", "1"], ndjson(100, 1));
    expect(stale.code).toBe(3);
    expect(stale.stderr).toMatch(errorLine("STALE_EPOCH"));
    expect(await messagesOf(server.url, name)).toEqual(Array.from({ length: 6 }, (_, i) => ({ i })));
  });

  test("--auto-claim takes over from a newer epoch and writes", async () => {
    const name = uniqueName("claim");
    await createStream(server.url, name, { contentType: "application/json" });
    await cli(["append", name, "--json", '"from epoch 5"', "--producer", "p", "--epoch", "5"]);
    const claimed = await cli(["append", name, "--json", '"claimed"', "--producer", "p", "--auto-claim"]);
    expect(claimed.code).toBe(0);
    expect(await messagesOf(server.url, name)).toEqual(["from epoch 5", "claimed"]);
  });

  test("a re-run that reads the same input in other pieces and pauses still lands nothing twice", async () => {
    const name = uniqueName("pieces");
    await createStream(server.url, name);
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const file = join(await scratchDir("rivulet-producer-"), "data.bin");
    await writeFile(file, bytes);
    expect((await cli(["append", name, "--file", file, "--producer", "uploader"])).code).toBe(0);

    // The same bytes through a pipe, in odd pieces with pauses longer than any linger.
    const again = startRivulet(["append", name, "--producer", "uploader", "--url", server.url], { stdin: "pipe" });
    for (let at = 0; at < bytes.length; at += 100_003) {
      again.child.stdin!.write(bytes.subarray(at, at + 100_003));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    again.child.stdin!.end();
    const result = await again.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^rivulet: 4 batch\(es\) were already written by producer uploader/);
    expect((await contentOf(server.url, name)).equals(bytes)).toBe(true);
  });

  test("bytes from a file go through the producer intact, and once", async () => {
    const name = uniqueName("bytes");
    await createStream(server.url, name);
    const file = join(await scratchDir("rivulet-producer-"), "data.bin");
    const bytes = randomBytes(2 * 1024 * 1024 + 5);
    await writeFile(file, bytes);
    expect((await cli(["append", name, "--file", file, "--producer", "uploader"])).code).toBe(0);
    expect((await cli(["append", name, "--file", file, "--producer", "uploader"])).code).toBe(0);
    expect((await contentOf(server.url, name)).equals(bytes)).toBe(true);
  });
});
