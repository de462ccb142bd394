/**
 * Turns an append's input into the groups sent one request each: raw bytes (a byte or text
 * stream), messages (a JSON stream). Each argument of `--json` is one message; a file or stdin
 * is one message; `--batch` input is a JSON array or NDJSON sent in batches. Large or slow
 * input is sent as it arrives, in requests of at most MAX_GROUP_BYTES.
 */
import { CliError } from "../failure.js";
import { coalesce } from "../input/coalesce.js";
import { jsonMessages, parseJson } from "../input/json-messages.js";
import { collectBytes, type InputSource } from "../input/source.js";

export type AppendMode = "bytes" | "json" | "batch";

export type AppendGroup = { kind: "bytes"; bytes: Uint8Array } | { kind: "messages"; messages: unknown[] };

/** The largest request body a group makes (well under the server's default 64 MiB limit). */
export const MAX_GROUP_BYTES = 1 << 20;
/** Messages per `--batch` request. */
export const MAX_GROUP_MESSAGES = 1000;
/** How long a partial group waits for more input before it is sent anyway. */
export const LINGER_MS = 20;

export async function* appendGroups(
  input: InputSource,
  mode: AppendMode,
  onInput: (bytes: number) => void,
): AsyncGenerator<AppendGroup> {
  const chunks = counted(input.chunks(), onInput);
  const where = input.kind === "file" ? "the file" : input.kind;
  if (mode === "bytes") {
    const limits = { maxItems: Number.POSITIVE_INFINITY, maxBytes: MAX_GROUP_BYTES, lingerMs: LINGER_MS };
    for await (const parts of coalesce(chunks, (chunk) => chunk.length, limits)) {
      yield { kind: "bytes", bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
    }
    return;
  }
  if (mode === "json") {
    if (input.args) {
      const messages = input.args.map((arg, index) => parseJson(arg, `argument ${index + 1}`));
      yield { kind: "messages", messages };
      return;
    }
    const text = new TextDecoder().decode(await collectBytes(chunks));
    if (text.trim().length === 0) throw new CliError("INPUT", `nothing to append: ${where} is empty`);
    yield { kind: "messages", messages: [parseJson(text, where)] };
    return;
  }
  // Batch arguments are lines of NDJSON (or one JSON array), like a file's.
  const source = input.args ? linesOf(input.args) : chunks;
  const limits = { maxItems: MAX_GROUP_MESSAGES, maxBytes: MAX_GROUP_BYTES, lingerMs: LINGER_MS };
  for await (const messages of coalesce(jsonMessages(source, where), (m) => m.bytes, limits)) {
    yield { kind: "messages", messages: messages.map((message) => message.value) };
  }
}

async function* counted(chunks: AsyncIterable<Uint8Array>, onInput: (bytes: number) => void) {
  for await (const chunk of chunks) {
    onInput(chunk.length);
    yield chunk;
  }
}

async function* linesOf(args: readonly string[]): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(args.join("\n"));
}
