/**
 * `rivulet append <stream> [data...]`: appends arguments, a file, or piped stdin; as bytes,
 * as JSON messages, or through an idempotent producer. Prints the stream's new tail offset.
 */
import { type DurableStream, isStreamError, StreamError } from "@rivulet/client";
import { DEFAULT_CONTENT_TYPE, isJsonContentType } from "@rivulet/protocol";
import { Command, Option } from "commander";
import { type AppendMode, appendGroups } from "../append/groups.js";
import { type AppendSink, directSink, producerSink } from "../append/sinks.js";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { CliError, usage } from "../failure.js";
import { openInput } from "../input/source.js";
import { parseCount } from "../option-parsers.js";
import { startProgress } from "../output/progress.js";
import { writeLine } from "../output/stdout.js";

interface AppendFlags extends ConnectionFlags {
  file?: string;
  contentType?: string;
  json?: boolean;
  batch?: boolean;
  producer?: string;
  epoch: number;
  autoClaim?: boolean;
  progress: boolean;
}

export function appendCommand(): Command {
  const command = new Command("append")
    .description("Append data to a stream; prints the stream's new tail offset")
    .argument("<stream>", "stream name or URL")
    .argument("[data...]", 'data to append, joined with spaces ("-" reads stdin)')
    .option("-f, --file <path>", 'append the contents of a file ("-" for stdin)')
    .option("--json", "the input is JSON, checked before sending: one message per argument, or one for a file/stdin")
    .option("--batch", "the input is a JSON array or NDJSON: one message per element or line, sent in batches")
    .option(
      "-t, --content-type <type>",
      "the stream's content type, so it need not be looked up (a token that may write but not read)",
    )
    .option("--producer <id>", "write through an idempotent producer with this id: exactly once, safe to re-run")
    .addOption(
      new Option("--epoch <n>", "producer epoch; bump it to write new data under the same producer id")
        .argParser(parseCount)
        .default(0),
    )
    .option("--auto-claim", "if another session of this producer holds a newer epoch, take over with the next one")
    .option("--no-progress", "never show the progress line (shown on a terminal for piped or large input)");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Input is the data arguments, --file, or stdin when it is piped. A byte or text stream gets
the bytes as they are (large or slow input goes in pieces of up to 1 MiB as it arrives);
a JSON stream gets messages. With --producer the server knows each batch by producer id,
epoch and sequence number: re-running the same append writes nothing twice, and new data
under the same id needs a higher --epoch (or --auto-claim). For that, --producer cuts the
input by size alone (1 MiB batches), so a slow pipe's data waits for a full batch or the
end of input: follow a live pipe without --producer.

The stream's content type is looked up first, which needs read access: with a token that
may only write, give it with --content-type (--json and --batch imply a JSON stream).

Examples:
  rivulet append logs "service started"
  tail -f app.log | rivulet append logs
  rivulet append logs --file big.bin
  rivulet append chat --json '{"role":"user","text":"hi"}' '{"role":"bot","text":"hello"}'
  rivulet append chat --batch --file events.ndjson
  echo '[{"n":1},{"n":2}]' | rivulet append chat --batch
  rivulet append chat --batch --file events.ndjson --producer importer --epoch 3
  rivulet append logs "started" --content-type text/plain --token "$WRITE_ONLY_TOKEN"`,
    )
    .action(async (stream: string, data: string[], flags: AppendFlags, cmd: Command) => {
      if (flags.producer === undefined && (cmd.getOptionValueSource("epoch") !== "default" || flags.autoClaim)) {
        throw usage("--epoch and --auto-claim need --producer");
      }
      await append(stream, data, flags);
    });
}

async function append(stream: string, data: string[], flags: AppendFlags): Promise<void> {
  const input = await openInput({ data, file: flags.file }, true);
  if (!input) throw usage("nothing to append: give data as arguments, --file <path>, or pipe it into stdin");
  const handle = streamHandle(stream, flags);
  // The content type decides how input is sent, and must match the stream's on every append.
  const contentType = await streamContentType(handle, flags);
  handle.contentType = contentType;
  const json = isJsonContentType(contentType);
  if ((flags.json || flags.batch) && !json) {
    throw usage(`--json and --batch need a JSON stream; ${stream} is ${contentType}`);
  }
  const mode: AppendMode = !json ? "bytes" : flags.batch ? "batch" : "json";
  const sink: AppendSink =
    flags.producer === undefined
      ? directSink(handle)
      : producerSink(handle, { id: flags.producer, epoch: flags.epoch, autoClaim: flags.autoClaim === true });

  const progress = startProgress({ enabled: flags.progress, size: input.size, piped: input.kind === "stdin" });
  let groups = 0;
  try {
    for await (const group of appendGroups(input, mode, (bytes) => progress.add(bytes))) {
      await sink.write(group);
      groups++;
    }
  } finally {
    progress.stop();
  }
  if (groups === 0) throw new CliError("INPUT", "nothing to append: the input is empty");
  const outcome = await sink.finish();
  if (outcome.duplicates > 0) {
    process.stderr.write(
      `rivulet: ${outcome.duplicates} batch(es) were already written by producer ${flags.producer} at epoch ` +
        `${outcome.epoch} and were not written again (use a higher --epoch for new data)\n`,
    );
  }
  if (outcome.offset !== undefined) await writeLine(outcome.offset);
}

/**
 * The stream's content type: as given, else looked up with HEAD. HEAD needs read access; for a
 * token that may only write, --json and --batch say the stream is JSON, and otherwise the
 * failure says how to go on.
 */
async function streamContentType(handle: DurableStream, flags: AppendFlags): Promise<string> {
  if (flags.contentType !== undefined) return flags.contentType;
  try {
    return (await handle.head()).contentType ?? DEFAULT_CONTENT_TYPE;
  } catch (error) {
    if (!isStreamError(error, "FORBIDDEN")) throw error;
    if (flags.json || flags.batch) return "application/json";
    const hint = "pass --content-type <type> (or --json / --batch for a JSON stream)";
    throw new StreamError("FORBIDDEN", `Cannot read the stream's content type with this credential: ${hint}`, {
      url: handle.url,
      status: error.status,
      cause: error,
    });
  }
}
