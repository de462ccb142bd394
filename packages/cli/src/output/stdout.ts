/**
 * Writing results to stdout with backpressure, and leaving quietly when the reader goes away
 * (`rivulet tail chat | head -3`): a closed pipe is not an error worth a stack trace.
 */
import { once } from "node:events";

export function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

export async function writeOut(data: Uint8Array | string): Promise<void> {
  if (!process.stdout.write(data)) await once(process.stdout, "drain");
}

export function writeLine(text: string): Promise<void> {
  return writeOut(`${text}\n`);
}
