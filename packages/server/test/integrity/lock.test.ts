/**
 * One process owns a data directory (docs/storage.md, "The lock"). Real `rivulet serve`
 * processes: a second one on a directory in use refuses with one line naming the directory
 * and the holder's pid; a lock left by a killed server, by a process whose pid was reused or
 * from before a reboot never blocks a start; of two starters racing for a stale lock exactly
 * one wins.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { RIVULET_BIN, type ServerProcess, spawnServer } from "../support/spawn-server.js";

const dirs: string[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.child.kill("SIGKILL");
    await server.exited;
  }
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-lock-"));
  dirs.push(dir);
  return dir;
}

async function serve(dir: string): Promise<ServerProcess> {
  const server = await spawnServer(["--data-dir", dir]);
  servers.push(server);
  return server;
}

/** Runs `rivulet serve` expecting it to refuse: its exit code and stderr. */
function refusedStart(dir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [RIVULET_BIN, "serve", "--port", "0", "--data-dir", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
}

/** Starts `rivulet serve` and reports whether it came up (then it is kept) or refused. */
async function tryServe(dir: string): Promise<"serving" | { code: number | null; stderr: string }> {
  try {
    await serve(dir);
    return "serving";
  } catch (error) {
    const text = String(error);
    return { code: Number(/exited \((\d+)\)/.exec(text)?.[1]), stderr: text };
  }
}

async function write(server: ServerProcess, path: string, body: string): Promise<number> {
  const url = `${server.url}/v1/stream/${path}`;
  await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
  return (await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body })).status;
}

async function bootId(): Promise<string> {
  return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim().replaceAll("-", "").slice(0, 16);
}

async function startTime(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("data directory lock", () => {
  test("a second server on a directory in use refuses: one line, the directory, the holder's pid, exit 5", async () => {
    const dir = await dataDir();
    const first = await serve(dir);
    const second = await refusedStart(dir);
    expect(second.code).toBe(5);
    expect(second.stderr).toBe(
      `rivulet: DATA_DIR_LOCKED: data directory ${dir} is in use by process ${first.child.pid}\n`,
    );
    // The holder is untouched and keeps serving.
    expect(await write(first, "still-mine", "x")).toBe(204);
  });

  test("a lock left by a server killed with SIGKILL does not block the next start, and nothing acknowledged is lost", async () => {
    const dir = await dataDir();
    const first = await serve(dir);
    expect(await write(first, "survives", "acknowledged")).toBe(204);
    first.child.kill("SIGKILL");
    await first.exited;
    const next = await serve(dir);
    expect(await (await fetch(`${next.url}/v1/stream/survives`)).text()).toBe("acknowledged");
    // And the new holder's lock is live: a third start refuses, naming it.
    expect((await refusedStart(dir)).stderr).toContain(`in use by process ${next.child.pid}`);
  });

  test("a lock whose pid now belongs to another process, or that predates a reboot, is stale", async () => {
    const boot = await bootId();
    const mine = `${process.pid}:${await startTime(process.pid)}`;
    // This test process is alive, but was not started at time 1: its pid was "reused".
    const reused = await dataDir();
    await symlink(`${process.pid}:1:${boot}`, join(reused, "lock.1"));
    expect(await tryServe(reused)).toBe("serving");
    // Same pid and start time, but another boot: the holder died with the machine.
    const rebooted = await dataDir();
    await symlink(`${mine}:0000000000000000`, join(rebooted, "lock.1"));
    expect(await tryServe(rebooted)).toBe("serving");
    // The same holder on this boot is alive: refused, naming this process.
    const held = await dataDir();
    await symlink(`${mine}:${boot}`, join(held, "lock.1"));
    expect((await refusedStart(held)).stderr).toContain(`in use by process ${process.pid}`);
  });

  test("of two servers racing for a stale lock exactly one starts; the other names it", async () => {
    const dir = await dataDir();
    await symlink(`${await deadPid()}:1:${await bootId()}`, join(dir, "lock.7"));
    const outcomes = await Promise.all([tryServe(dir), tryServe(dir)]);
    const winners = outcomes.filter((outcome) => outcome === "serving");
    expect(winners).toHaveLength(1);
    const loser = outcomes.find((outcome) => outcome !== "serving") as { code: number; stderr: string };
    expect(loser.code).toBe(5);
    expect(loser.stderr).toContain(`in use by process ${servers[0]!.child.pid}`);
  });
});
