/**
 * Where a command's data comes from: its arguments, a file, or stdin. A source yields bytes as
 * they become available, so a never-ending pipe (`tail -f log | rivulet append …`) is sent
 * piece by piece instead of after an EOF that never comes.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { CliError, usage } from "../failure.js";

export type InputKind = "arguments" | "file" | "stdin";

export interface InputSource {
  readonly kind: InputKind;
  /** The arguments themselves, when the data came as arguments. */
  readonly args?: readonly string[];
  /** Total bytes when known in advance (arguments, regular files). */
  readonly size: number | undefined;
  chunks(): AsyncIterable<Uint8Array>;
}

export interface InputFlags {
  /** Data given as arguments; a lone "-" means stdin. */
  data: string[];
  /** --file; "-" means stdin. */
  file?: string | undefined;
}

/**
 * The input named by the flags; undefined when none was named. With `implicitStdin`, a piped
 * stdin is the input when nothing else is named (for `append`, where data is the point).
 */
export async function openInput(flags: InputFlags, implicitStdin: boolean): Promise<InputSource | undefined> {
  const { data, file } = flags;
  if (data.length > 0 && file !== undefined) throw usage("give data as arguments or with --file, not both");
  if (file === "-" || (data.length === 1 && data[0] === "-")) return stdinSource();
  if (file !== undefined) return fileSource(file);
  if (data.length > 0) return argumentSource(data);
  if (implicitStdin && !process.stdin.isTTY) return stdinSource();
  return undefined;
}

function argumentSource(data: string[]): InputSource {
  const bytes = new TextEncoder().encode(data.join(" "));
  return {
    kind: "arguments",
    args: data,
    size: bytes.length,
    async *chunks() {
      yield bytes;
    },
  };
}

async function fileSource(path: string): Promise<InputSource> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new CliError("INPUT", `${path} is a directory`);
    // FIFOs and devices have no size worth showing.
    size = info.isFile() ? info.size : Number.NaN;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError("INPUT", `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
  return {
    kind: "file",
    size: Number.isNaN(size) ? undefined : size,
    chunks: () => readable(createReadStream(path), path),
  };
}

function stdinSource(): InputSource {
  return { kind: "stdin", size: undefined, chunks: () => readable(process.stdin, "stdin") };
}

async function* readable(stream: NodeJS.ReadableStream, what: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
  } catch (error) {
    throw new CliError("INPUT", `cannot read ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** The whole input, for commands that send it as one body. */
export function readAll(source: InputSource): Promise<Uint8Array> {
  return collectBytes(source.chunks());
}

export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
