/**
 * Every child process the benchmark starts is registered here, so none outlives it: on a
 * normal exit, an error, or Ctrl-C, each one still running is killed by its own pid.
 */
import type { ChildProcess } from "node:child_process";

const running = new Set<ChildProcess>();
const cleanups: Array<() => void> = [];
let hooked = false;

/** A synchronous clean-up that runs however the process ends (e.g. removing scratch files). */
export function atExit(cleanup: () => void): void {
  cleanups.push(cleanup);
  if (!hooked) hookExit();
}

export function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (!hooked) hookExit();
  return child;
}

/** Child processes started and not yet exited. */
export function runningChildren(): number {
  return running.size;
}

export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  running.clear();
}

function finish(): void {
  killAll();
  for (const cleanup of cleanups.splice(0)) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is ending.
    }
  }
}

function hookExit(): void {
  hooked = true;
  process.once("exit", finish);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      finish();
      process.exit(130);
    });
  }
}

/** Resolves when the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
