/**
 * `rivulet tail`: follows live with SSE, long-poll or auto; prints appends as they arrive;
 * exits 0 when the stream is closed and 130 on Ctrl-C; rides out a server restart.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { spawnServer } from "../../server/test/support/spawn-server.js";
import { errorLine, rivulet, serverForFile, startRivulet, uniqueName } from "./support/cli-process.js";
import { appendTo, closeStream, createStream } from "./support/direct-http.js";

const server = serverForFile();
const TEXT = { contentType: "text/plain" };

/** tail --verbose logs its first response; after it, "now" is pinned and appends will be seen. */
const following = (stderr: string) => / -> 200 /.test(stderr);

describe.concurrent("rivulet tail", () => {
  test.each([
    ["auto", []],
    ["--sse", ["--sse"]],
    ["--long-poll", ["--long-poll"]],
  ])("%s: prints live appends as they arrive and exits 0 when the stream is closed", async (_, mode) => {
    const name = uniqueName("live");
    await createStream(server.url, name, { ...TEXT, body: "history " });
    const tail = startRivulet(["tail", name, ...mode, "--verbose", "--url", server.url]);
    await tail.waitForStderr(following);

    await appendTo(server.url, name, "first", "text/plain");
    await tail.waitForStdout((out) => out === "first");
    await appendTo(server.url, name, " second", "text/plain");
    await tail.waitForStdout((out) => out === "first second");
    await closeStream(server.url, name);

    const { code, stdout } = await tail.result;
    expect(code).toBe(0);
    // --from defaults to now: the history before tail started is not printed.
    expect(stdout).toBe("first second");
  });

  test("--from -1 on a closed stream prints all of it and exits 0 at once", async () => {
    const name = uniqueName("closed");
    await createStream(server.url, name, { contentType: "application/json", body: '{"n":1}' });
    await appendTo(server.url, name, '{"n":2}', "application/json");
    await closeStream(server.url, name);
    const { code, stdout } = await rivulet(["tail", name, "--from", "-1", "--url", server.url]);
    expect(code).toBe(0);
    expect(stdout).toBe('{"n":1}\n{"n":2}\n');
  });

  test("Ctrl-C ends it with exit 130", async () => {
    const name = uniqueName("interrupt");
    await createStream(server.url, name);
    const tail = startRivulet(["tail", name, "--verbose", "--url", server.url]);
    await tail.waitForStderr(following);
    tail.child.kill("SIGINT");
    const { code } = await tail.result;
    expect(code).toBe(130);
  });

  test("a missing stream fails at once with exit 2", async () => {
    const { code, stderr } = await rivulet(["tail", uniqueName("missing"), "--url", server.url]);
    expect(code).toBe(2);
    expect(stderr).toMatch(errorLine("NOT_FOUND"));
  });
});

describe("rivulet tail across a server restart", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test("resumes from where it was once the server is back, saying on stderr that it is reconnecting", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-tail-restart-"));
    dirs.push(dir);
    const first = await spawnServer(["--data-dir", dir]);
    const port = new URL(first.url).port;
    const name = uniqueName("restart");
    await createStream(first.url, name, TEXT);
    const tail = startRivulet(["tail", name, "--verbose", "--url", first.url], { timeoutMs: 30_000 });
    await tail.waitForStderr(following);
    await appendTo(first.url, name, "before;", "text/plain");
    await tail.waitForStdout((out) => out === "before;");
    // Without --verbose, from the beginning: its first output shows it is following.
    const quiet = startRivulet(["tail", name, "--from", "-1", "--url", first.url], { timeoutMs: 30_000 });
    await quiet.waitForStdout((out) => out === "before;");

    first.child.kill("SIGTERM");
    await first.exited;
    const second = await spawnServer(["--data-dir", dir, "--port", port]);
    try {
      await appendTo(second.url, name, "after;", "text/plain");
      await tail.waitForStdout((out) => out === "before;after;", 20_000);
      await closeStream(second.url, name);
      const { code, stdout, stderr } = await tail.result;
      expect(code).toBe(0);
      expect(stdout).toBe("before;after;");
      expect(stderr).toMatch(/retrying in \d+ ms/);
      const quietly = await quiet.result;
      expect(quietly.code).toBe(0);
      expect(quietly.stdout).toBe("before;after;");
      // Only notices, one line each: reconnects (and auto mode's switch to long-poll), no failure line.
      const lines = quietly.stderr.trimEnd().split("\n");
      expect(lines.some((line) => line.startsWith("rivulet: reconnecting in "))).toBe(true);
      for (const line of lines) {
        expect(line).toMatch(
          /^rivulet: (reconnecting in \d+\.\d s \(attempt \d+\) after [A-Z_]+: .+|switching from sse to long-poll \(\w+\))$/,
        );
      }
    } finally {
      second.child.kill("SIGKILL");
      await second.exited;
    }
  });
});
