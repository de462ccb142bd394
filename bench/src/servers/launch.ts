/**
 * Starts a server under test in its own process and waits for the line that prints its URL.
 * The child is registered so it never outlives the benchmark.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { exited, track } from "../core/children.js";
import { REPO_ROOT } from "../core/repo-root.js";
import type { ServerId } from "../core/types.js";
import { serverArgs } from "./server-kinds.js";

export interface LaunchOptions {
  /** Data directory (file-backed servers). */
  readonly dataDir?: string;
  /** Rivulet's `--durability` (default `fsync`). */
  readonly durability?: string;
  /** Rivulet's `--log-level` (default `warn`: no line per request). */
  readonly logLevel?: string;
  /** Write a V8 CPU profile of the server into this directory when it stops. */
  readonly cpuProfileDir?: string;
  /** Let webhooks reach receivers on this machine (subscriptions). */
  readonly webhooks?: boolean;
  /** How long start-up (including recovery) may take. */
  readonly readyTimeoutMs?: number;
  /** More `rivulet serve` flags (Rivulet only), e.g. `--segment-size`. */
  readonly serveFlags?: readonly string[];
  /** Rivulet's `--config` file. */
  readonly configFile?: string;
}

export interface RunningServer {
  readonly id: ServerId;
  /** Origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly pid: number;
  /** From spawn to the printed URL. */
  readonly readyMs: number;
  /** Graceful stop (SIGINT, the way an operator stops it), SIGKILL if it hangs; how it exited. */
  stop(): Promise<string>;
  /** SIGKILL: a crash. */
  kill(): Promise<string>;
}

/** The line a server prints once it accepts requests (Rivulet prints it on stderr). */
const URL_LINE = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

export async function launchServer(id: ServerId, options: LaunchOptions = {}): Promise<RunningServer> {
  const nodeFlags = options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [];
  const args = [
    ...nodeFlags,
    ...serverArgs(id, {
      dataDir: options.dataDir ?? "",
      durability: options.durability ?? "fsync",
      logLevel: options.logLevel ?? "warn",
      webhooks: options.webhooks ?? false,
      configFile: options.configFile,
    }),
    ...(id === "rivulet" ? (options.serveFlags ?? []) : []),
  ];
  const started = performance.now();
  const child = track(spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] }));
  const url = await waitForUrl(child, id, options.readyTimeoutMs ?? 60_000);
  const readyMs = performance.now() - started;
  return {
    id,
    url,
    pid: child.pid!,
    readyMs,
    stop: () => stopChild(child, "SIGINT", 30_000),
    kill: () => stopChild(child, "SIGKILL", 10_000),
  };
}

function waitForUrl(child: ChildProcess, id: ServerId, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const output = { stdout: "", stderr: "" };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited (${code ?? signal}) before it was ready`);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      child.kill("SIGKILL");
      reject(
        new Error(`${id} server ${why}\nstdout: ${output.stdout.slice(-2000)}\nstderr: ${output.stderr.slice(-2000)}`),
      );
    };
    const timer = setTimeout(() => fail(`printed no URL within ${timeoutMs} ms`), timeoutMs);
    let found = false;
    for (const name of ["stdout", "stderr"] as const) {
      // Keep draining both pipes for the server's whole life, or it blocks on a full pipe.
      child[name]!.on("data", (chunk: Buffer) => {
        if (found) return;
        output[name] = (output[name] + chunk.toString()).slice(-8000);
        const match = URL_LINE.exec(output[name]);
        if (match) {
          found = true;
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve(match[1]!);
        }
      });
    }
    child.once("exit", onExit);
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<string> {
  if (child.exitCode === null && child.signalCode === null) {
    const done = exited(child);
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await done;
    clearTimeout(timer);
  }
  return child.exitCode !== null ? `exit ${child.exitCode}` : `signal ${child.signalCode}`;
}
