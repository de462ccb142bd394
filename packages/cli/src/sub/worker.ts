/**
 * `rivulet sub worker <id> -- <command> [args…]`: a pull-wake worker that runs a command per
 * wake (sub/run-command.ts), acks when it exits 0, gives the wake back and retries after a
 * backoff when it does not, renews the lease while it runs, and on SIGINT or SIGTERM stops
 * the command, gives back the wake in hand and exits 130.
 */
import { hostname } from "node:os";
import { PullWakeWorker, type WorkerEvent } from "@rivulet/client/subscriptions";
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags } from "../connection.js";
import { EXIT } from "../exit-codes.js";
import { CliError, failureLine, usage } from "../failure.js";
import { subscriptionsClient } from "./connection.js";
import { CommandFailed, runForWake } from "./run-command.js";

interface WorkerFlags extends ConnectionFlags {
  name?: string;
  wakeStream?: string;
}

export function subWorkerCommand(): Command {
  const command = new Command("worker")
    .description("Run a command for each wake of a pull-wake subscription; ack when it exits 0")
    .argument("<id>", "pull-wake subscription id")
    .argument("<command...>", "after --: the command and its arguments")
    .option("--name <name>", "the worker name claims are made under (default <host>-<pid>)")
    .option(
      "--wake-stream <path>",
      "the subscription's wake stream (default: read from the subscription, which needs admin)",
    );
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
For each wake the command gets, on stdin, every pending stream's data from its cursor
to its tail (JSON streams one message per line, others as stored), and in its
environment RIVULET_SUBSCRIPTION, RIVULET_WAKE_ID, RIVULET_GENERATION and RIVULET_STREAMS
(the stream paths, one a line). Exit 0 acks the wake; any other exit gives it back and
it is claimed again after a backoff (1 s, doubling to 60 s). The lease is renewed while
the command runs. Ctrl-C or SIGTERM stops the command, gives the wake back, exits 130.

Examples:
  rivulet sub worker jobs -- ./process-jobs.sh
  rivulet sub worker jobs --name worker-a -- sh -c 'jq -c .job >> done.log'
  rivulet sub worker jobs --wake-stream jobs-wake --token "$WORKER_TOKEN" -- node handle.js`,
    )
    .action(async (id: string, commandLine: string[], flags: WorkerFlags) => {
      process.exitCode = await work(id, commandLine, flags);
    });
}

async function work(id: string, commandLine: string[], flags: WorkerFlags): Promise<number> {
  if (commandLine.length === 0) throw usage("name the command to run after --");
  let fatal: unknown;
  let interrupted = false;
  const worker: PullWakeWorker = new PullWakeWorker(
    subscriptionsClient(flags),
    id,
    (wake) => runForWake(commandLine, wake),
    {
      name: flags.name ?? `${hostname()}-${process.pid}`,
      ...(flags.wakeStream !== undefined && { wakeStream: flags.wakeStream }),
      onEvent: (event) => {
        report(event, flags.verbose === true);
        // A command that cannot be started at all will not start on the next wake either.
        if (event.type === "error" && event.error instanceof CliError) {
          fatal = event.error;
          void worker.stop();
        }
      },
    },
  );
  const stop = () => {
    interrupted = true;
    void worker.stop();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await worker.start();
    await worker.done;
  } catch (error) {
    await worker.stop();
    if (!interrupted) throw error;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  if (fatal !== undefined) throw fatal;
  return interrupted ? EXIT.interrupted : EXIT.ok;
}

/** One stderr line per thing the worker did; renewals and lost races for the lease only with --verbose. */
function report(event: WorkerEvent, verbose: boolean): void {
  const line = describe(event, verbose);
  if (line !== undefined) process.stderr.write(`rivulet: ${line}\n`);
}

function describe(event: WorkerEvent, verbose: boolean): string | undefined {
  switch (event.type) {
    case "following":
      return `following ${event.wakeStream}`;
    case "claimed":
      return `claimed ${event.subscriptionId} generation ${event.generation} (${event.streams} streams)`;
    case "renewed":
      return verbose ? `renewed the lease of ${event.subscriptionId} generation ${event.generation}` : undefined;
    case "busy":
      return verbose ? `${event.subscriptionId} is held by ${event.holder ?? "another worker"}` : undefined;
    case "acked":
      return `acked ${event.subscriptionId} generation ${event.generation}${event.nextWake ? " (more is pending)" : ""}`;
    case "released":
      return `released ${event.subscriptionId} generation ${event.generation} without an ack${event.reason === "stopped" ? " (stopping)" : ""}`;
    case "lost":
      return `lost ${event.subscriptionId} generation ${event.generation}, not acked: ${failureLine(event.error).replace(/^rivulet: /, "")}`;
    case "error": {
      const retry = event.retryInMs === undefined ? "" : `; claiming again in ${(event.retryInMs / 1000).toFixed(1)} s`;
      const who = event.subscriptionId ?? "the worker";
      if (event.error instanceof CommandFailed) return `${who}: ${event.error.message}, not acked${retry}`;
      return `${event.phase} failed for ${who}: ${failureLine(event.error).replace(/^rivulet: /, "")}${retry}`;
    }
  }
}
