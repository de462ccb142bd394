/**
 * `rivulet retention <stream>`: shows what a stream keeps, and with --ms / --bytes changes it
 * (docs/extensions.md, "Retention"), through the server's admin API.
 */
import type { RetentionChange, RetentionSettings } from "@rivulet/client/admin";
import { getRetention, setRetention } from "@rivulet/client/admin";
import { Command, InvalidArgumentError, Option } from "commander";
import { colorsFor } from "../colors.js";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { formatBytes, formatDuration } from "../output/format.js";
import { writeLine } from "../output/stdout.js";
import { parseDuration, parseSize } from "../units.js";

interface RetentionFlags extends ConnectionFlags {
  ms?: number | typeof DEFAULT;
  bytes?: number | typeof DEFAULT;
  json?: boolean;
}

/** The word that removes a stream's own setting, so the server's default applies again. */
const DEFAULT = "default" as const;

export function retentionCommand(): Command {
  const command = new Command("retention")
    .description("Show or change how much of a stream the server keeps (by age and by size)")
    .argument("<stream>", "stream name or URL")
    .addOption(
      new Option(
        "--ms <duration>",
        `drop messages older than this (e.g. 7d, 12h); "${DEFAULT}": the server's`,
      ).argParser(orDefault(parseDuration)),
    )
    .addOption(
      new Option(
        "--bytes <size>",
        `keep about this much of the stream (e.g. 10GiB); "${DEFAULT}": the server's`,
      ).argParser(orDefault(parseSize)),
    )
    .option("--json", "print one JSON object");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Without --ms and --bytes the settings are shown, not changed. A stream without its own
setting gets the server's default (rivulet serve --retention-ms / --retention-bytes); with
neither it keeps everything. Retention drops whole storage units from the head in the
background; readers of what it dropped get 410 Gone with the earliest offset (exit 2).
Changing settings needs an admin token on servers with auth.

Examples:
  rivulet retention chat
  rivulet retention chat --ms 7d --bytes 10GiB
  rivulet retention chat --ms default          # back to the server's default
  rivulet retention chat --json | jq .earliestOffset`,
    )
    .action(async (stream: string, flags: RetentionFlags) => {
      const handle = streamHandle(stream, flags);
      const change: RetentionChange = {};
      // A JSON merge patch: null removes the stream's own setting.
      if (flags.ms !== undefined) change.ms = flags.ms === DEFAULT ? null : flags.ms;
      if (flags.bytes !== undefined) change.bytes = flags.bytes === DEFAULT ? null : flags.bytes;
      const settings =
        Object.keys(change).length === 0 ? await getRetention(handle) : await setRetention(handle, change);
      await writeLine(flags.json ? JSON.stringify({ url: handle.url, ...settings }) : describe(handle.url, settings));
    });
}

function orDefault(parse: (value: string) => number): (value: string) => number | typeof DEFAULT {
  return (value) => {
    if (value.trim().toLowerCase() === DEFAULT) return DEFAULT;
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(`${(error as Error).message}, or "${DEFAULT}"`);
    }
  };
}

function describe(url: string, settings: RetentionSettings): string {
  const label = colorsFor(process.stdout).dim;
  const rows: [string, string][] = [
    ["url", url],
    ["by age", setting(settings.ms, settings.effectiveMs, formatDuration)],
    ["by size", setting(settings.bytes, settings.effectiveBytes, formatBytes)],
    ["earliest", settings.earliestOffset],
    ["next offset", settings.nextOffset],
    ["next seq", String(settings.nextSeq)],
  ];
  return rows.map(([name, value]) => `${label(name.padEnd(12))}${value}`).join("\n");
}

/** `7d`, `1d (server default)` or `- (keeps everything)`. */
function setting(own: number | null, effective: number | null, format: (value: number) => string): string {
  if (own !== null) return format(own);
  return effective === null ? "- (keeps everything)" : `${format(effective)} (server default)`;
}
