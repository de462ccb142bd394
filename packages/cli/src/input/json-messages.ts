/**
 * JSON input. One value (`--json`), or many messages (`--batch`): a JSON array of messages, or
 * NDJSON with one message per line. NDJSON is parsed line by line as it arrives; an array
 * has to be whole before it can be parsed.
 */
import { CliError } from "../failure.js";

export interface JsonMessage {
  value: unknown;
  /** Encoded size, for batching by bytes. */
  bytes: number;
}

export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError("INPUT", `invalid JSON in ${where}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The messages of a JSON array or NDJSON input. Input starting with `[` is read whole and
 * taken as an array of messages; if it is not one JSON value it is read as NDJSON (whose
 * lines may themselves be arrays).
 */
export async function* jsonMessages(chunks: AsyncIterable<Uint8Array>, where: string): AsyncGenerator<JsonMessage> {
  const decoder = new TextDecoder();
  let buffered = "";
  let lineNumber = 0;
  let shape: "unknown" | "array" | "lines" = "unknown";
  for await (const chunk of chunks) {
    buffered += decoder.decode(chunk, { stream: true });
    if (shape === "unknown") {
      const start = buffered.trimStart();
      if (start.length === 0) continue;
      shape = start.startsWith("[") ? "array" : "lines";
    }
    if (shape === "array") continue;
    let lineStart = 0;
    for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n", lineStart)) {
      lineNumber++;
      const message = lineMessage(buffered.slice(lineStart, newline), lineNumber, where);
      if (message) yield message;
      lineStart = newline + 1;
    }
    buffered = buffered.slice(lineStart);
  }
  buffered += decoder.decode();
  if (shape === "array") {
    const whole = tryParse(buffered);
    if (whole.ok && Array.isArray(whole.value)) {
      for (const value of whole.value) yield { value, bytes: JSON.stringify(value)?.length ?? 0 };
      return;
    }
  }
  const lines = buffered.split("\n");
  for (const line of lines) {
    lineNumber++;
    const message = lineMessage(line, lineNumber, where);
    if (message) yield message;
  }
}

function lineMessage(line: string, lineNumber: number, where: string): JsonMessage | undefined {
  const text = line.trim();
  if (text.length === 0) return undefined;
  return { value: parseJson(text, `${where}, line ${lineNumber}`), bytes: Buffer.byteLength(text) };
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
