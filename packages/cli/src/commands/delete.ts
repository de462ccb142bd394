/** `rivulet delete <stream>`: deletes a stream. */
import { Command } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";

export function deleteCommand(): Command {
  const command = new Command("delete")
    .description("Delete a stream (exit 2 if there is none)")
    .argument("<stream>", "stream name or URL");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet delete chat
  rivulet delete chat || true        # ignore a missing stream`,
    )
    .action(async (stream: string, flags: ConnectionFlags) => {
      await streamHandle(stream, flags).delete();
    });
}
