/** `rivulet fork <source> <target>`: a new stream sharing the source's data up to an offset. */
import type { ForkOptions } from "@rivulet/client";
import { Command, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { parseCount, parseTtl } from "../option-parsers.js";
import { writeLine } from "../output/stdout.js";
import { streamUrl } from "../stream-url.js";

interface ForkFlags extends ConnectionFlags {
  offset?: string;
  subOffset?: number;
  ttl?: number;
  expiresAt?: string;
}

export function forkCommand(): Command {
  const command = new Command("fork")
    .description(
      "Fork a stream: the target starts with the source's data up to an offset, then diverges; prints the fork's tail offset",
    )
    .argument("<source>", "the stream to fork (name or URL)")
    .argument("<target>", "the new stream (name or URL)")
    .option("--offset <offset>", "divergence point (default: the source's tail)")
    .addOption(
      new Option("--sub-offset <n>", "also inherit this many messages (JSON) or bytes after --offset").argParser(
        parseCount,
      ),
    )
    .addOption(
      new Option("--ttl <seconds>", "the fork expires after this long without use (3600, 1h)")
        .argParser(parseTtl)
        .conflicts("expiresAt"),
    )
    .option("--expires-at <time>", "the fork expires at this RFC 3339 time");
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  rivulet fork chat chat-draft
  rivulet fork chat chat-at-42 --offset 0000000000000000_0000000000000042
  rivulet fork chat chat-retry --offset 0000000000000000_0000000000000000 --sub-offset 3`,
    )
    .action(async (source: string, target: string, flags: ForkFlags) => {
      const options: ForkOptions = {};
      if (flags.offset !== undefined) options.offset = flags.offset;
      if (flags.subOffset !== undefined) options.subOffset = flags.subOffset;
      if (flags.ttl !== undefined) options.ttlSeconds = flags.ttl;
      if (flags.expiresAt !== undefined) options.expiresAt = flags.expiresAt;
      // Resolved here, by the CLI's rule: the client would resolve it relative to the source URL.
      const fork = await streamHandle(source, flags).createFork(streamUrl(target, flags.url), options);
      await writeLine(fork.offset);
    });
}
