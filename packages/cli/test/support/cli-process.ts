/**
 * Runs the real `rivulet` binary (the build in packages/cli/dist) as a child process, the way
 * a user or a script would, and a server for it to talk to.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { RIVULET_BIN, type ServerProcess, spawnServer } from "../../../server/test/support/spawn-server.js";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Uint8Array;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * A config directory that never exists: a run sees no contexts (the user's own current context
 * must not redirect a test) unless its test sets RIVULET_CONFIG_DIR.
 */
const NO_CONFIG_DIR = join(tmpdir(), `rivulet-cli-test-no-config-${process.pid}`);

/** The environment of every run: none of the caller's RIVULET_* or colour settings leak in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("RIVULET_") || key === "NO_COLOR" || key === "FORCE_COLOR" || key === "CI") continue;
    env[key] = value;
  }
  return { ...env, RIVULET_CONFIG_DIR: NO_CONFIG_DIR, ...extra };
}

export function startRivulet(args: string[], options: Omit<RunOptions, "input"> & { stdin?: "pipe" } = {}) {
  const child = spawn(process.execPath, [RIVULET_BIN, ...args], {
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    env: cleanEnv(options.env),
  });
  return new RunningCli(child, options.timeoutMs ?? 20_000);
}

/** Runs `rivulet …args` to completion. */
export async function rivulet(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const running = startRivulet(args, { ...options, ...(options.input === undefined ? {} : { stdin: "pipe" }) });
  if (options.input !== undefined) running.child.stdin!.end(options.input);
  return running.result;
}

export class RunningCli {
  readonly result: Promise<CliResult>;
  private stdoutParts: Buffer[] = [];
  private stderrText = "";
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly child: ChildProcess,
    timeoutMs: number,
  ) {
    child.stdout!.on("data", (chunk: Buffer) => {
      this.stdoutParts.push(chunk);
      this.notify();
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      this.stderrText += chunk.toString();
      this.notify();
    });
    // stdin errors (EPIPE when the CLI exits before reading) are not what a test checks.
    child.stdin?.on("error", () => {});
    this.result = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`rivulet ${child.spawnargs.slice(2).join(" ")} did not exit:\n${this.stderrText}`));
      }, timeoutMs);
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        const stdoutBytes = Buffer.concat(this.stdoutParts);
        resolve({ code, signal, stdout: stdoutBytes.toString(), stdoutBytes, stderr: this.stderrText });
      });
    });
  }

  get stdout(): string {
    return Buffer.concat(this.stdoutParts).toString();
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Resolves once stdout satisfies `test`; fails after `timeoutMs` with what arrived. */
  waitForStdout(test: (stdout: string) => boolean, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => test(this.stdout), timeoutMs);
  }

  waitForStderr(test: (stderr: string) => boolean, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => test(this.stderrText), timeoutMs);
  }

  private waitFor(test: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`never matched; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderrText)}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Scratch directories for the test file's input files, removed after it: call at the top level
 * of the file; the function it returns makes one directory per call.
 */
export function scratchDirsForFile(): (prefix: string) => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (prefix) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** One server for the test file (memory store unless told otherwise), stopped after it. */
export function serverForFile(args: string[] = ["--store", "memory"]): { readonly url: string; readonly pid: number } {
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await spawnServer(args);
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await server?.exited;
  });
  return {
    get url() {
      if (!server) throw new Error("the server has not started");
      return server.url;
    },
    get pid() {
      if (!server?.child.pid) throw new Error("the server has not started");
      return server.child.pid;
    },
  };
}

/** Exactly one line on stderr, in the CLI's error format, with this code. */
export function errorLine(code: string): RegExp {
  return new RegExp(`^rivulet: ${code}: [^\\n]+\\n$`);
}

let counter = 0;
/** A stream name no other test in the file uses. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A local port nothing listens on (fetch refuses "unsafe" ports like 9, so one is found). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
