/**
 * `rivulet sub worker <id> -- <command>`: the command runs per wake with the pending data on
 * stdin and the wake in its environment; exit 0 acks, another exit is logged, not acked, and
 * retried; the lease is renewed while the command runs; SIGINT and SIGTERM stop the command,
 * give the wake back and exit 130; a command that cannot start ends the worker.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SubscriptionsClient } from "@rivulet/client/subscriptions";
import { afterAll, describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, startRivulet, uniqueName } from "./support/cli-process.js";
import { appendTo, createStream, headOf } from "./support/direct-http.js";

const server = serverForFile(["--store", "memory"]);
const subs = () => new SubscriptionsClient({ baseUrl: `${server.url}/v1/stream` });
const node = process.execPath;

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A pull-wake subscription over `prefix/*` with its own JSON wake stream. */
async function pullWake(leaseTtlMs = 30_000) {
  const id = uniqueName("jobs");
  const prefix = uniqueName("job");
  const wake = uniqueName("wake");
  await createStream(server.url, wake, { contentType: "application/json" });
  await subs().create(id, { pattern: `${prefix}/*`, wakeStream: wake, leaseTtlMs });
  const cursor = async () => (await subs().get(id)).streams[0]?.ackedOffset;
  return { id, prefix, cursor };
}

/**
 * How long to wait for the worker's next line. Waits end at the event, so this only matters
 * on a machine so busy that starting node takes seconds (seen at a load average of 20).
 */
const WAIT = 60_000;

const workers: ReturnType<typeof startRivulet>[] = [];
// A test that fails midway leaves its worker running: it would retry forever.
afterAll(() => {
  for (const run of workers)
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
});

const worker = (id: string, command: string[], ...flags: string[]) => {
  const run = startRivulet(["sub", "worker", id, "--url", server.url, ...flags, "--", ...command], {
    timeoutMs: 4 * WAIT,
  });
  workers.push(run);
  return run;
};

const following = (stderr: string) => stderr.includes("rivulet: following ");

/** Prints its environment's wake, then its stdin. */
const ECHO = `process.stdout.write(["env", process.env.RIVULET_SUBSCRIPTION, process.env.RIVULET_GENERATION, process.env.RIVULET_STREAMS].join(" ") + "\\n"); process.stdin.pipe(process.stdout);`;

