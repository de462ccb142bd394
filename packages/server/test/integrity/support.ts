/**
 * For the integrity tests: real `rivulet serve` processes on real data directories, and
 * helpers that damage those directories the way a bad disk would (a flipped byte) or read
 * their log format to aim the damage.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEveryTest } from "../support/cleanups.js";
import { RIVULET_BIN } from "../support/spawn-server.js";

const dirs: string[] = [];
const running = new Set<Server>();

afterEveryTest(async () => {
  await Promise.all([...running].map((server) => server.kill()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-integrity-"));
  dirs.push(dir);
  return dir;
}

export class Server {
  url = "";
  /** Everything the process wrote (stdout JSON logs and stderr). */
  output = "";
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
  }

  /**
   * Resolves once the output matches `pattern` (logs are written asynchronously, so a line may
   * follow the response it is about); rejects if the process exits first or 10 s pass.
   */
  waitForOutput(pattern: RegExp): Promise<string> {
    const found = () => pattern.exec(this.output)?.[0];
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = found();
        if (match === undefined) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no output matching ${pattern} in:\n${this.output}`));
      }, 10_000);
      const done = () => {
        clearTimeout(timer);
        this.child.stdout!.off("data", check);
        this.child.stderr!.off("data", check);
      };
      this.child.stdout!.on("data", check);
      this.child.stderr!.on("data", check);
      check();
    });
  }

  stream(path: string): string {
    return `${this.url}/v1/stream/${path}`;
  }

  async kill(): Promise<void> {
    running.delete(this);
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM: a graceful stop, with a checkpoint. */
  async stop(): Promise<void> {
    running.delete(this);
    this.child.kill("SIGTERM");
    expect0(await this.exited);
  }
}

function expect0(code: number | null): void {
  if (code !== 0) throw new Error(`server exited with ${code}`);
}

/**
 * Starts `rivulet serve` on `dir`: resolves once it listens, or rejects with Refused if it
 * exits first. With `openFiles`, it runs under that open-file limit (`ulimit -n`).
 */
export function serve(dir: string, args: string[] = [], options: { openFiles?: number } = {}): Promise<Server> {
  const argv = [RIVULET_BIN, "serve", "--port", "0", "--log-level", "warn", "--data-dir", dir, ...args];
  const child =
    options.openFiles === undefined
      ? spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] })
      : spawn("sh", ["-c", `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...argv], {
          stdio: ["ignore", "pipe", "pipe"],
        });
  const server = new Server(child);
  running.add(server);
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/[^/\s]+)/.exec(server.output);
      if (!match) return;
      server.url = match[1]!;
      child.stderr!.off("data", onData);
      resolve(server);
    };
    child.stderr!.on("data", onData);
    void server.exited.then((code) => {
      running.delete(server);
      reject(new Refused(code, server.output));
    });
  });
}

/** A start that ended before listening. */
export class Refused extends Error {
  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`rivulet serve exited (${code}) before listening:\n${output}`);
  }
}

export async function refusedStart(dir: string): Promise<Refused> {
  try {
    const server = await serve(dir);
    await server.kill();
  } catch (error) {
    if (error instanceof Refused) return error;
    throw error;
  }
  throw new Error("the server started");
}

export async function put(server: Server, path: string, contentType = "text/plain", body?: string): Promise<void> {
  const response = await fetch(server.stream(path), {
    method: "PUT",
    headers: { "content-type": contentType },
    ...(body === undefined ? {} : { body }),
  });
  if (response.status !== 201) throw new Error(`PUT ${path}: ${response.status}`);
}

export async function post(server: Server, path: string, body: string, contentType = "text/plain"): Promise<void> {
  const response = await fetch(server.stream(path), { method: "POST", headers: { "content-type": contentType }, body });
  if (response.status !== 204) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
}

export async function text(server: Server, path: string): Promise<string> {
  const response = await fetch(`${server.stream(path)}?offset=-1`);
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.text();
}

/** Every file under `dir` (but lock symlinks) and a hash of its bytes: to prove nothing changed. */
export async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if (name.startsWith("lock.") || !(await stat(path)).isFile()) continue;
    out[name] = createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  }
  return out;
}

export async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  if (offset >= bytes.length) throw new Error(`${file} has only ${bytes.length} bytes`);
  bytes[offset] = bytes[offset]! ^ 0x20;
  await writeFile(file, bytes);
}

export const segmentPath = (dir: string, segment: number) =>
  join(dir, "wal", `${segment.toString().padStart(16, "0")}.wal`);

export interface BatchLayout {
  readonly offset: number;
  readonly end: number;
  /** Offsets of the records' frames. */
  readonly records: number[];
}

/** The batches of a log segment (format 2: 16-byte header, then 20-byte batch frames). */
export async function batches(file: string): Promise<BatchLayout[]> {
  const bytes = await readFile(file);
  const out: BatchLayout[] = [];
  let at = 16;
  while (at + 20 <= bytes.length && bytes.readUInt32BE(at) === 0x52564231) {
    const count = bytes.readUInt32BE(at + 4);
    const end = at + 20 + bytes.readUInt32BE(at + 8);
    const records: number[] = [];
    for (let r = at + 20, i = 0; i < count; i++) {
      records.push(r);
      r += 8 + bytes.readUInt32BE(r);
    }
    out.push({ offset: at, end, records });
    at = end;
  }
  return out;
}
