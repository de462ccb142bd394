/**
 * `rivulet bench`: acknowledged-append throughput and latency against any Durable Streams
 * server. It creates its own streams under the stream root, loads them, reports, and deletes
 * them. Deliberately small; the benchmark suite in bench/ compares servers and scenarios.
 */
import { DurableStream, StreamError } from "@rivulet/client";
import { Command, InvalidArgumentError, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags, clientOptions, requestHeaders } from "../connection.js";
import { parsePositiveCount } from "../option-parsers.js";
import { writeLine } from "../output/stdout.js";
import { streamRoot, streamUrl } from "../stream-url.js";
import { parseDuration, parseSize } from "../units.js";

interface BenchFlags extends ConnectionFlags {
  duration: number;
  warmup: number;
  connections: number;
  size: number;
  streams: number;
  json?: boolean;
  keep?: boolean;
}

export function benchCommand(): Command {
  const command = new Command("bench")
    .description("Measure append throughput and latency against a server")
    .addOption(new Option("--duration <duration>", "how long to measure").argParser(parseDuration).default(5000, "5s"))
    .addOption(
      new Option("--warmup <duration>", "load before measuring, not counted (0 for none)")
        .argParser(parseWarmup)
        .default(1000, "1s"),
    )
    .addOption(
      new Option("--connections <n>", "concurrent connections, one append in flight on each")
        .argParser(parsePositiveCount)
        .default(64),
    )
    .addOption(new Option("--size <bytes>", "payload of each append (256, 4k, 1MiB)").argParser(parseSize).default(256))
    .addOption(
      new Option("--streams <n>", "spread the appends over this many streams").argParser(parsePositiveCount).default(1),
    )
    .option("--json", "print the results as one JSON object")
    .option("--keep", "keep the benchmark streams instead of deleting them");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Each append is a POST of --size bytes, counted when the server acknowledges it (a Rivulet
server in its default fsync mode acknowledges only what is on disk). Latency is measured
from sending to the end of the response. Exits 5 if any append failed.

Examples:
  rivulet bench
  rivulet bench --url http://127.0.0.1:4437 --duration 10s --connections 128 --size 1k
  rivulet bench --streams 16 --json`,
    )
    .action(async (flags: BenchFlags) => {
      await bench(flags);
    });
}

function parseWarmup(value: string): number {
  if (/^0+(ms|s)?$/.test(value.trim())) return 0;
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

async function bench(flags: BenchFlags): Promise<void> {
  const root = streamRoot(flags.url);
  const run = `bench-${Date.now().toString(36)}-${process.pid}`;
  const handles = Array.from(
    { length: flags.streams },
    (_, index) => new DurableStream({ url: streamUrl(`${run}-${index}`, flags.url), ...clientOptions(flags) }),
  );
  // Created through the client: a wrong URL or missing auth fails here, with its exit code.
  await Promise.all(handles.map((handle) => handle.create({ contentType: "application/octet-stream" })));
  // Loaded here: undici and the histogram would slow every other command's start.
  const { openPool, runAppendLoad } = await import("../bench/append-load.js");
  const { formatSummary, summarize } = await import("../bench/report.js");
  const pool = openPool(root.origin, flags.connections);
  try {
    const plan = {
      streamUrls: handles.map((handle) => handle.url),
      connections: flags.connections,
      payload: new Uint8Array(flags.size).fill(0x61),
      headers: requestHeaders(flags),
    };
    if (flags.warmup > 0) await runAppendLoad(pool, { ...plan, durationMs: flags.warmup });
    const result = await runAppendLoad(pool, { ...plan, durationMs: flags.duration });
    const summary = summarize(result, {
      target: `${root.origin}${root.pathname}`,
      payloadBytes: flags.size,
      connections: flags.connections,
      streams: flags.streams,
      durationMs: flags.duration,
      warmupMs: flags.warmup,
    });
    await writeLine(flags.json ? JSON.stringify(summary) : formatSummary(summary));
    if (result.failed > 0) {
      const anyResponse = Object.keys(result.failures).some((cause) => cause.startsWith("HTTP "));
      throw new StreamError(
        anyResponse ? "SERVER_ERROR" : "NETWORK",
        `${result.failed} of ${result.ok + result.failed} appends failed`,
        { url: summary.target },
      );
    }
  } finally {
    await pool.close();
    if (!flags.keep) await Promise.allSettled(handles.map((handle) => handle.delete()));
  }
}
