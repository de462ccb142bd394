/** `rivulet read <stream>`: a catch-up read from an offset to the current tail, to stdout. */
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { batchPrinter } from "../output/batch-printer.js";
import { writeLine } from "../output/stdout.js";

interface ReadFlags extends ConnectionFlags {
  from: string;
  pretty?: boolean;
  offsetOnly?: boolean;
}

export function readCommand(): Command {
  const command = new Command("read")
    .description("Print a stream from an offset up to its current tail")
    .argument("<stream>", "stream name or URL")
    .option("--from <offset>", 'where to start: -1 (the beginning), "now", or an offset from earlier', "-1")
    .option("--pretty", "JSON streams: indented messages instead of one per line")
    .option("--offset-only", "print only the tail offset (where the next read resumes), not the data")
    .addHelpText(
      "after",
      `
Byte and text streams print their bytes as stored. JSON streams print one message per line
(NDJSON), or indented with --pretty.

Examples:
  rivulet read logs
  rivulet read logs > logs.txt
  rivulet read chat --pretty
  rivulet read chat --from 0000000000000000_0000000000000042
  NEXT=$(rivulet read chat --offset-only)   # later: rivulet read chat --from "$NEXT"`,
    );
  return addConnectionOptions(command).action(async (stream: string, flags: ReadFlags) => {
    const handle = streamHandle(stream, flags);
    if (flags.offsetOnly) {
      // The tail is where a read to the end stops; HEAD tells it without moving the data.
      await writeLine((await handle.head()).offset);
      return;
    }
    const response = await handle.stream({ offset: flags.from, live: false });
    const print = batchPrinter(response.contentType, flags.pretty === true);
    for await (const batch of response) await print(batch);
  });
}
