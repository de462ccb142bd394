/** `rivulet read <stream>`: a catch-up read from a start to the current tail, to stdout. */
import { type DurableStream, StreamError } from "@rivulet/client";
import { Command, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { batchPrinter } from "../output/batch-printer.js";
import { recordPrinter } from "../output/record-printer.js";
import { writeLine } from "../output/stdout.js";
import { type LastStart, startOfLast } from "../read/last-messages.js";
import { type StartFlags, startOffset, startOptions } from "../read/start-flags.js";

interface ReadFlags extends ConnectionFlags, StartFlags {
  pretty?: boolean;
  offsetOnly?: boolean;
  records?: boolean;
}

export function readCommand(): Command {
  const command = new Command("read")
    .description("Print a stream from an offset, a time or its last messages up to its current tail")
    .argument("<stream>", "stream name or URL");
  for (const option of startOptions()) command.addOption(option);
  command
    .option("--records", "one JSON line per message: offset, next_offset, seq, ts (append time, ms) and value")
    .option("--pretty", "JSON streams and --records: indented instead of one per line")
    .addOption(
      new Option("--offset-only", "print only the tail offset (where the next read resumes), not the data").conflicts([
        "records",
        "since",
        "at",
        "last",
      ]),
    )
    .addHelpText(
      "after",
      `
Byte and text streams print their bytes as stored. JSON streams print one message per line
(NDJSON), or indented with --pretty. --records prints every message with its position: a
value that is not JSON as text (text/* streams) or base64 (others), one record per append.
--since, --at and --last need a server with the time index, --records one with the records
view (docs/extensions.md); a server without them is UNSUPPORTED (exit 1). --since counts back
from this machine's clock.

Examples:
  rivulet read logs
  rivulet read logs > logs.txt
  rivulet read chat --pretty
  rivulet read chat --from 0000000000000000_0000000000000042
  rivulet read chat --since 2h
  rivulet read chat --at 2026-11-30T09:00:00Z --records
  rivulet read chat --last 10
  NEXT=$(rivulet read chat --offset-only)   # later: rivulet read chat --from "$NEXT"`,
    );
  return addConnectionOptions(command).action(async (stream: string, flags: ReadFlags) => {
    const handle = streamHandle(stream, flags);
    if (flags.offsetOnly) {
      // The tail is where a read to the end stops; HEAD tells it without moving the data.
      await writeLine((await handle.head()).offset);
      return;
    }
    const last = flags.last === undefined ? undefined : await lastStart(handle, flags.last);
    const records = flags.records === true || last !== undefined;
    const offset = last?.offset ?? startOffset(flags);
    const response = await handle.stream({ offset, live: false, records });
    const pretty = flags.pretty === true;
    const print = records
      ? recordPrinter(response.contentType, { records: flags.records === true, pretty, firstSeq: last?.firstSeq ?? 0 })
      : batchPrinter(response.contentType, pretty);
    for await (const batch of response) await print(batch);
  });
}

/** Where the last `count` messages begin: a search by seq over append times. */
async function lastStart(handle: DurableStream, count: number): Promise<LastStart> {
  const { nextSeq } = await handle.head();
  if (nextSeq === undefined) {
    const message = 'The server does not count messages (extension "append-metadata"), which --last needs';
    throw new StreamError("UNSUPPORTED", message, { url: handle.url });
  }
  const lookup = async (time: number) => {
    const found = await handle.offsetAt(time);
    return { offset: found.offset, seq: found.seq ?? nextSeq };
  };
  return startOfLast(lookup, nextSeq, count, Date.now());
}
