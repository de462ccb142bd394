/** `rivulet create <stream> [data]`: creates a stream (idempotent), optionally with initial data. */
import type { CreateOptions } from "@rivulet/client";
import { isJsonContentType } from "@rivulet/protocol";
import { Command, Option } from "commander";
import { addConnectionOptions, type ConnectionFlags, streamHandle } from "../connection.js";
import { singleBody } from "../input/single-body.js";
import { openInput } from "../input/source.js";
import { parseTtl } from "../option-parsers.js";
import { writeLine } from "../output/stdout.js";

interface CreateFlags extends ConnectionFlags {
  contentType: string;
  json?: boolean;
  ttl?: number;
  expiresAt?: string;
  closed?: boolean;
  exclusive?: boolean;
  file?: string;
}

const JSON_TYPE = "application/json";

export function createCommand(): Command {
  const command = new Command("create")
    .description("Create a stream (succeeds if an identical one exists); prints its tail offset")
    .argument("<stream>", "stream name or URL")
    .argument("[data]", 'initial data ("-" reads stdin)')
    .addOption(
      new Option("-t, --content-type <type>", "the stream's content type")
        .default("application/octet-stream")
        .conflicts("json"),
    )
    .option("--json", `shorthand for --content-type ${JSON_TYPE}`)
    .addOption(
      new Option("--ttl <seconds>", "expire after this long without reads or writes (3600, 15m, 1h, 7d)")
        .argParser(parseTtl)
        .conflicts("expiresAt"),
    )
    .option("--expires-at <time>", "expire at this RFC 3339 time (2030-01-01T00:00:00Z)")
    .option("--closed", "create it closed: its initial data is all it will ever hold")
    .option("--exclusive", "fail (exit 3) if any stream already exists there")
    .option("-f, --file <path>", 'initial data from a file ("-" for stdin)');
  return addConnectionOptions(command)
    .addHelpText(
      "after",
      `
Initial data on a JSON stream is one JSON message.

Examples:
  rivulet create logs --content-type text/plain
  rivulet create chat --json --ttl 1h
  rivulet create greeting --content-type text/plain "hello" --closed
  rivulet create config --json --file config.json
  curl -s https://example.com/data.bin | rivulet create snapshot -`,
    )
    .action(async (stream: string, data: string | undefined, flags: CreateFlags) => {
      const contentType = flags.json ? JSON_TYPE : flags.contentType;
      const options: CreateOptions = { contentType };
      if (flags.ttl !== undefined) options.ttlSeconds = flags.ttl;
      if (flags.expiresAt !== undefined) options.expiresAt = flags.expiresAt;
      if (flags.closed) options.closed = true;
      if (flags.exclusive) options.exclusive = true;
      const input = await openInput({ data: data === undefined ? [] : [data], file: flags.file }, false);
      if (input) options.body = await singleBody(input, isJsonContentType(contentType));
      const result = await streamHandle(stream, flags).create(options);
      await writeLine(result.offset);
    });
}
