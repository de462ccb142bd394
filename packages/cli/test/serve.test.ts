/**
 * `rivulet serve` as a user starts it: a port already taken is a clear CANNOT_LISTEN with a
 * hint, and `npm start` writes the server's own pid (not its wrappers') for `bench --pid`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { spawnServer } from "../../server/test/support/spawn-server.js";
import { listenFailure } from "../src/listen-failure.js";
import { cleanEnv, errorLine, rivulet, serverForFile } from "./support/cli-process.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const server = serverForFile();

describe("rivulet serve", () => {
  test("a port in use is CANNOT_LISTEN with a hint, exit 1", async () => {
    const port = new URL(server.url).port;
    const { code, stdout, stderr } = await rivulet(["serve", "--store", "memory", "--port", port]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(errorLine("CANNOT_LISTEN"));
    expect(stderr).toContain(`127.0.0.1:${port} is already in use`);
    expect(stderr).toContain("--port");
  });

  test("an address that is not this machine's is CANNOT_LISTEN naming --host", async () => {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    const args = ["serve", "--store", "memory", "--port", "0", "--host", "192.0.2.1", "--insecure"];
    const { code, stderr } = await rivulet(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^rivulet: CANNOT_LISTEN: 192\.0\.2\.1 is not an address of this machine: .*--host/m);
  });

  test("a port it may not use names --port; other socket failures stay unexplained", () => {
    const denied = listenFailure(Object.assign(new Error("listen EACCES"), { code: "EACCES" }), "::1", 80);
    expect(denied).toMatchObject({ code: "CANNOT_LISTEN", message: expect.stringContaining("[::1]:80") });
    expect(denied?.message).toContain("--port");
    expect(listenFailure(Object.assign(new Error("boom"), { code: "EMFILE" }), "127.0.0.1", 80)).toBeUndefined();
    expect(listenFailure("not even an error", "127.0.0.1", 80)).toBeUndefined();
  });
});

describe("rivulet serve and its dashboard", () => {
  test("serves /ui by default and says where; --no-ui leaves it out", async () => {
    expect((await fetch(`${server.url}/ui/config.json`)).status).toBe(200);
    const off = await spawnServer(["--store", "memory", "--no-ui"]);
    try {
      expect((await fetch(`${off.url}/ui/config.json`)).status).toBe(404);
      expect((await fetch(`${off.url}/v1/stream/__ds/streams`)).status).toBe(200);
    } finally {
      off.child.kill("SIGKILL");
      await off.exited;
    }
  });
});

describe("rivulet serve --pid-file", () => {
  test("a file it cannot write is a USAGE error, and the server does not stay up", async () => {
    const missing = join(tmpdir(), `no-such-dir-${process.pid}`, "rivulet.pid");
    const args = ["serve", "--store", "memory", "--port", "0", "--log-level", "warn", "--pid-file", missing];
    const { code, stderr } = await rivulet(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(errorLine("USAGE"));
    expect(stderr).toContain(`cannot write --pid-file ${missing}: ENOENT`);
  });
});

describe("npm start", () => {
  const dir = mkdtemp(join(tmpdir(), "rivulet-pid-"));
  let npm: ChildProcess | undefined;
  afterAll(async () => {
    // The whole group (npm, its shell, the server), should the test have failed half-way.
    if (npm?.pid !== undefined && npm.exitCode === null) process.kill(-npm.pid, "SIGKILL");
    await rm(await dir, { recursive: true, force: true });
  });

  test("writes the server's own pid to --pid-file: the one bench --pid needs, not npm's or its shell's", {
    timeout: 60_000,
  }, async () => {
    const pidFile = join(await dir, "rivulet.pid");
    // The root package.json's start script, as the README runs it; the test's own file location wins.
    const args = ["start", "--", "--store", "memory", "--port", "0", "--log-level", "warn", "--pid-file", pidFile];
    const started = spawn("npm", args, { cwd: REPO_ROOT, env: cleanEnv(), detached: true, stdio: "pipe" });
    npm = started;
    const exited = new Promise<number | null>((resolve) => started.once("exit", resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      started.stderr!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[^/\s]+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      void exited.then((code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    });

    const pid = Number((await readFile(pidFile, "utf8")).trim());
    expect(pid).not.toBe(started.pid);
    expect(ancestors(pid)).toContain(started.pid);
    // It is the node process running `rivulet serve`, not a shell in between.
    const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
    expect(argv[0]).toMatch(/node$/);
    expect(argv).toContain("serve");

    const bench = await rivulet(
      ["bench", "--url", url, "--quick", "--duration", "200ms", "--warmup", "0"].concat([
        "--connections",
        "2",
        "--scenarios",
        "creates",
        "--creates",
        "10",
        "--pid",
        String(pid),
      ]),
      { timeoutMs: 40_000 },
    );
    expect(bench.code).toBe(0);
    expect(bench.stdout).toContain(`server pid ${pid};`);

    // Stopping that pid stops the server (and npm with it), which removes the file.
    process.kill(pid, "SIGTERM");
    expect(await exited).toBe(0);
    await expect(readFile(pidFile, "utf8")).rejects.toMatchObject({ code: "ENOENT" });
  });
});

/** The pids above `pid`, from /proc. */
function ancestors(pid: number): number[] {
  const found: number[] = [];
  for (let current = pid; current > 1 && found.length < 10; ) {
    current = parentOf(current);
    found.push(current);
  }
  return found;
}

function parentOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid ...", comm may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}