describe.concurrent("rivulet sub worker", () => {
  test("runs the command per wake with the pending data on stdin; exit 0 acks", async () => {
    const { id, prefix, cursor } = await pullWake();
    const run = worker(id, [node, "-e", ECHO]);
    await run.waitForStderr(following, WAIT);
    await createStream(server.url, `${prefix}/a`, { contentType: "application/json", body: '{"n":1}' });
    await run.waitForStderr((err) => err.includes(`acked ${id} generation 1`), WAIT);
    const tail = await appendTo(server.url, `${prefix}/a`, '{"n":2}', "application/json");
    await run.waitForStderr((err) => err.includes(`acked ${id} generation 2`), WAIT);
    expect(await cursor()).toBe(tail);
    expect(run.stdout).toBe(`env ${id} 1 ${prefix}/a\n{"n":1}\nenv ${id} 2 ${prefix}/a\n{"n":2}\n`);
    run.child.kill("SIGINT");
    expect((await run.result).code).toBe(130);
  });

  test("a non-zero exit is logged and not acked; the wake is claimed again after a backoff", async () => {
    const { id, prefix, cursor } = await pullWake();
    const dir = await mkdtemp(join(tmpdir(), "rivulet-sub-worker-"));
    dirs.push(dir);
    const marker = join(dir, "fail-once");
    await writeFile(marker, "");
    // Fails while the marker is there, removing it: the second run succeeds.
    const failOnce = `const fs = require("node:fs"); process.stdin.resume(); process.stdin.on("end", () => { if (fs.existsSync(${JSON.stringify(marker)})) { fs.rmSync(${JSON.stringify(marker)}); process.exit(3); } });`;
    const run = worker(id, [node, "-e", failOnce]);
    await run.waitForStderr(following, WAIT);
    await createStream(server.url, `${prefix}/a`, { contentType: "application/json", body: "{}" });
    const before = await cursor();
    await run.waitForStderr(
      (err) => err.includes(`${id}: the command exited with 3, not acked; claiming again in`),
      WAIT,
    );
    await run.waitForStderr((err) => err.includes(`released ${id} generation 1 without an ack`), WAIT);
    expect(await cursor()).toBe(before);
    await run.waitForStderr((err) => err.includes(`acked ${id} generation 2`), WAIT);
    expect(await cursor()).toBe((await headOf(server.url, `${prefix}/a`)).nextOffset);
    run.child.kill("SIGTERM");
    expect((await run.result).code).toBe(130);
  });

  test("the lease is renewed while a slow command runs, past the lease's length, and the ack lands", async () => {
    // Two seconds: a one-second lease is too tight for a machine this busy.
    const { id, prefix, cursor } = await pullWake(2000);
    // Requests wait until the gate opens; once open, it answers at once (the command may start late).
    const waiting: ServerResponse[] = [];
    let open = false;
    const gate = createServer((_req, res) => (open ? res.end("go") : void waiting.push(res)));
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/`;
    try {
      // The command waits for the gate, which opens once the lease has been renewed four times.
      const run = worker(
        id,
        [node, "-e", `fetch(${JSON.stringify(gateUrl)}).then(() => process.exit(0))`],
        "--verbose",
      );
      await run.waitForStderr(following, WAIT);
      await createStream(server.url, `${prefix}/a`, { contentType: "application/json", body: "{}" });
      const renewals = (err: string) => err.split("\n").filter((line) => line.includes(`renewed the lease of ${id}`));
      await run.waitForStderr((err) => renewals(err).length >= 4, WAIT);
      open = true;
      for (const res of waiting) res.end("go");
      await run.waitForStderr((err) => err.includes(`acked ${id} generation 1`), WAIT);
      expect(run.stderr).not.toContain("lost");
      expect(await cursor()).toBe((await headOf(server.url, `${prefix}/a`)).nextOffset);
      expect((await subs().get(id)).generation).toBe(1);
      run.child.kill("SIGTERM");
      expect((await run.result).code).toBe(130);
    } finally {
      gate.closeAllConnections();
      gate.close();
    }
  });

  test.each(["SIGINT", "SIGTERM"] as const)(
    "%s stops the command, gives the wake back and exits 130",
    async (signal) => {
      const { id, prefix } = await pullWake(30_000);
      // A command that never ends by itself: it reads stdin, then waits.
      const run = worker(id, [node, "-e", "process.stdin.resume(); setInterval(() => {}, 1000);"]);
      await run.waitForStderr(following, WAIT);
      await createStream(server.url, `${prefix}/a`, { contentType: "application/json", body: "{}" });
      await run.waitForStderr((err) => err.includes(`claimed ${id} generation 1`), WAIT);
      run.child.kill(signal);
      const { code, stderr } = await run.result;
      expect(code).toBe(130);
      expect(stderr).toContain(`released ${id} generation 1 without an ack (stopping)`);
      // Given back, not left to its 30 s lease: another worker may claim it at once.
      const claim = await subs().claim(id, "next");
      expect(claim?.generation).toBe(2);
    },
  );

  test("a command that cannot be started ends the worker with exit 1", async () => {
    const { id, prefix } = await pullWake();
    const run = worker(id, ["/no/such/command"]);
    await run.waitForStderr(following, WAIT);
    await createStream(server.url, `${prefix}/a`, { contentType: "application/json", body: "{}" });
    const { code, stderr } = await run.result;
    expect(code).toBe(1);
    expect(stderr).toMatch(/rivulet: USAGE: cannot run \/no\/such\/command: spawn \/no\/such\/command ENOENT\n$/);
  });

  test("a webhook subscription, a missing one, and no command are refused at once", async () => {
    const hook = uniqueName("hook");
    await subs().create(hook, { streams: ["x"], webhook: "https://hooks.example.com/x" });
    const [webhook, missing, noCommand] = await Promise.all([
      rivulet(["sub", "worker", hook, "--url", server.url, "--", "cat"], { timeoutMs: WAIT }),
      rivulet(["sub", "worker", uniqueName("missing"), "--url", server.url, "--", "cat"], { timeoutMs: WAIT }),
      rivulet(["sub", "worker", hook, "--url", server.url], { timeoutMs: WAIT }),
    ]);
    expect(webhook.code).toBe(1);
    expect(webhook.stderr).toMatch(errorLine("USAGE"));
    expect(webhook.stderr).toContain("delivers by webhook");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(errorLine("NOT_FOUND"));
    expect(noCommand.code).toBe(1);
    expect(noCommand.stderr).toMatch(errorLine("USAGE"));
  });
});
