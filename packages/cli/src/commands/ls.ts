/** `rivulet ls [prefix]`: the streams under the stream root, through the server's admin listing. */
import { Command, Option } from "commander";
import { type ListedStream, listStreams } from "../admin/list-streams.js";
import { colorsFor } from "../colors.js";
import { addConnectionOptions, type ConnectionFlags, requestHeaders } from "../connection.js";
import { parsePositiveCount } from "../option-parsers.js";
import { formatBytes, formatTable } from "../output/format.js";
import { writeLine } from "../output/stdout.js";
import { nameUnderRoot, rootPath, streamRoot } from "../stream-url.js";

interface LsFlags extends ConnectionFlags {
  json?: boolean;
  limit?: number;
  pageSize: number;
}

export function lsCommand(): Command {
  const command = new Command("ls")
    .description("List streams whose names start with a prefix (all by default), in name order")
    .argument("[prefix]", 'name prefix, e.g. "chat" or "rooms/"', "")
    .option("--json", "print a JSON array of the server's stream records")
    .addOption(new Option("--limit <n>", "list at most this many streams").argParser(parsePositiveCount))
    .addOption(
      new Option("--page-size <n>", "streams per listing request (the server allows 1 to 1000)")
        .argParser(parsePositiveCount)
        .default(100),
    );
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Uses the server's admin endpoint {root}/__ds/streams; --url must be the stream root.

Examples:
  rivulet ls
  rivulet ls rooms/
  rivulet ls --json | jq -r '.[] | select(.closed) | .path'`,
    )
    .action(async (prefix: string, flags: LsFlags) => {
      const root = streamRoot(flags.url);
      const found: ListedStream[] = [];
      const pages = listStreams({
        root,
        prefix: `${rootPath(root)}/${prefix}`,
        pageSize: Math.min(flags.pageSize, flags.limit ?? flags.pageSize),
        headers: requestHeaders(flags),
        timeoutMs: flags.timeout,
        retries: flags.retries,
        verbose: flags.verbose === true,
      });
      for await (const page of pages) {
        found.push(...page);
        if (flags.limit !== undefined && found.length >= flags.limit) break;
      }
      const streams = flags.limit === undefined ? found : found.slice(0, flags.limit);
      if (flags.json) await writeLine(JSON.stringify(streams, null, 2));
      else if (streams.length > 0) await writeLine(table(streams, root));
    });
}

function table(streams: ListedStream[], root: URL): string {
  const c = colorsFor(process.stdout);
  const rows = streams.map((stream) => [
    nameUnderRoot(stream.path, root),
    stream.contentType,
    formatBytes(stream.bytes),
    stream.deleted ? c.red("deleted") : stream.closed ? c.yellow("closed") : c.green("open"),
    stream.expiresAt ?? (stream.ttlSeconds === null ? "-" : `ttl ${stream.ttlSeconds}s`),
    stream.forkedFrom === null ? "-" : nameUnderRoot(stream.forkedFrom, root),
    stream.createdAt,
  ]);
  const header = ["STREAM", "CONTENT TYPE", "SIZE", "STATE", "EXPIRES", "FORKED FROM", "CREATED"].map((title) =>
    c.bold(title),
  );
  return formatTable(header, rows, new Set([2]));
}
