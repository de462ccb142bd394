/**
 * `rivulet bench`: the benchmark suite's scenarios 1–5 against any Durable Streams server,
 * from its URL alone, and scenario 8 (webhooks) against one on this machine. Every stream and
 * subscription it creates is named after the run and deleted at the end.
 */
import { existsSync } from "node:fs";
import { DurableStream, StreamError } from "@rivulet/client";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  DEFAULT_SCENARIOS,
  type PlanFlags,
  parseCountList,
  parseScenarios,
  planFrom,
  SCENARIOS,
} from "../bench/plan.js";
import type { BenchTarget } from "../bench/target.js";
import { addConnectionOptions, type ConnectionFlags, clientOptions, requestHeaders } from "../connection.js";
import { parsePositiveCount } from "../option-parsers.js";
import { writeLine } from "../output/stdout.js";
import { streamRoot } from "../stream-url.js";
import { parseDuration, parseSize } from "../units.js";

interface BenchFlags extends ConnectionFlags, PlanFlags {
  json?: boolean;
  keep?: boolean;
}

export function benchCommand(): Command {
  const command = new Command("bench")
    .description("Run the benchmark scenarios against a server")
    .addOption(
      new Option("--scenarios <list>", `which to run: all, or some of ${SCENARIOS.join(", ")} (or 1-5, 8)`)
        .argParser(parseScenarios)
        .default([...DEFAULT_SCENARIOS], "1-5"),
    )
    .option("--quick", "small sizes: every scenario in a few seconds (about half a minute in all)")
    .addOption(
      new Option("--duration <duration>", "measured time of each throughput run (default 5s; --quick 1s)").argParser(
        parseDuration,
      ),
    )
    .addOption(
      new Option(
        "--warmup <duration>",
        "unrecorded load before each append run, 0 for none (default 1s; --quick 300ms)",
      ).argParser(parseWarmup),
    )
    .addOption(
      new Option("--connections <n>", "connections for appends and creates (default 64)").argParser(parsePositiveCount),
    )
    .addOption(
      new Option("--size <bytes>", "1: bytes of each JSON append, at least 16 (default 256)").argParser(
        parseAppendSize,
      ),
    )
    .addOption(
      new Option(
        "--streams <list>",
        "1: stream counts to spread appends over (default 1,100,10000; --quick 1,100)",
      ).argParser(parseCountList),
    )
    .addOption(
      new Option("--rate <n>", "1: appends/s of the latency run (default 80% of the peak)").argParser(
        parsePositiveCount,
      ),
    )
    .addOption(
      new Option("--catch-up-size <size>", "3: bytes in the stream read back (default 100 MB; --quick 5 MB)").argParser(
        parseSize,
      ),
    )
    .addOption(
      new Option(
        "--subscribers <list>",
        "4: reader counts to fan out to (default 1000,10000; --quick 20,100)",
      ).argParser(parseCountList),
    )
    .addOption(
      new Option("--creates <n>", "5: streams to create (default 100000; --quick 1000)").argParser(parsePositiveCount),
    )
    .addOption(
      new Option(
        "--subscriptions <n>",
        "8: webhook subscriptions, 10 streams each (default 1000; --quick 20)",
      ).argParser(parsePositiveCount),
    )
    .option("--verify-signatures", "8: the receiver checks every webhook's signature against the server's keys")
    .addOption(
      new Option("--pid <pid>", "the server's process id, when it runs here: adds its CPU and memory").argParser(
        parsePid,
      ),
    )
    .option("--json", "print the results as one JSON object")
    .option("--keep", "keep the benchmark streams instead of deleting them");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Scenarios (numbered as in the benchmark suite, npm run bench):
  1 appends    durable JSON appends over 1, 100 and 10,000 streams: peak (closed
               loop) and latency at 80% of it (open model, from each append's due time)
  2 producer   100 B messages through an idempotent producer, acknowledged
  3 catch-up   a 100 MB stream (bytes, then JSON) read from -1 to the tail
  4 fan-out    1,000 and 10,000 SSE and long-poll readers of one stream, one append a
               second: delivery latency; the highest rate 1,000 SSE readers keep up with
  5 creates    100,000 streams created
  8 subscriptions
               1,000 webhook subscriptions over 10,000 streams, delivering to a receiver
               this command runs on 127.0.0.1: appends at 1,000/s, then at peak;
               append-to-receiver latency, wakes/s, appends per wake. Only when asked
               for: the server must run here and let webhooks reach 127.0.0.1
               (rivulet serve --webhook-allow 127.0.0.1)
  With --pid, also the server's CPU (1, 8), RSS per SSE reader (scenario 6, in 4) and
  RSS per idle stream (5). Scenario 7 (restart time) needs to restart the server, so only
  the suite runs it. Sizes above are the defaults; --quick and the flags shrink them.

Streams are named bench-<run>-* under the stream root and deleted at the end (also on
Ctrl-C) unless --keep; subscriptions are deleted when their scenario ends. Exits 5 if
any request failed, a delivery went missing or a stream could not be deleted, after
printing every figure.

Examples:
  rivulet bench --quick
  rivulet bench --url https://streams.example.com/v1/stream --token "$TOKEN"
  rivulet bench --scenarios appends,fan-out --streams 1 --subscribers 1000 --json
  rivulet bench --scenarios subscriptions --quick  # a local server with --webhook-allow 127.0.0.1
  rivulet bench --pid "$(cat rivulet.pid)"     # a server started with --pid-file rivulet.pid (npm start does)`,
    )
    .action(async (flags: BenchFlags) => {
      await bench(flags);
    });
}

