/** `rivulet head <stream>`: the stream's metadata, for people or (`--json`) for programs. */
import { Command } from "commander";
import { colorsFor } from "../colors.js";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { writeLine } from "../output/stdout.js";

interface HeadFlags extends ConnectionFlags {
  json?: boolean;
}

export function headCommand(): Command {
  const command = new Command("head")
    .description("Show a stream's metadata: content type, tail offset, closure, expiry")
    .argument("<stream>", "stream name or URL")
    .option("--json", "print one JSON object");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet head chat
  rivulet head chat --json | jq -r .nextOffset`,
    )
    .action(async (stream: string, flags: HeadFlags) => {
      const handle = streamHandle(stream, flags);
      const info = await handle.head();
      const facts = {
        url: handle.url,
        contentType: info.contentType ?? null,
        nextOffset: info.offset,
        closed: info.closed,
        ttlSeconds: info.ttlSeconds ?? null,
        expiresAt: info.expiresAt ?? null,
      };
      if (flags.json) {
        await writeLine(JSON.stringify(facts));
        return;
      }
      const label = colorsFor(process.stdout).dim;
      const rows: [string, string][] = [
        ["url", facts.url],
        ["content type", facts.contentType ?? "-"],
        ["next offset", facts.nextOffset],
        ["closed", facts.closed ? "yes" : "no"],
        ["ttl", facts.ttlSeconds === null ? "-" : `${facts.ttlSeconds} s`],
        ["expires at", facts.expiresAt ?? "-"],
      ];
      await writeLine(rows.map(([name, value]) => `${label(name.padEnd(13))}${value}`).join("\n"));
    });
}
