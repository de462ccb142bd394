/**
 * How `read` and `tail` print what they receive: the bytes as stored for byte and text
 * streams; for JSON streams one message per line (NDJSON, which `append --batch` reads back),
 * or indented with --pretty.
 */
import type { Batch } from "@rivulet/client";
import { isJsonContentType } from "@rivulet/protocol";
import { usage } from "../failure.js";
import { writeOut } from "./stdout.js";

export type BatchPrinter = (batch: Batch) => Promise<void>;

export function batchPrinter(contentType: string | undefined, pretty: boolean): BatchPrinter {
  const json = contentType !== undefined && isJsonContentType(contentType);
  if (pretty && !json) throw usage(`--pretty needs a JSON stream; this one is ${contentType ?? "of unknown type"}`);
  if (!json) {
    return async (batch) => {
      if (batch.data.length > 0) await writeOut(batch.data);
    };
  }
  return async (batch) => {
    const items = batch.items;
    if (items.length === 0) return;
    const text = items.map((item) => JSON.stringify(item, null, pretty ? 2 : undefined)).join("\n");
    await writeOut(`${text}\n`);
  };
}
