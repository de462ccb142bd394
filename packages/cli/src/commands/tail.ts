/**
 * `rivulet tail <stream>`: follows a stream live, printing data as it arrives, until the
 * stream is closed (exit 0) or Ctrl-C (exit 130). Once following, it rides out disconnects
 * and server restarts: the client reconnects from the last offset it delivered.
 */
import type { ClientEvent, LiveMode, StreamError } from "@rivulet/client";
import { Command, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { EXIT } from "../exit-codes.js";
import { batchPrinter } from "../output/batch-printer.js";

interface TailFlags extends ConnectionFlags {
  from: string;
  sse?: boolean;
  longPoll?: boolean;
  pretty?: boolean;
}

export function tailCommand(): Command {
  const command = new Command("tail")
    .description("Follow a stream live and print data as it arrives; exits 0 when the stream is closed")
    .argument("<stream>", "stream name or URL")
    .option("--from <offset>", 'where to start: "now" (only new data), -1 (the beginning), or an offset', "now")
    .addOption(new Option("--sse", "follow with Server-Sent Events").conflicts("longPoll"))
    .option("--long-poll", "follow with long-polling (default: SSE, falling back to long-poll if it is buffered)")
    .option("--pretty", "JSON streams: indented messages instead of one per line");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Until the first response, failures count against --retries; after it, tail retries for
as long as it takes (a restarting server, a dropped connection) and resumes where it was,
saying on stderr each time it reconnects.

Examples:
  rivulet tail chat
  rivulet tail chat --from -1 --pretty
  rivulet tail logs --long-poll | grep ERROR`,
    )
    .action(async (stream: string, flags: TailFlags) => {
      process.exitCode = await tail(stream, flags);
    });
}

async function tail(stream: string, flags: TailFlags): Promise<number> {
  const live: LiveMode = flags.sse ? "sse" : flags.longPoll ? "long-poll" : "auto";
  // Ctrl-C (or SIGTERM) ends the session quietly whenever it comes, even before the first response.
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let following = false;
  try {
    // --verbose already logs every retry; otherwise say at least that the connection is being restored.
    const notices = flags.verbose ? undefined : reconnectNotices;
    const response = await streamHandle(stream, flags, notices).stream({
      offset: flags.from,
      live,
      signal: stop.signal,
      retry: { maxRetries: Number.POSITIVE_INFINITY },
      // Before the first response a failure is most likely a wrong URL or a server that is not
      // there, so --retries applies; afterwards the default (retry what is retryable) forever.
      onError: (_error: StreamError, { attempt }) => (following || attempt <= flags.retries ? undefined : "stop"),
    });
    following = true;
    const print = batchPrinter(response.contentType, flags.pretty === true);
    for await (const batch of response) await print(batch);
    return stop.signal.aborted ? EXIT.interrupted : EXIT.ok;
  } catch (error) {
    if (stop.signal.aborted) return EXIT.interrupted;
    throw error;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

/** One stderr line per reconnect attempt (and mode switch), so a silent tail is never a mystery. */
function reconnectNotices(event: ClientEvent): void {
  if (event.type === "fallback") {
    process.stderr.write(`rivulet: switching from ${event.from} to ${event.to} (${event.reason})\n`);
  }
  if (event.type !== "reconnect") return;
  const seconds = (event.delayMs / 1000).toFixed(1);
  const cause = `${event.error.code}: ${oneLineText(event.error.message)}`;
  process.stderr.write(`rivulet: reconnecting in ${seconds} s (attempt ${event.attempt}) after ${cause}\n`);
}

function oneLineText(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
