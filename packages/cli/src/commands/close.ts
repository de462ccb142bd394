/** `rivulet close <stream> [data]`: closes a stream (EOF for readers), optionally with a final message. */
import { isJsonContentType } from "@rivulet/protocol";
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { singleBody } from "../input/single-body.js";
import { openInput } from "../input/source.js";
import { writeLine } from "../output/stdout.js";

interface CloseFlags extends ConnectionFlags {
  file?: string;
}

export function closeCommand(): Command {
  const command = new Command("close")
    .description("Close a stream: readers see its end, appends are refused; prints its final offset")
    .argument("<stream>", "stream name or URL")
    .argument("[data]", 'a final append, made atomically with the close ("-" reads stdin)')
    .option("-f, --file <path>", 'the final append from a file ("-" for stdin)');
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Closing a closed stream again is fine; closing it again with final data fails (exit 3).
On a JSON stream the final data is one JSON message.

Examples:
  rivulet close logs
  rivulet close chat '{"role":"bot","text":"bye"}'
  rivulet close report --file summary.txt`,
    )
    .action(async (stream: string, data: string | undefined, flags: CloseFlags) => {
      const handle = streamHandle(stream, flags);
      const input = await openInput({ data: data === undefined ? [] : [data], file: flags.file }, false);
      if (!input) {
        await writeLine((await handle.close()).offset);
        return;
      }
      // The final append needs the stream's content type (and JSON streams get one message).
      const { contentType } = await handle.head();
      const body = await singleBody(input, contentType !== undefined && isJsonContentType(contentType));
      await writeLine((await handle.close({ body })).offset);
    });
}
