/** `rivulet head <stream>`: the stream's metadata, for people or (`--json`) for programs. */
import { Command } from "commander";
import { colorsFor } from "../colors.js";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { formatBytes, formatDuration } from "../output/format.js";
import { writeLine } from "../output/stdout.js";

interface HeadFlags extends ConnectionFlags {
  json?: boolean;
}

export function headCommand(): Command {
  const command = new Command("head")
    .description("Show a stream's metadata: content type, offsets, closure, expiry, message count and retention")
    .argument("<stream>", "stream name or URL")
    .option("--json", "print one JSON object");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet head chat
  rivulet head chat --json | jq -r .nextOffset

"earliest" is where retained data begins, "next seq" the number of messages appended so far,
"retention" what the server keeps (the stream's own setting, else the server's default); "-"
where the server does not say.`,
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
        earliestOffset: info.earliestOffset ?? null,
        nextSeq: info.nextSeq ?? null,
        retentionMs: info.retentionMs ?? null,
        retentionBytes: info.retentionBytes ?? null,
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
        ["earliest", facts.earliestOffset ?? "-"],
        ["next seq", facts.nextSeq === null ? "-" : String(facts.nextSeq)],
        ["retention", retentionText(facts.retentionMs, facts.retentionBytes)],
      ];
      await writeLine(rows.map(([name, value]) => `${label(name.padEnd(13))}${value}`).join("\n"));
    });
}

/** `7d, 10.0 GiB`: what retention keeps, by age and by size; "-" when it keeps everything. */
export function retentionText(ms: number | null, bytes: number | null): string {
  const parts = [
    ms === null ? undefined : `${formatDuration(ms)} by age`,
    bytes === null ? undefined : `${formatBytes(bytes)} by size`,
  ];
  const set = parts.filter((part) => part !== undefined);
  return set.length === 0 ? "-" : set.join(", ");
}