function parseWarmup(value: string): number {
  if (/^0+(ms|s)?$/.test(value.trim())) return 0;
  return parseDuration(value);
}

function parseAppendSize(value: string): number {
  const size = parseSize(value);
  // The smallest JSON message that still carries its sequence number.
  if (size < 16) throw new InvalidArgumentError(`appends must be at least 16 bytes, got ${size}`);
  return size;
}

function parsePid(value: string): number {
  const pid = parsePositiveCount(value);
  if (process.platform !== "linux") throw new InvalidArgumentError("--pid reads /proc, which only Linux has");
  if (!existsSync(`/proc/${pid}/stat`)) throw new InvalidArgumentError(`no process ${pid} on this machine`);
  return pid;
}

async function bench(flags: BenchFlags): Promise<void> {
  const plan = planFrom(flags);
  const root = streamRoot(flags.url);
  // Loaded here: the load generators (undici, histograms) would slow every other command's start.
  const { BenchTarget } = await import("../bench/target.js");
  const target = new BenchTarget(root.origin, root.pathname, requestHeaders(flags), plan.serverPid);
  const say = progressPrinter(flags.verbose === true || process.stderr.isTTY === true);
  await probe(target, flags);
  if (!flags.keep) deleteOnInterrupt(target, plan.connections);
  const { formatEnding, formatScenario, heading, jsonReport } = await import("../bench/report.js");
  const { runBench } = await import("../bench/run-bench.js");
  if (!flags.json) await writeLine(`${heading(`${root.origin}${root.pathname}`, target.run, plan)}\n`);
  const report = await runBench(target, plan, {
    progress: say,
    keep: flags.keep === true,
    scenarioDone: async (scenario) => {
      if (!flags.json) await writeLine(`${formatScenario(scenario)}\n`);
    },
  });
  await writeLine(flags.json ? jsonReport(report) : formatEnding(report));
  const failed = report.scenarios.filter((scenario) => scenario.failures > 0);
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new StreamError(
      "SERVER_ERROR",
      `${failed.map((s) => s.name).join(", ")}: ${failed.reduce((sum, s) => sum + s.failures, 0)} failures; first: ${first.firstFailure}`,
      { url: report.target },
    );
  }
  if (report.deleteFailures > 0) {
    throw new StreamError(
      "SERVER_ERROR",
      `could not delete ${report.deleteFailures} of the run's streams (${report.run}-*); first: ${report.deleteError}`,
      { url: report.target },
    );
  }
}

/**
 * One stream created through the client before any load: a wrong URL, a missing token or a
 * refused path fails here with its own error code and exit code, not as load errors.
 */
async function probe(target: BenchTarget, flags: BenchFlags): Promise<void> {
  const path = target.path("probe");
  target.created(path);
  const handle = new DurableStream({ url: target.origin + path, ...clientOptions(flags) });
  await handle.create({ contentType: "application/octet-stream" });
}

/** Ctrl-C: delete what the run created, then exit 130; a second Ctrl-C leaves it. */
function deleteOnInterrupt(target: BenchTarget, connections: number): void {
  process.once("SIGINT", () => {
    process.once("SIGINT", () => process.exit(130));
    process.stderr.write(
      `rivulet: interrupted; deleting the run's ${target.recorded} streams (Ctrl-C again to leave them)\n`,
    );
    void target.deleteAll(connections).finally(() => process.exit(130));
  });
}

function progressPrinter(enabled: boolean): (message: string) => void {
  const started = performance.now();
  return (message) => {
    if (!enabled) return;
    const seconds = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
    process.stderr.write(`rivulet: bench [${seconds} s] ${message}\n`);
  };
}
