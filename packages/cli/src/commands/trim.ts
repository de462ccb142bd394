/**
 * `rivulet trim <stream> <offset>`: drops a stream's head up to an offset now, for those who
 * decide retention themselves (docs/extensions.md, "Trim"); prints where the stream starts.
 */
import { trim } from "@rivulet/client/admin";
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { writeLine } from "../output/stdout.js";

interface TrimFlags extends ConnectionFlags {
  json?: boolean;
}

export function trimCommand(): Command {
  const command = new Command("trim")
    .description("Drop a stream's data before an offset; prints the stream's new earliest offset")
    .argument("<stream>", "stream name or URL")
    .argument("<offset>", 'keep from this offset on ("now": drop everything so far)')
    .option("--json", "print one JSON object: earliestOffset and nextOffset");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
The stream then starts at the last message boundary at or before <offset>: never further
back than it starts already, and never past what a fork of it still reads. Readers of what
was dropped get 410 Gone with the new earliest offset (exit 2). Needs an admin token on
servers with auth.

Examples:
  rivulet trim events 0000000000000000_0000000000004096
  rivulet trim events "$(rivulet read events --offset-only)"   # everything so far
  rivulet trim events now --json`,
    )
    .action(async (stream: string, offset: string, flags: TrimFlags) => {
      const handle = streamHandle(stream, flags);
      const result = await trim(handle, offset);
      await writeLine(flags.json ? JSON.stringify(result) : result.earliestOffset);
    });
}
