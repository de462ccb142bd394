/**
 * Runs `consume`'s command for one record: the record as one JSON line on its stdin, its
 * position and key in its environment, its output on ours. Resolves with how it ended; a
 * command that cannot be started at all is a USAGE error. `stop` forwards SIGTERM to it, so a
 * graceful shutdown lets the command finish (or give up) on its own terms.
 */
import { spawn } from "node:child_process";
import { CliError } from "../failure.js";

export interface CommandOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningCommand {
  readonly done: Promise<CommandOutcome>;
  stop(): void;
}

export function runForRecord(command: readonly string[], input: string, env: Record<string, string>): RunningCommand {
  const [file, ...args] = command;
  const child = spawn(file!, args, { stdio: ["pipe", "inherit", "inherit"], env: { ...process.env, ...env } });
  const done = new Promise<CommandOutcome>((resolve, reject) => {
    child.once("error", (error) =>
      reject(new CliError("USAGE", `cannot run ${file}: ${error.message}`, { cause: error })),
    );
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  // The command may exit without reading its input: that is its business.
  child.stdin.on("error", () => {});
  child.stdin.end(`${input}\n`);
  return { done, stop: () => void child.kill("SIGTERM") };
}

export function describeOutcome(outcome: CommandOutcome): string {
  return outcome.signal !== null ? `was killed by ${outcome.signal}` : `exited with ${outcome.code}`;
}
